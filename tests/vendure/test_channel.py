"""The `vendure` connector against a real Vendure server (tests/vendure/peer), both directions,
through a real `manage.py qcluster` on PostgreSQL: IMS stock reaches Vendure's stock levels; an
order placed on Vendure's Shop API is pulled, reserves here and lowers every other channel; no
double count; cancellations release; a Vendure outage converges; test-connection in words."""

import pytest
from django_q.tasks import async_task

from channels.connectors import connector_for, vendure
from channels.models import (
    ChannelPullState,
    ChannelSyncState,
    Order,
    OrderStatus,
    SalesChannel,
    SyncStatus,
)
from channels.selectors import channel_availability
from channels.services import channel_update, listing_create
from channels.sync.deliver import channel_deliver
from channels.sync.pull import channel_pull
from channels.sync.services import channel_resync, channel_test_connection, outbox_sweep
from inventory.models import WarehouseStock
from inventory.services import stock_adjust
from tests import factories
from tests.channels.helpers import make_channel, place
from tests.channels.receivers import Receiver
from tests.channels.sync_helpers import newest, webhook_channel
from tests.channels.worker_helpers import Worker, poll
from tests.vendure.client import post_graphql

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.vendure,
    pytest.mark.django_db(transaction=True),
]

WORKER_ENV = {"IMS_SYNC_LEASE_SECONDS": "3", "IMS_SYNC_BACKOFF_SECONDS": "0.3"}


@pytest.fixture
def peer(vendure_peer):
    """The session's Vendure, left without open orders by each test (a first pull takes every
    order still waiting to ship, so one test's orders must not leak into the next)."""
    vendure_peer.cancel_open_orders()
    yield vendure_peer
    vendure_peer.cancel_open_orders()


@pytest.fixture
def stocked():
    """A warehouse with VEN-001..VEN-003 in a bin: 10, 20 and 5 units."""
    warehouse = factories.warehouse()
    places = factories.places(warehouse)
    skus = [factories.sku(f"VEN-00{n}") for n in (1, 2, 3)]
    for sku, quantity in zip(skus, (10, 20, 5), strict=True):
        factories.stock(sku, places.bin1, quantity)
    return warehouse, places, skus


def vendure_channel(peer, warehouse, *skus, code="VEN", **settings):
    channel = make_channel(
        code,
        warehouse,
        connector="vendure",
        endpoint_url=peer.admin_api_url,
        settings={
            "username": peer.sync_username,
            "password": peer.sync_password,
            "stock_location": peer.stock_location,
            **settings,
        },
    )
    for sku in skus:
        listing_create(channel=channel, sku=sku)
    return channel


def matches(peer, channel, skus) -> bool:
    """Vendure sells exactly what the IMS says this channel may sell, for every SKU."""
    expected = channel_availability(channel=channel, sku_ids=[s.pk for s in skus])
    return all(peer.saleable(sku.code) == expected[sku.pk] for sku in skus)


def pull_via_worker():
    async_task("channels.tasks.pull_orders_task", group="test-pull")


# -- test connection --------------------------------------------------------------------------


def test_test_connection_says_what_is_wrong_in_words(peer, stocked):
    warehouse, _, skus = stocked
    channel = vendure_channel(peer, warehouse, *skus)

    ok, detail = channel_test_connection(channel=channel)
    assert ok, detail
    assert "IMS Warehouse" in detail
    assert "all 3 listed SKUs found" in detail

    def check(**changes):
        channel_update(channel=channel, **changes)
        channel.refresh_from_db()
        ok, detail = channel_test_connection(channel=channel)
        assert not ok
        return detail

    assert "Could not reach" in check(endpoint_url="http://127.0.0.1:9/admin-api")
    assert "not like Vendure's Admin API" in check(endpoint_url=peer.base_url + "/nowhere")
    channel_update(channel=channel, endpoint_url=peer.admin_api_url)
    assert "refused the username or password" in check(settings={"password": "wrong"})
    channel_update(channel=channel, settings={"password": peer.sync_password})
    assert "channel_token" in check(settings={"channel_token": "no-such-channel"})
    channel_update(channel=channel, settings={"channel_token": None})
    detail = check(settings={"stock_location": "Atlantis"})
    assert "no stock location named 'Atlantis'" in detail
    assert "IMS Warehouse" in detail
    channel_update(channel=channel, settings={"stock_location": peer.stock_location})
    listing_create(channel=channel, sku=factories.sku("NOT-IN-VENDURE"))
    detail = check()
    assert "1 of 4 listed SKUs are not in Vendure" in detail
    assert "NOT-IN-VENDURE" in detail
    assert "Set stock_location" in check(settings={"stock_location": None})


def catalog_only_user(peer) -> tuple[str, str]:
    """An administrator whose role may read the catalog and stock locations but not orders."""
    username, password = "ims-no-orders", "no-orders-pass"
    known = peer.admin(
        "query ($u: String!) { administrators(options: {filter: {emailAddress: {eq: $u}}}) "
        "{ totalItems } }",
        {"u": username},
    )["administrators"]["totalItems"]
    if not known:
        role = peer.admin(
            """mutation ($input: CreateRoleInput!) { createRole(input: $input) { id } }""",
            {
                "input": {
                    "code": "ims-no-orders",
                    "description": "catalog but no orders",
                    "permissions": ["ReadCatalog", "UpdateCatalog", "ReadStockLocation"],
                }
            },
        )["createRole"]
        peer.admin(
            """mutation ($input: CreateAdministratorInput!) {
                 createAdministrator(input: $input) { id } }""",
            {
                "input": {
                    "firstName": "No",
                    "lastName": "Orders",
                    "emailAddress": username,
                    "password": password,
                    "roleIds": [role["id"]],
                }
            },
        )
    return username, password


def test_test_connection_names_a_missing_permission(peer, stocked):
    warehouse, _, skus = stocked
    username, password = catalog_only_user(peer)
    channel = vendure_channel(peer, warehouse, *skus, username=username, password=password)
    ok, detail = channel_test_connection(channel=channel)
    assert not ok
    assert "may not read orders" in detail
    assert "ReadOrder" in detail


# -- outbound ---------------------------------------------------------------------------------


def test_stock_changes_in_the_ims_reach_vendure_through_the_worker(peer, stocked):
    warehouse, places, skus = stocked
    with Worker(env=WORKER_ENV):
        channel = vendure_channel(peer, warehouse, *skus)
        channel_resync(channel=channel)
        poll(lambda: matches(peer, channel, skus), timeout=60, interval=0.3)
        assert [peer.stock_level(s.code)[0] for s in skus] == [10, 20, 5]

        stock_adjust(sku=skus[0], location=places.bin1, quantity=-4, reason="damaged")
        poll(lambda: peer.saleable("VEN-001") == 6, timeout=60, interval=0.3)
        assert channel.listings.get(sku=skus[0]).sync_status == SyncStatus.SYNCED


def test_a_sku_vendure_lacks_fails_alone(peer, stocked):
    warehouse, _, skus = stocked
    stranger = factories.sku("NOT-IN-VENDURE")
    channel = vendure_channel(peer, warehouse, skus[1], stranger)
    peer.set_stock("VEN-002", 0)
    channel_resync(channel=channel)
    channel_deliver(channel_id=channel.pk)  # in this process: no worker needed
    assert peer.saleable("VEN-002") == 20
    listings = {listing.sku.code: listing for listing in channel.listings.select_related("sku")}
    assert listings["VEN-002"].sync_status == SyncStatus.SYNCED
    assert listings["NOT-IN-VENDURE"].sync_status == SyncStatus.FAILED
    assert "no variant with this SKU in Vendure" in listings["NOT-IN-VENDURE"].last_error


def test_an_ended_session_logs_in_again(peer, stocked):
    warehouse, places, skus = stocked
    channel = vendure_channel(peer, warehouse, skus[0])
    channel_resync(channel=channel)
    channel_deliver(channel_id=channel.pk)
    assert peer.saleable("VEN-001") == 10
    key = (peer.admin_api_url, "", peer.sync_username)
    [session] = [s for k, s in vendure._sessions.items() if k[:3] == key]
    token = session.headers["Authorization"].removeprefix("Bearer ")
    post_graphql(peer.admin_api_url, "mutation { logout { success } }", None, token)

    stock_adjust(sku=skus[0], location=places.bin1, quantity=-1, reason="damaged")
    channel_deliver(channel_id=channel.pk)
    assert peer.saleable("VEN-001") == 9
    assert channel.listings.get().sync_status == SyncStatus.SYNCED


# -- inbound ----------------------------------------------------------------------------------


def test_a_vendure_order_reserves_here_and_every_other_channel_sees_it(peer, stocked):
    warehouse, _, skus = stocked
    ven001 = skus[0]
    with Receiver() as rx, Worker(env=WORKER_ENV):
        channel = vendure_channel(peer, warehouse, *skus)
        web = webhook_channel("WEB", warehouse, rx, ven001)
        channel_resync(channel=channel)
        channel_resync(channel=web)
        poll(lambda: matches(peer, channel, skus), timeout=60, interval=0.3)

        code = peer.place_order({"VEN-001": 3, "VEN-003": 1})
        order = poll(
            lambda: Order.objects.filter(channel=channel, external_id=code).first(),
            timeout=60,
            interval=0.5,
            every=pull_via_worker,
        )
        assert order.status == OrderStatus.RESERVED
        assert {(line.sku.code, line.quantity) for line in order.lines.all()} == {
            ("VEN-001", 3),
            ("VEN-003", 1),
        }
        row = WarehouseStock.objects.get(sku=ven001, warehouse=warehouse)
        assert (row.on_hand, row.reserved) == (10, 3)

        # The other channel is pushed the lower availability ...
        poll(lambda: newest(rx).get("VEN-001", (0, None))[1] == 7, timeout=60, interval=0.3)
        # ... and Vendure sells 7 too, not 4: its own allocation is not taken off twice.
        poll(lambda: matches(peer, channel, skus), timeout=60, interval=0.3)
        assert peer.saleable("VEN-001") == 7
        on_hand, allocated = peer.stock_level("VEN-001")
        assert (on_hand, allocated) == (10, 3)

        # Pulling again changes nothing (idempotent on the Vendure order code).
        assert channel_pull(channel=channel).taken == []
        assert Order.objects.filter(channel=channel).count() == 1

        # Cancelled on Vendure: cancelled here, units released, every channel back to 10.
        peer.cancel_order(code)
        poll(
            lambda: Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED,
            timeout=60,
            interval=0.5,
            every=pull_via_worker,
        )
        poll(lambda: newest(rx)["VEN-001"][1] == 10, timeout=60, interval=0.3)
        poll(lambda: peer.saleable("VEN-001") == 10, timeout=60, interval=0.3)
        state = ChannelPullState.objects.get(channel=channel)
        assert (state.orders_taken, state.orders_cancelled, state.refused) == (1, 1, {})


def test_an_order_the_ims_cannot_fill_waits_and_goes_through_when_stock_arrives(peer, stocked):
    warehouse, places, skus = stocked
    channel = vendure_channel(peer, warehouse, skus[2])
    peer.set_stock("VEN-003", 50)  # Vendure believes in stock the IMS doesn't have (5 here)
    code = peer.place_order({"VEN-003": 8})

    result = channel_pull(channel=channel)
    assert result.taken == []
    assert code in result.refused
    assert "Not enough stock" in result.refused[code]
    assert not Order.objects.filter(channel=channel, external_id=code).exists()

    stock_adjust(sku=skus[2], location=places.bin1, quantity=10, reason="found")
    result = channel_pull(channel=channel)
    assert result.taken == [code]
    assert result.refused == {}
    assert WarehouseStock.objects.get(sku=skus[2], warehouse=warehouse).reserved == 8


def test_vendure_down_for_a_while_converges_after_it_comes_back(peer, stocked):
    warehouse, places, skus = stocked
    with Worker(env=WORKER_ENV):
        channel = vendure_channel(peer, warehouse, *skus)
        channel_resync(channel=channel)
        poll(lambda: matches(peer, channel, skus), timeout=60, interval=0.3)
        peer.stop()
        try:
            stock_adjust(sku=skus[1], location=places.bin1, quantity=-15, reason="damaged")
            other = make_channel("OTHER", warehouse)
            place(other, "o-1", (skus[0], 4))
            poll(
                lambda: (
                    "could not connect" in ChannelSyncState.objects.get(channel=channel).last_error
                ),
                timeout=60,
                interval=0.3,
            )
        finally:
            peer.start()
        poll(
            lambda: matches(peer, channel, skus),
            timeout=90,
            interval=0.5,
            every=outbox_sweep,
        )
        assert peer.saleable("VEN-002") == 5
        assert peer.saleable("VEN-001") == 6


def test_the_connector_is_registered():
    assert connector_for(SalesChannel(connector="vendure")).pulls_orders
