"""Channel sync through the API (resync, test-connection, listing fields) and the screens."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import Listing, OutboxEntry, SyncDelivery
from channels.sync.deliver import channel_deliver
from tests import factories
from tests.channels import sync_helpers
from tests.channels.receivers import Reply
from tests.channels.sync_helpers import (
    newest,
    webhook_channel,
)

# Fixtures shared by the sync tests.
q_sync = sync_helpers.q_sync
receiver = sync_helpers.receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced_shop(warehouse, places, receiver, django_capture_on_commit_callbacks):
    skus = [factories.sku(f"S-{n:02}") for n in range(30)]
    shop = webhook_channel("SHOP", warehouse, receiver, *skus)
    # The enqueued tasks go to the ORM broker with no cluster running; deliver here instead.
    with django_capture_on_commit_callbacks(execute=True):
        for sku in skus[:3]:
            factories.stock(sku, places.bin1, 4)
    channel_deliver(channel_id=shop.pk)
    return shop


def test_listings_show_what_was_pushed(api, synced_shop):
    body = api.get("/api/v1/channels/SHOP/listings/?sku=S-00").json()
    [row] = body["results"]
    assert row["last_pushed_available"] == 4
    assert row["version"] == 1
    assert row["last_pushed_version"] == 1
    assert row["sync_status"] == "synced"
    assert row["last_error"] == ""
    assert row["last_pushed_at"]


def test_resync_pushes_every_listing(
    api, synced_shop, receiver, q_sync, django_capture_on_commit_callbacks
):
    receiver.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/channels/SHOP/resync/")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "detail": "30 listings queued for a push."}
    assert len(newest(receiver)) == 30
    assert not OutboxEntry.objects.exists()
    assert set(Listing.objects.values_list("sync_status", flat=True)) == {"synced"}


def test_test_connection_answers_ok_and_detail(api, synced_shop, receiver):
    assert api.post("/api/v1/channels/SHOP/test-connection/").json()["ok"] is True
    receiver.queue(Reply(503, "down"))
    body = api.post("/api/v1/channels/SHOP/test-connection/").json()
    assert body["ok"] is False
    assert "503" in body["detail"]


def test_sync_actions_are_for_managers(client, synced_shop, key_client):
    clerk = factories.user("clerk", role="associate")
    client.force_login(clerk)
    assert client.post("/api/v1/channels/SHOP/resync/").status_code == 403
    assert key_client(synced_shop).post("/api/v1/channels/SHOP/resync/").status_code == 403
    assert client.get(reverse("channel-list")).status_code == 403
    assert not OutboxEntry.objects.exists()


def test_unknown_channel_is_404(api):
    assert api.post("/api/v1/channels/NOPE/resync/").status_code == 404


def test_channel_list_screen_shows_health(client, user, synced_shop, warehouse, receiver):
    broken = webhook_channel("BROKEN", warehouse, receiver, factories.sku("X"))
    OutboxEntry.objects.create(channel=broken, sku=Listing.objects.get(channel=broken).sku)
    client.force_login(user)
    page = client.get(reverse("channel-list")).content.decode()
    assert 'data-channel="SHOP"' in page
    assert 'data-channel="BROKEN"' in page
    assert 'data-sync-status="ok"' in page
    assert 'data-sync-status="pending"' in page


def test_channel_detail_lists_filters_sorts_and_paginates(
    client, user, synced_shop, django_assert_max_num_queries
):
    client.force_login(user)
    url = reverse("channel-detail", args=["SHOP"])
    with django_assert_max_num_queries(15):
        page = client.get(url, {"per": 100}).content.decode()
    assert page.count("data-sku=") == 30
    with django_assert_max_num_queries(15):
        client.get(url, {"per": 25})
    assert "<svg" in page
    assert "Sync lag" in page
    synced = client.get(url, {"sync_status": "synced"}).content.decode()
    assert synced.count("data-sku=") == 3
    found = client.get(url, {"q": "S-02"}).content.decode()
    assert found.count("data-sku=") == 1
    first = client.get(url, {"sort": "-sku"}).content.decode()
    assert first.index('data-sku="S-29"') < first.index('data-sku="S-28"')
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("data-sku=") == 5
    partial = client.get(url, HTTP_HX_TARGET="listing-results").content.decode()
    assert "<html" not in partial
    assert "data-sku" in partial
    assert client.get(url, {"sync_status": "nonsense"}).status_code == 200


def test_resync_and_test_buttons(client, user, synced_shop, receiver, q_sync):
    client.force_login(user)
    response = client.post(reverse("channel-test", args=["SHOP"]), follow=True)
    assert "Connection works" in response.content.decode()
    response = client.post(reverse("channel-resync", args=["SHOP"]), follow=True)
    assert "30 listings queued for a push." in response.content.decode()


def test_lag_is_logged_per_push(warehouse, places, receiver):
    """The lag is the time from the oldest change a push carried to its acknowledgement."""
    sku = factories.sku("LAG")
    shop = webhook_channel("SHOP", warehouse, receiver, sku)
    factories.stock(sku, places.bin1, 4)
    OutboxEntry.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=5))
    started = time.monotonic()
    channel_deliver(channel_id=shop.pk)
    spent_ms = (time.monotonic() - started) * 1000
    delivery = SyncDelivery.objects.get()
    assert (delivery.ok, delivery.items) == (True, 1)
    assert 5000 <= delivery.lag_ms <= 5000 + spent_ms + 50


def test_the_sweep_schedule_exists():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="channels.tasks.sync_sweep_task")
    assert schedule.repeats == -1
    assert schedule.minutes == 1
