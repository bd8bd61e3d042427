"""Shopify's reconciliation pull (channels/connectors/shopify_orders.py through the order pull,
channels/sync/pull.py) against the Shopify fake with orders (tests/channels/fakes/
shopify_orders.py): an order whose webhook never came is found and taken, a cancellation whose
webhook never came cancels, both idempotent with the webhooks; pages, long orders, the cost
cap, a throttled pull that goes on next time, refused orders asked for again."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import Client

from channels.models import ChannelPullState, Order, OrderStatus
from channels.services import listing_create
from channels.sync.pull import channel_pull
from channels.tasks import pull_orders_task
from inventory.models import WarehouseStock
from tests import factories
from tests.channels.fakes.shopify_orders import ShopifyOrdersFake
from tests.channels.helpers import make_channel
from tests.channels.webhook_helpers import SECRET, post_shopify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Bucket reports are cached by shop address: a fake on a port an earlier test used must
    not inherit them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake():
    with ShopifyOrdersFake() as shop:
        shop.main = shop.add_location("Main warehouse")
        yield shop


@pytest.fixture
def tee(places):
    sku = factories.sku("TEE-M")
    factories.stock(sku, places.bin1, 100)
    return sku


def channel_for(fake, warehouse, code="SHOPI"):
    return make_channel(
        code,
        warehouse,
        connector="shopify",
        endpoint_url=fake.url,
        settings={
            "access_token": fake.token,
            "location_id": fake.main,
            "webhook_secret": SECRET,
        },
    )


def available(sku) -> int:
    row = WarehouseStock.objects.get(sku=sku)
    return row.on_hand - row.reserved


def queried(fake, root: str) -> list:
    return [call for call in fake.calls if call.root_fields and call.root_fields[0] == root]


def test_an_order_whose_webhook_never_came_is_found_and_taken(fake, warehouse, tee):
    channel = channel_for(fake, warehouse)
    item = fake.add_item("TEE-M")
    lost = fake.add_order((item, 3))
    result = channel_pull(channel=channel)
    assert result.error == ""
    assert result.taken == [str(lost.number)]
    order = Order.objects.get(channel=channel)
    assert order.external_id == str(lost.number)
    assert [(line.sku.code, line.quantity) for line in order.lines.all()] == [("TEE-M", 3)]
    assert available(tee) == 97
    assert fake.search_warnings == []
    # The webhook arriving late (Shopify's retry) finds the order.
    late = post_shopify(Client(), channel.code, "orders/create", fake.order_webhook(lost.number))
    assert late.json()["outcome"] == "known"
    assert Order.objects.count() == 1


def test_orders_the_webhooks_brought_are_not_read_again_in_full(fake, warehouse, tee):
    channel = channel_for(fake, warehouse)
    item = fake.add_item("TEE-M")
    delivered = fake.add_order((item, 1))
    lost = fake.add_order((item, 2))
    webhook = post_shopify(
        Client(), channel.code, "orders/create", fake.order_webhook(delivered.number)
    )
    assert webhook.json()["outcome"] == "taken"
    result = channel_pull(channel=channel)
    assert result.taken == [str(lost.number)]
    assert result.read == 2
    # Line items were read for the lost order only.
    [lines_call] = queried(fake, "nodes")
    assert lines_call.variables["ids"] == [lost.gid]
    assert Order.objects.count() == 2
    assert available(tee) == 97
    # Pulling again (the overlap re-reads the last minute) changes nothing.
    again = channel_pull(channel=channel)
    assert (again.error, again.taken, again.cancelled) == ("", [], [])
    assert Order.objects.count() == 2


def test_a_cancellation_whose_webhook_never_came_cancels_the_order(fake, warehouse, tee):
    channel = channel_for(fake, warehouse)
    item = fake.add_item("TEE-M")
    placed = fake.add_order((item, 5))
    post_shopify(Client(), channel.code, "orders/create", fake.order_webhook(placed.number))
    assert available(tee) == 95
    fake.cancel_order(placed.number)  # its orders/cancelled webhook is lost
    result = channel_pull(channel=channel)
    assert result.cancelled == [str(placed.number)]
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert available(tee) == 100


def test_the_first_pull_takes_open_unfulfilled_orders_only(fake, warehouse, tee):
    channel = channel_for(fake, warehouse)
    item = fake.add_item("TEE-M")
    waiting = fake.add_order((item, 1))
    shipped = fake.fulfil_order(fake.add_order((item, 1)).number)
    cancelled = fake.cancel_order(fake.add_order((item, 1)).number)
    result = channel_pull(channel=channel)
    assert result.taken == [str(waiting.number)]
    [listing] = queried(fake, "orders")
    assert listing.variables["query"] == "status:open AND fulfillment_status:unfulfilled"
    assert (
        Order.objects.filter(external_id__in=[str(shipped.number), str(cancelled.number)]).count()
        == 0
    )
    state = ChannelPullState.objects.get(channel=channel)
    assert state.cursor is not None
    # Later pulls ask for what changed since the cursor (less the overlap), oldest first.
    channel_pull(channel=channel)
    later = queried(fake, "orders")[-1]
    since = (state.cursor - datetime.timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert later.variables["query"] == f"updated_at:>'{since}'"


def test_a_fulfilled_order_never_taken_is_left_alone_on_later_pulls(fake, warehouse, tee):
    channel = channel_for(fake, warehouse)
    item = fake.add_item("TEE-M")
    channel_pull(channel=channel)  # the cursor is set
    fake.fulfil_order(fake.add_order((item, 1)).number)  # a point-of-sale sale, say
    result = channel_pull(channel=channel)
    assert (result.error, result.taken) == ("", [])
    assert Order.objects.count() == 0


def test_many_orders_are_read_page_by_page_within_shopifys_cost_cap(warehouse, tee):
    # A Plus store's bucket holds a first pull of 130 orders; a Standard one takes a few pulls
    # (test_a_throttled_pull_takes_what_it_read_and_goes_on_next_time).
    with ShopifyOrdersFake(bucket=20000, restore=1000) as fake:
        fake.main = fake.add_location()
        channel = channel_for(fake, warehouse)
        item = fake.add_item("TEE-M")
        orders = [fake.add_order((item, 1)) for _ in range(130)]
        result = channel_pull(channel=channel)
        calls = list(fake.calls)
    assert result.error == ""
    assert result.taken == [str(o.number) for o in orders[:100]]  # oldest first
    assert [c.root_fields[0] for c in calls] == ["orders"] * 2 + ["nodes"] * 6  # 100, 25 a call
    assert all(call.answer == "ok" for call in calls)  # no MAX_COST_EXCEEDED, no errors
    assert available(tee) == 100 - 130 + 30  # 100 units: the last 30 are refused
    state = ChannelPullState.objects.get(channel=channel)
    assert len(state.refused) == 30
    assert set(state.refused.values()) == {
        "Not enough stock for TEE-M (0 of 1 available); nothing was reserved."
    }


def test_an_order_of_many_lines_is_read_whole(fake, warehouse, places):
    channel = channel_for(fake, warehouse)
    lines = []
    for n in range(60):
        sku = factories.sku(f"PART-{n:02d}")
        factories.stock(sku, places.bin1, 2)
        lines.append((fake.add_item(sku.code), 1))
    big = fake.add_order(*lines)
    result = channel_pull(channel=channel)
    assert result.taken == [str(big.number)]
    assert Order.objects.get().lines.count() == 60
    assert len(queried(fake, "order")) == 1  # 10 lines with the order, the other 50 in one call


def test_lines_match_a_listing_of_the_inventory_item_when_shopify_has_no_sku(
    fake, warehouse, places
):
    channel = channel_for(fake, warehouse)
    mug = factories.sku("MUG")
    factories.stock(mug, places.bin1, 5)
    item = fake.add_item(None)  # a variant without a SKU on Shopify
    listing_create(channel=channel, sku=mug, external_id=item)  # the inventory item's gid
    gift = {
        "item": None,
        "sku": None,
        "name": "Gift card",
        "quantity": 1,
        "requires_shipping": False,
        "gift_card": True,
    }
    fake.add_order((item, 2), gift)
    result = channel_pull(channel=channel)
    assert result.error == ""
    order = Order.objects.get()
    assert [(line.sku.code, line.quantity) for line in order.lines.all()] == [("MUG", 2)]


def test_an_order_refused_for_an_unknown_sku_is_asked_for_by_id_until_taken(
    fake, warehouse, places
):
    channel = channel_for(fake, warehouse)
    item = fake.add_item("HOODIE")
    fake.clock_offset = -datetime.timedelta(minutes=30)
    old = fake.add_order((item, 1))  # its webhook never came either
    fake.clock_offset = datetime.timedelta(0)
    first = channel_pull(channel=channel)
    assert first.refused == {str(old.number): "SKU not in the IMS: HOODIE."}
    fake.add_order((fake.add_item("OTHER"), 1))  # moves the cursor past the old order
    channel_pull(channel=channel)
    hoodie = factories.sku("HOODIE")
    factories.stock(hoodie, places.bin1, 1)
    result = channel_pull(channel=channel)
    assert result.taken == [str(old.number)]
    assert queried(fake, "nodes")[-2].variables["ids"] == [old.gid]  # asked for by id
    assert available(hoodie) == 0


def test_a_throttled_pull_takes_what_it_read_and_goes_on_next_time(warehouse, tee):
    with ShopifyOrdersFake(bucket=1000, restore=1) as fake:
        fake.main = fake.add_location()
        channel = channel_for(fake, warehouse)
        item = fake.add_item("TEE-M")
        placed = [fake.add_order((item, 1)) for _ in range(12)]
        taken: list[str] = []
        for _ in range(5):
            result = channel_pull(channel=channel)
            taken += result.taken
            assert result.error == "" or "rate limit" in result.error
            fake.bucket().level = fake.bucket().size  # a while later: the bucket refilled
            cache.clear()  # and the IMS's report of it is stale
            if len(taken) == len(placed):
                break
        assert sorted(taken) == sorted(str(o.number) for o in placed)
        assert len(taken) == len(set(taken))
        assert Order.objects.count() == 12
        assert any(call.answer == "ok" for call in fake.calls)


def test_a_token_without_read_orders_is_said_in_words(warehouse, tee):
    with ShopifyOrdersFake(scopes=("write_inventory", "read_locations")) as fake:
        fake.main = fake.add_location()
        channel = channel_for(fake, warehouse)
        result = channel_pull(channel=channel)
        assert "ACCESS_DENIED" in result.error
        assert "read_orders" in result.error
        assert ChannelPullState.objects.get(channel=channel).last_error == result.error


def test_the_minute_schedule_pulls_shopify_channels(fake, warehouse, tee):
    from django_q.models import Schedule

    channel = channel_for(fake, warehouse)
    lost = fake.add_order((fake.add_item("TEE-M"), 1))
    assert pull_orders_task() == 1
    assert Order.objects.get(channel=channel).external_id == str(lost.number)
    pull = Schedule.objects.get(func="channels.tasks.pull_orders_task")
    retry = Schedule.objects.get(func="channels.tasks.webhook_orders_task")
    assert (pull.schedule_type, pull.minutes, retry.schedule_type, retry.minutes) == (
        Schedule.MINUTES,
        1,
        Schedule.MINUTES,
        1,
    )
