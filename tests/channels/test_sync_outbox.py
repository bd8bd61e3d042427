"""Channel sync, deterministic: outbox rows written with the stock change, delivered through a
real HTTP receiver on 127.0.0.1 by the real task in django-q2's sync mode."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from channels.connectors.webhook import verify
from channels.models import ChannelSyncState, Listing, OutboxEntry, OutboxState, SyncDelivery
from channels.sync.deliver import _lease_acquire, channel_deliver
from channels.sync.services import channel_resync, channel_test_connection, outbox_sweep
from tests import factories
from tests.channels import sync_helpers
from tests.channels.helpers import make_channel, place
from tests.channels.receivers import Reply
from tests.channels.sync_helpers import (
    newest,
    signed_ok,
    versions_in_arrival_order,
    webhook_channel,
)

# Fixtures shared by the sync tests.
q_sync = sync_helpers.q_sync
receiver = sync_helpers.receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(places):
    return factories.sku("TEE")


def stock(sku, places, quantity, capture):
    with capture(execute=True):
        factories.stock(sku, places.bin1, quantity)


def test_a_stock_change_writes_one_row_per_listing_channel(warehouse, places, tee, receiver):
    other_wh = factories.warehouse()
    shop = webhook_channel("SHOP", warehouse, receiver, tee)
    webhook_channel("ELSEWHERE", other_wh, receiver, tee)  # sells from another warehouse
    webhook_channel("UNLISTED", warehouse, receiver)  # doesn't list the SKU
    webhook_channel("OFF", warehouse, receiver, tee, active=False)
    factories.stock(tee, places.bin1, 5)
    assert list(OutboxEntry.objects.values_list("channel__code", "sku__code", "state")) == [
        ("SHOP", "TEE", "pending")
    ]
    assert shop.outbox.count() == 1


def test_the_outbox_row_rolls_back_with_the_stock_change(warehouse, places, tee, receiver):
    webhook_channel("SHOP", warehouse, receiver, tee)

    @transaction.atomic
    def change_that_fails_after_the_adjustment():
        factories.stock(tee, places.bin1, 5)
        raise RuntimeError("the change fails after the adjustment")

    with pytest.raises(RuntimeError):
        change_that_fails_after_the_adjustment()
    assert not OutboxEntry.objects.exists()


def test_recording_costs_constant_queries(
    warehouse, places, tee, receiver, django_assert_num_queries
):
    from channels.sync.outbox import outbox_record

    for code in ("A", "B", "C"):
        webhook_channel(code, warehouse, receiver, tee)
    with django_assert_num_queries(2):  # find the channels, one bulk insert
        outbox_record(sku_id=tee.pk, warehouse_id=warehouse.pk)
    unlisted = factories.sku()
    with django_assert_num_queries(1):
        outbox_record(sku_id=unlisted.pk, warehouse_id=warehouse.pk)


def test_after_commit_the_receiver_gets_the_current_value_signed(
    warehouse, places, tee, receiver, q_sync, django_capture_on_commit_callbacks
):
    shop = webhook_channel("SHOP", warehouse, receiver, tee, secret="topsecret")
    stock(tee, places, 7, django_capture_on_commit_callbacks)
    [request] = receiver.wait_for(1)
    body = request.json()
    assert request.path == "/hook"
    assert body["channel"] == "SHOP"
    assert body["items"] == [
        {"sku": "TEE", "external_id": "SHOP-TEE", "available": 7, "version": 1}
    ]
    assert request.headers["X-IMS-Event-Id"] == body["event_id"]
    assert verify("topsecret", request.headers["X-IMS-Signature"], request.body)
    assert not verify("another", request.headers["X-IMS-Signature"], request.body)
    assert not verify("topsecret", request.headers["X-IMS-Signature"], request.body + b" ")
    listing = Listing.objects.get(channel=shop)
    assert (listing.last_pushed_available, listing.last_pushed_version, listing.sync_status) == (
        7,
        1,
        "synced",
    )
    assert listing.last_pushed_at is not None
    assert not OutboxEntry.objects.exists()
    assert SyncDelivery.objects.get().ok


def test_orders_and_buffer_change_what_is_pushed(
    warehouse, places, tee, receiver, q_sync, django_capture_on_commit_callbacks
):
    shop = webhook_channel("SHOP", warehouse, receiver, tee, buffer=2)
    stock(tee, places, 10, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        place(shop, "o-1", (tee, 3))
    assert newest(receiver) == {"TEE": (2, 5)}  # 10 - 3 reserved - 2 buffer
    assert versions_in_arrival_order(receiver) == {"TEE": [1, 2]}


def test_many_changes_coalesce_into_one_push_of_the_value_at_delivery(
    warehouse, places, tee, receiver, django_capture_on_commit_callbacks
):
    shop = webhook_channel("SHOP", warehouse, receiver, tee)
    second = factories.sku("CAP")
    Listing.objects.create(channel=shop, sku=second, external_id="cap")
    for quantity in (5, 3, -2):
        factories.stock(tee, places.bin1, quantity)  # task enqueue not run: nothing delivered
    factories.stock(second, places.bin1, 4)
    assert OutboxEntry.objects.count() == 4
    result = channel_deliver(channel_id=shop.pk)
    assert (result.pushes, result.items) == (1, 2)
    [request] = receiver.requests
    assert {i["sku"]: (i["available"], i["version"]) for i in request.json()["items"]} == {
        "TEE": (6, 1),
        "CAP": (4, 1),
    }
    assert not OutboxEntry.objects.exists()


def test_a_failing_receiver_is_retried_with_backoff_then_converges(
    warehouse, places, tee, receiver, settings, django_capture_on_commit_callbacks, q_sync
):
    settings.IMS_SYNC_BACKOFF_SECONDS = settings.IMS_SYNC_BACKOFF_CAP_SECONDS = 3600
    settings.IMS_SYNC_BACKOFF_JITTER = 0
    shop = webhook_channel("SHOP", warehouse, receiver, tee)
    receiver.respond(500, "down")
    stock(tee, places, 5, django_capture_on_commit_callbacks)
    receiver.wait_for(1)
    state = ChannelSyncState.objects.get(channel=shop)
    assert state.failures == 1
    assert state.next_attempt_at > timezone.now() + datetime.timedelta(minutes=59)
    listing = Listing.objects.get(channel=shop)
    assert listing.sync_status == "pending"
    assert "HTTP 500" in listing.last_error
    assert OutboxEntry.objects.get().state == OutboxState.PENDING
    # A new change while backing off is not pushed before the backoff ends...
    stock(tee, places, 1, django_capture_on_commit_callbacks)
    assert outbox_sweep() == []
    assert len(receiver.requests) == 1
    # ...then the receiver recovers and the retry carries the current value with a newer version.
    receiver.respond(200)
    ChannelSyncState.objects.filter(channel=shop).update(next_attempt_at=timezone.now())
    assert outbox_sweep() == [shop.pk]
    assert newest(receiver) == {"TEE": (2, 6)}
    assert versions_in_arrival_order(receiver) == {"TEE": [1, 2]}
    state.refresh_from_db()
    assert (state.failures, state.next_attempt_at, state.last_success_at is not None) == (
        0,
        None,
        True,
    )
    assert not OutboxEntry.objects.exists()
    assert Listing.objects.get(channel=shop).last_error == ""


def test_after_the_last_attempt_the_listing_is_parked_as_failed_until_resync(
    warehouse, places, tee, receiver, settings, django_capture_on_commit_callbacks, q_sync
):
    settings.IMS_SYNC_BACKOFF_SECONDS = 0
    settings.IMS_SYNC_MAX_ATTEMPTS = 3
    shop = webhook_channel("SHOP", warehouse, receiver, tee)
    receiver.respond(503)
    stock(tee, places, 5, django_capture_on_commit_callbacks)
    while OutboxEntry.objects.filter(state=OutboxState.PENDING).exists():
        assert len(receiver.requests) < 10, "never parked"
        channel_deliver(channel_id=shop.pk)
    assert len(receiver.requests) == 3
    assert OutboxEntry.objects.get().state == OutboxState.FAILED
    listing = Listing.objects.get(channel=shop)
    assert listing.sync_status == "failed"
    assert "HTTP 503" in listing.last_error
    assert outbox_sweep() == []  # parked rows are not retried on their own
    receiver.respond(200)
    with django_capture_on_commit_callbacks(execute=True):
        assert channel_resync(channel=shop) == 1
    assert newest(receiver)["TEE"][1] == 5
    assert not OutboxEntry.objects.exists()
    assert Listing.objects.get(channel=shop).sync_status == "synced"


def test_a_permanent_error_parks_at_once(
    warehouse, places, tee, receiver, django_capture_on_commit_callbacks, q_sync
):
    webhook_channel("SHOP", warehouse, receiver, tee)
    receiver.respond(401, "bad signature")
    stock(tee, places, 5, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    assert OutboxEntry.objects.get().state == OutboxState.FAILED
    assert "HTTP 401" in Listing.objects.get().last_error


def test_the_sweep_delivers_rows_whose_task_was_lost(warehouse, places, tee, receiver, q_sync):
    shop = webhook_channel("SHOP", warehouse, receiver, tee)
    factories.stock(tee, places.bin1, 9)  # committed, but the on-commit enqueue never ran
    assert receiver.requests == []
    assert outbox_sweep() == [shop.pk]
    assert newest(receiver) == {"TEE": (1, 9)}
    assert outbox_sweep() == []


def test_a_held_lease_keeps_a_second_deliverer_out_until_it_lapses(
    warehouse, places, tee, receiver
):
    shop = webhook_channel("SHOP", warehouse, receiver, tee)
    factories.stock(tee, places.bin1, 9)
    assert _lease_acquire(shop.pk, "crashed-worker")
    assert channel_deliver(channel_id=shop.pk).busy
    assert receiver.requests == []
    ChannelSyncState.objects.filter(pk=shop.pk).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert channel_deliver(channel_id=shop.pk).items == 1
    assert newest(receiver) == {"TEE": (1, 9)}


def test_entries_of_an_unlisted_sku_are_dropped(warehouse, places, tee, receiver):
    shop = webhook_channel("SHOP", warehouse, receiver, tee)
    factories.stock(tee, places.bin1, 9)
    Listing.objects.filter(channel=shop).delete()
    assert channel_deliver(channel_id=shop.pk).items == 0
    assert receiver.requests == []
    assert not OutboxEntry.objects.exists()


def test_two_channels_get_their_own_values_and_secrets(
    warehouse, places, tee, q_sync, django_capture_on_commit_callbacks
):
    from tests.channels.receivers import Receiver

    with Receiver() as rx_a, Receiver() as rx_b:
        webhook_channel("A", warehouse, rx_a, tee, secret="alpha")
        webhook_channel("B", warehouse, rx_b, tee, secret="beta", buffer=3)
        stock(tee, places, 10, django_capture_on_commit_callbacks)
        assert newest(rx_a) == {"TEE": (1, 10)}
        assert newest(rx_b) == {"TEE": (1, 7)}
        assert signed_ok(rx_a, "alpha")
        assert not signed_ok(rx_a, "beta")
        assert signed_ok(rx_b, "beta")
        assert not signed_ok(rx_b, "alpha")


def test_test_connection_reports_in_words(warehouse, receiver):
    shop = webhook_channel("SHOP", warehouse, receiver)
    assert channel_test_connection(channel=shop) == (
        True,
        f"{receiver.url}/hook answered with a 2xx.",
    )
    receiver.queue(Reply(500, "boom"))
    ok, detail = channel_test_connection(channel=shop)
    assert not ok
    assert "HTTP 500" in detail
    dead = make_channel("DEAD", warehouse, endpoint_url="http://127.0.0.1:9/hook")
    ok, detail = channel_test_connection(channel=dead)
    assert not ok
    assert "127.0.0.1:9" in detail
    nourl = make_channel("NOURL", warehouse)
    assert channel_test_connection(channel=nourl) == (False, "The channel has no endpoint URL.")


def test_one_transaction_enqueues_one_delivery_per_channel(
    warehouse, places, tee, receiver, q_sync, django_capture_on_commit_callbacks
):
    cap = factories.sku("CAP")
    shop = webhook_channel("SHOP", warehouse, receiver, tee, cap)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        factories.stock(tee, places.bin1, 5)
        factories.stock(cap, places.bin1, 5)
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        place(shop, "o-1", (tee, 1), (cap, 2))
    assert len(callbacks) == 1
    assert len(receiver.requests) == 2
    assert newest(receiver) == {"TEE": (2, 4), "CAP": (2, 3)}


def test_an_inactive_channel_is_not_pushed_to(warehouse, places, tee, receiver):
    shop = webhook_channel("SHOP", warehouse, receiver, tee)
    factories.stock(tee, places.bin1, 9)
    shop.active = False
    shop.save(update_fields=["active"])
    assert channel_deliver(channel_id=shop.pk).items == 0
    assert receiver.requests == []
    assert OutboxEntry.objects.count() == 1
