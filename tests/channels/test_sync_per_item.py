"""Sync that completes: per-item acknowledgement for storefronts that take one item per call
(WooCommerce without batch), rate limits waited out without losing progress, a
task's time budget with the lease renewed while it pushes, fast first retries, and pushes queued
by listing and channel changes. Real HTTP to a local receiver, the real task in django-q2's sync
mode (a continuation task runs inline)."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter

import pytest
from django.utils import timezone
from django_q.models import Task

from channels.models import ChannelSyncState, Listing, OutboxEntry, OutboxState, SyncStatus
from channels.services import channel_update, listing_create
from channels.sync import deliver, record
from channels.sync.deliver import channel_deliver
from channels.sync.services import channel_resync
from inventory.models import Sku
from tests import factories
from tests.channels import sync_helpers
from tests.channels.helpers import make_channel
from tests.channels.receivers import Receiver, Recorded, Reply

q_sync = sync_helpers.q_sync
receiver = sync_helpers.receiver

pytestmark = pytest.mark.django_db

PRODUCT = re.compile(r"^/wp-json/wc/v3/products/(\d+)$")


@pytest.fixture
def fast(settings):
    """Retries and records on a test's time scale."""
    settings.IMS_SYNC_BACKOFF_SECONDS = 0.05
    settings.IMS_SYNC_BACKOFF_JITTER = 0
    settings.IMS_SYNC_RECORD_SECONDS = 0
    return settings


def woocommerce(warehouse, receiver: Receiver, count: int, **extra):
    """A WooCommerce channel (one item per call) listing `count` SKUs, product ids 1..count;
    none queued yet."""
    channel = make_channel(
        "WOO",
        warehouse,
        connector="woocommerce",
        endpoint_url=receiver.url,
        settings={"consumer_key": "ck_test", "consumer_secret": "cs_test"},
        **extra,
    )
    skus = Sku.objects.bulk_create(
        Sku(code=f"S{n:04d}", name=f"Item {n}") for n in range(1, count + 1)
    )
    Listing.objects.bulk_create(
        Listing(channel=channel, sku=sku, external_id=str(n)) for n, sku in enumerate(skus, 1)
    )
    return channel


def product_id(request: Recorded) -> int | None:
    match = PRODUCT.match(request.path)
    return int(match.group(1)) if match else None


def item_ids(requests: list[Recorded], status: int | None = None) -> list[int]:
    return [product_id(r) for r in requests if product_id(r) is not None]


def outbox(channel) -> dict[str, str]:
    return dict(OutboxEntry.objects.filter(channel=channel).values_list("sku__code", "state"))


def test_an_item_the_shop_refuses_is_parked_alone(warehouse, places, receiver, fast):
    shop = woocommerce(warehouse, receiver, 3)
    receiver.queue(Reply(200), Reply(404, {"errors": "Not Found"}))
    channel_resync(channel=shop)

    result = channel_deliver(channel_id=shop.pk)

    assert item_ids(receiver.requests) == [1, 2, 3]
    assert (result.items, result.failed) == (2, False)
    assert outbox(shop) == {"S0002": OutboxState.FAILED}
    statuses = dict(Listing.objects.filter(channel=shop).values_list("sku__code", "sync_status"))
    assert statuses == {"S0001": "synced", "S0002": "failed", "S0003": "synced"}
    assert "Not Found" in Listing.objects.get(sku__code="S0002").last_error


def test_what_the_shop_took_before_an_outage_leaves_the_outbox(
    warehouse, places, receiver, settings
):
    settings.IMS_SYNC_WAIT_SECONDS = 0  # the retry is left to the sweep: see it scheduled
    shop = woocommerce(warehouse, receiver, 3)
    receiver.queue(Reply(200))
    receiver.respond(503, "down")
    channel_resync(channel=shop)

    result = channel_deliver(channel_id=shop.pk)

    assert (result.items, result.failed) == (1, True)
    assert item_ids(receiver.requests) == [1, 2]
    assert outbox(shop) == {"S0002": OutboxState.PENDING, "S0003": OutboxState.PENDING}
    assert Listing.objects.get(sku__code="S0001").sync_status == SyncStatus.SYNCED
    state = ChannelSyncState.objects.get(channel=shop)
    assert state.failures == 1
    wait = (state.next_attempt_at - timezone.now()).total_seconds()
    assert 0 < wait <= 2 * 1.2  # the first retry is seconds away, not minutes

    receiver.respond(200)
    ChannelSyncState.objects.filter(channel=shop).update(next_attempt_at=timezone.now())
    assert channel_deliver(channel_id=shop.pk).items == 2
    assert item_ids(receiver.requests) == [1, 2, 2, 3]  # S0001 is never sent again
    assert outbox(shop) == {}


def test_a_short_outage_is_waited_out_by_the_task(warehouse, places, receiver, fast):
    shop = woocommerce(warehouse, receiver, 2)
    receiver.queue(Reply(503), Reply(503))
    channel_resync(channel=shop)

    result = channel_deliver(channel_id=shop.pk)

    assert result.items == 2
    assert item_ids(receiver.requests) == [1, 1, 1, 2]
    state = ChannelSyncState.objects.get(channel=shop)
    assert (state.failures, state.next_attempt_at) == (0, None)
    assert outbox(shop) == {}


def test_a_long_backoff_is_left_to_the_sweep(warehouse, places, receiver, fast):
    fast.IMS_SYNC_BACKOFF_SECONDS = 30  # beyond a task's 10 s wait
    shop = woocommerce(warehouse, receiver, 1)
    receiver.respond(503)
    channel_resync(channel=shop)
    started = time.monotonic()

    result = channel_deliver(channel_id=shop.pk)

    assert time.monotonic() - started < 5
    assert (result.failed, result.more, len(receiver.requests)) == (True, False, 1)


def test_a_rate_limit_is_waited_out_and_nothing_is_sent_twice(warehouse, places, receiver, fast):
    shop = woocommerce(warehouse, receiver, 4)
    receiver.queue(Reply(200), Reply(429, headers={"Retry-After": "0.2"}))
    channel_resync(channel=shop)

    result = channel_deliver(channel_id=shop.pk)

    assert result.items == 4
    assert item_ids(receiver.requests) == [1, 2, 2, 3, 4]
    arrivals = [r.at for r in receiver.requests]
    assert arrivals[2] - arrivals[1] >= 0.2  # Retry-After honoured
    assert ChannelSyncState.objects.get(channel=shop).failures == 0  # pacing is no failure


def test_a_spent_budget_hands_the_rest_to_a_fresh_task(
    warehouse, places, receiver, fast, q_sync, django_capture_on_commit_callbacks
):
    fast.IMS_SYNC_PUSH_SECONDS = 0.3
    receiver.delay = 0.05  # ~6 items per task
    shop = woocommerce(warehouse, receiver, 20)
    with django_capture_on_commit_callbacks(execute=True):
        channel_resync(channel=shop)  # the task, then its continuations, run inline

    assert sorted(Counter(item_ids(receiver.requests)).items()) == [(n, 1) for n in range(1, 21)]
    assert outbox(shop) == {}
    state = ChannelSyncState.objects.get(channel=shop)
    assert (state.lease_holder, state.lease_until) == ("", None)


def test_listing_and_channel_changes_are_pushed(
    warehouse, places, receiver, q_sync, django_capture_on_commit_callbacks
):
    shop = make_channel("WEB", warehouse, endpoint_url=receiver.url + "/hook", secret="s")
    tee = factories.sku("TEE")
    factories.stock(tee, places.bin1, 20)

    def pushed(change) -> dict[str, int]:
        receiver.clear()
        with django_capture_on_commit_callbacks(execute=True):
            change()
        return {i["sku"]: i["available"] for r in receiver.requests for i in r.json()["items"]}

    assert pushed(lambda: listing_create(channel=shop, sku=tee, external_id="t")) == {"TEE": 20}
    assert pushed(lambda: channel_update(channel=shop, buffer=5)) == {"TEE": 15}
    other = factories.warehouse()
    assert pushed(lambda: channel_update(channel=shop, warehouses=[other])) == {"TEE": 0}
    assert pushed(lambda: channel_update(channel=shop, warehouses=[warehouse])) == {"TEE": 15}
    assert pushed(lambda: channel_update(channel=shop, active=False)) == {}
    factories.stock(tee, places.bin1, 1)  # while off: queued, not pushed
    assert pushed(lambda: channel_update(channel=shop, active=True)) == {"TEE": 16}
    assert pushed(lambda: channel_update(channel=shop, name="Renamed", secret="t")) == {}
    assert not OutboxEntry.objects.exists()


class LeakyBucket:
    """A request-count limit in front of the shop (a host's or a proxy's, shaped like Shopify's
    old REST one): a bucket of `size` calls, leaking `rate` calls a second; a call into a full
    bucket is answered 429 with Retry-After."""

    def __init__(self, size: int, rate: float):
        self.size, self.rate = size, rate
        self.level, self.at = 0.0, time.monotonic()
        self.lock = threading.Lock()
        self.answers: Counter = Counter()  # (inventory item id, status) -> count

    def __call__(self, request: Recorded) -> Reply:
        with self.lock:
            now = time.monotonic()
            self.level = max(self.level - (now - self.at) * self.rate, 0.0)
            self.at = now
            item = product_id(request)
            if self.level + 1 > self.size:
                self.answers[item, 429] += 1
                wait = (self.level + 1 - self.size) / self.rate
                return Reply(
                    429,
                    {"code": "too_many_requests", "message": "Too many requests."},
                    headers={"Retry-After": f"{wait:.3f}"},
                )
            self.level += 1
            self.answers[item, 200] += 1
            return Reply(200, {"id": item, "stock_quantity": 0})


def test_a_thousand_skus_through_a_rate_limited_shop_all_arrive_once(
    warehouse, places, receiver, q_sync, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """The case that used to fail: 1,000 listed SKUs into a shop that rate-limits, one call
    per item (Shopify's batches: tests/channels/test_shopify_sync_worker.py). Every item
    is set exactly once (a 429 is retried, a 200 never repeated), tasks hand over when their
    budget is spent, and the lease (shorter than the whole sync) is renewed, never lost."""
    settings.IMS_SYNC_LEASE_SECONDS = 3.0  # the sync takes longer: only renewal keeps it
    settings.IMS_SYNC_PUSH_SECONDS = 2.0
    settings.IMS_SYNC_RECORD_SECONDS = 0.25
    # well under what one deliverer sends on a loaded machine, so the shop surely pushes back
    bucket = LeakyBucket(size=20, rate=100.0)
    receiver.responder = bucket
    shop = woocommerce(warehouse, receiver, 1000)
    held = []  # (holder, when) at every take and renewal of the lease
    acquire, renew = deliver._lease_acquire, record.lease_renew

    def acquired(channel_id, holder):
        held.append((holder, time.monotonic()))
        return acquire(channel_id, holder)

    def renewed(model, channel_id, holder, seconds):
        held.append((holder, time.monotonic()))
        return renew(model, channel_id, holder, seconds)

    monkeypatch.setattr(deliver, "_lease_acquire", acquired)
    monkeypatch.setattr(record, "lease_renew", renewed)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        assert channel_resync(channel=shop) == 1000
    elapsed = time.monotonic() - started
    # The deliverer never outlived its lease: each holder renewed it well before it ran out.
    gaps = [b - a for (h1, a), (h2, b) in itertools.pairwise(held) if h1 == h2]
    assert max(gaps) < settings.IMS_SYNC_LEASE_SECONDS

    ok = Counter(
        item for (item, status), n in bucket.answers.items() if status == 200 for _ in range(n)
    )
    limited = sum(n for (_, status), n in bucket.answers.items() if status == 429)
    assert sorted(ok) == list(range(1, 1001))
    assert set(ok.values()) == {1}  # none sent again after the shop acknowledged it
    assert limited > 0  # the shop did push back
    assert outbox(shop) == {}
    assert set(Listing.objects.filter(channel=shop).values_list("sync_status", flat=True)) == {
        SyncStatus.SYNCED
    }
    state = ChannelSyncState.objects.get(channel=shop)
    assert (state.failures, state.lease_holder) == (0, "")
    tasks = Task.objects.filter(func="channels.tasks.sync_channel_task").count()
    assert tasks > 1  # the first task's budget ran out and it handed over
    print(
        f"\n1,000 SKUs one per call, bucket 40 @ 200/s: {len(receiver.requests)} calls, "
        f"{limited} answered 429, "
        f"{tasks} tasks, {elapsed:.1f} s, longest between lease renewals {max(gaps):.2f} s"
    )
