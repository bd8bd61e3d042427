"""Channel sync end to end: a real `manage.py qcluster` subprocess on PostgreSQL (ORM broker and
Redis), real HTTP receivers on 127.0.0.1, concurrent orders from real threads."""

import contextlib
import os
import random
import threading
import time

import pytest
from django.db import connection

from channels.models import OutboxEntry
from channels.selectors import channel_availability
from channels.sync.services import outbox_sweep
from inventory.errors import InsufficientStock
from tests import factories
from tests.channels.helpers import place
from tests.channels.receivers import Receiver
from tests.channels.sync_helpers import (
    newest,
    signed_ok,
    versions_in_arrival_order,
    webhook_channel,
)
from tests.channels.worker_helpers import Worker, poll, use_redis_broker
from tests.environment import skip_or_fail

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LEASE = "3"  # seconds: a killed worker's lease lapses quickly


@pytest.fixture(params=["orm", "redis"])
def broker(request, monkeypatch, settings):
    settings.IMS_SYNC_LEASE_SECONDS = float(LEASE)
    if request.param == "orm":
        return None
    url = os.environ.get("REDIS_TEST_URL", "")
    if not url:
        skip_or_fail("needs Redis: set REDIS_TEST_URL=redis://127.0.0.1:6379/15")
    try:
        use_redis_broker(monkeypatch, url)
    except Exception as exc:
        skip_or_fail(f"Redis at {url} is not reachable: {exc}")
    return url


def converged(channels_receivers, skus) -> bool:
    if OutboxEntry.objects.exists():
        return False
    for channel, receiver in channels_receivers:
        expected = channel_availability(channel=channel, sku_ids=[s.pk for s in skus])
        held = {code: available for code, (_, available) in newest(receiver).items()}
        if held != {s.code: expected[s.pk] for s in skus}:
            return False
    return True


def order_burst(channels, skus, *, threads=6, orders=10):
    errors = []

    def run(n):
        rng = random.Random(n)
        try:
            for i in range(orders):
                channel = rng.choice(channels)
                lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, 2)]
                with contextlib.suppress(InsufficientStock):
                    place(channel, f"t{n}-{i}", *lines)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert errors == []


def test_a_burst_of_orders_over_three_channels_converges_in_order(broker):
    warehouse = factories.warehouse()
    places = factories.places(warehouse)
    skus = [factories.sku(f"HOT-{n}") for n in range(4)]
    for sku in skus:
        factories.stock(sku, places.bin1, 40)
    with (
        Receiver() as a,
        Receiver() as b,
        Receiver() as c,
        Worker(redis_url=broker, env={"IMS_SYNC_LEASE_SECONDS": LEASE}),
    ):
        b.delay = 0.05  # one slower storefront
        channels = [
            webhook_channel("A", warehouse, a, *skus, secret="sa"),
            webhook_channel("B", warehouse, b, *skus, secret="sb", buffer=5),
            webhook_channel("C", warehouse, c, *skus, secret="sc", buffer=50),
        ]
        order_burst(channels, skus)
        pairs = list(zip(channels, (a, b, c), strict=False))
        poll(lambda: converged(pairs, skus), timeout=60, interval=0.2)
        for receiver in (a, b, c):
            for code, versions in versions_in_arrival_order(receiver).items():
                assert versions == sorted(set(versions)), f"{code} arrived out of order"
        assert signed_ok(a, "sa")
        assert signed_ok(b, "sb")
        assert signed_ok(c, "sc")
        assert not signed_ok(a, "sb")


def test_kill_9_of_the_worker_mid_delivery_then_restart_delivers_everything(broker):
    warehouse = factories.warehouse()
    places = factories.places(warehouse)
    skus = [factories.sku(f"K-{n}") for n in range(3)]
    for sku in skus:
        factories.stock(sku, places.bin1, 30)
    with Receiver() as rx:
        rx.delay = 2.0  # pushes hang long enough to be killed mid-flight
        shop = webhook_channel("SHOP", warehouse, rx, *skus)
        worker = Worker(redis_url=broker, env={"IMS_SYNC_LEASE_SECONDS": LEASE}).start()
        try:
            order_burst([shop], skus, threads=3, orders=5)
            rx.wait_for(1, timeout=30)
            worker.kill()
            assert OutboxEntry.objects.exists()  # the in-flight push was never acknowledged
            rx.delay = 0.0
            worker.start()
            # The killed cluster's tasks are gone; the sweep (what the Schedule runs) finds the
            # rows once the dead deliverer's lease lapses.
            poll(
                lambda: converged([(shop, rx)], skus),
                timeout=60,
                interval=0.5,
                every=outbox_sweep,
            )
        finally:
            worker.stop()
        for code, versions in versions_in_arrival_order(rx).items():
            # The killed push may arrive (and be re-sent with a newer version), never an older one
            # after a newer one.
            assert versions == sorted(versions), f"{code} arrived out of order"


def test_a_receiver_down_for_a_while_converges_after_it_recovers(broker):
    warehouse = factories.warehouse()
    places = factories.places(warehouse)
    sku = factories.sku("DOWN")
    factories.stock(sku, places.bin1, 20)
    with (
        Receiver() as rx,
        Worker(
            redis_url=broker,
            env={"IMS_SYNC_LEASE_SECONDS": LEASE, "IMS_SYNC_BACKOFF_SECONDS": "0.2"},
        ),
    ):
        rx.respond(500, "maintenance")
        shop = webhook_channel("SHOP", warehouse, rx, sku)
        place(shop, "o-1", (sku, 2))
        rx.wait_for(1, timeout=30)
        place(shop, "o-2", (sku, 3))
        rx.respond(200)
        poll(lambda: converged([(shop, rx)], [sku]), timeout=60, interval=0.3, every=outbox_sweep)
        assert newest(rx)["DOWN"][1] == 15


def test_a_storefront_down_for_five_seconds_is_caught_up_by_the_first_retries(broker):
    """Default backoff (2, 4, 8 s): the worker's own retries catch up, no sweep needed (today
    the sweep runs every minute; before, the first retry waited 120 s)."""
    warehouse = factories.warehouse()
    places = factories.places(warehouse)
    sku = factories.sku("BLIP")
    factories.stock(sku, places.bin1, 20)
    with Receiver() as rx, Worker(redis_url=broker, env={"IMS_SYNC_LEASE_SECONDS": LEASE}):
        rx.respond(503, "restarting")
        shop = webhook_channel("SHOP", warehouse, rx, sku)
        place(shop, "o-1", (sku, 2))
        rx.wait_for(1, timeout=30)
        down_at = time.monotonic()
        poll(lambda: time.monotonic() - down_at >= 5, timeout=10, interval=0.1)
        rx.respond(200)
        back_at = time.monotonic()
        poll(lambda: converged([(shop, rx)], [sku]), timeout=30, interval=0.2)
        caught_up = time.monotonic() - back_at
        assert newest(rx)["BLIP"][1] == 18
        print(f"\ndown 5 s: caught up {caught_up:.1f} s after it came back ({broker or 'orm'})")
