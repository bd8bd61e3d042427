"""Shopify sync end to end against the local Shopify GraphQL fake (tests/channels/fakes/): the
deliverer in this process (SQLite or PostgreSQL), then 1,000 listed SKUs through a real
`manage.py qcluster` (PostgreSQL) while the store's cost bucket throttles: no item lost, none
sent again once Shopify took it, no call over Shopify's 250 cap."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from channels.models import ChannelSyncState, Listing, OutboxEntry, SyncDelivery, SyncStatus
from channels.selectors import channel_availability
from channels.sync.deliver import channel_deliver
from channels.sync.services import channel_resync, outbox_sweep
from inventory.models import Sku
from tests import factories
from tests.channels.fakes.shopify import ShopifyFake
from tests.channels.helpers import make_channel
from tests.channels.worker_helpers import Worker, poll


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # bucket reports and looked-up ids are keyed by the fake's (reused) port
    yield
    cache.clear()


@pytest.fixture
def fast(settings):
    settings.IMS_SYNC_BACKOFF_SECONDS = 0.05
    settings.IMS_SYNC_BACKOFF_JITTER = 0
    settings.IMS_SYNC_RECORD_SECONDS = 0
    return settings


def shopify_channel(warehouse, fake: ShopifyFake, skus, *, by_sku_every: int = 2):
    """A Shopify channel selling from `warehouse`, listing `skus` (none queued yet): every
    `by_sku_every`-th listing found by its SKU, the others by their inventory item id."""
    location = fake.add_location("IMS warehouse")
    channel = make_channel(
        "SHOPIFY",
        warehouse,
        connector="shopify",
        endpoint_url=fake.url,
        settings={"access_token": fake.token, "location_id": location},
    )
    channel.fake_location = location
    channel.items = {sku.code: fake.add_item(sku.code) for sku in skus}
    Listing.objects.bulk_create(
        Listing(
            channel=channel,
            sku=sku,
            external_id="" if n % by_sku_every == 0 else channel.items[sku.code],
        )
        for n, sku in enumerate(skus)
    )
    return channel


def many_skus(count: int, places, *, stocked_every: int = 10) -> list[Sku]:
    skus = Sku.objects.bulk_create(Sku(code=f"SH{n:04d}", name=f"Item {n}") for n in range(count))
    for n, sku in enumerate(skus):
        if n % stocked_every == 0:
            factories.stock(sku, places.bin1, 1 + n % 37)
    return skus


def shopify_holds(fake: ShopifyFake, channel) -> dict[str, int | None]:
    return {
        code: fake.available(item, channel.fake_location) for code, item in channel.items.items()
    }


def expected(channel, skus) -> dict[str, int]:
    available = channel_availability(channel=channel, sku_ids=[sku.pk for sku in skus])
    return {sku.code: available[sku.pk] for sku in skus}


def mutation_sizes(fake: ShopifyFake, answer: str = "ok") -> list[int]:
    return [
        len(call.variables["input"]["quantities"])
        for call in fake.calls
        if call.root_fields == ("inventorySetQuantities",) and call.answer == answer
    ]


# -- the deliverer in this process -----------------------------------------------------------


@pytest.mark.django_db
def test_six_hundred_listings_go_in_calls_of_at_most_250(warehouse, places, fast):
    skus = many_skus(600, places)
    with ShopifyFake() as fake:
        shop = shopify_channel(warehouse, fake, skus)
        assert channel_resync(channel=shop) == 600

        result = channel_deliver(channel_id=shop.pk)

        assert (result.items, result.failed) == (600, False)
        assert mutation_sizes(fake) == [250, 250, 100]
        assert shopify_holds(fake, shop) == expected(shop, skus)
        assert set(fake.set_counts().values()) == {1}
    assert not OutboxEntry.objects.filter(channel=shop).exists()
    assert set(Listing.objects.values_list("sync_status", flat=True)) == {SyncStatus.SYNCED}


@pytest.mark.django_db
def test_throttling_is_paced_by_the_deliverer_and_is_no_failure(warehouse, places, fast):
    skus = many_skus(300, places)
    # Each lookup of 100 SKUs requests 203 points; the bucket holds 250 and refills 400 a
    # second, so every lookup after the first waits for it.
    with ShopifyFake(bucket=250, restore=400) as fake:
        shop = shopify_channel(warehouse, fake, skus, by_sku_every=1)
        channel_resync(channel=shop)

        result = channel_deliver(channel_id=shop.pk)

        assert (result.items, result.failed) == (300, False)
        assert shopify_holds(fake, shop) == expected(shop, skus)
        assert set(fake.set_counts().values()) == {1}
    paced = SyncDelivery.objects.filter(channel=shop, ok=False)
    assert paced.exists()
    assert all("Shopify" in row.detail and "going on in" in row.detail for row in paced)
    state = ChannelSyncState.objects.get(channel=shop)
    assert (state.failures, state.next_attempt_at) == (0, None)


@pytest.mark.django_db
def test_a_sku_shopify_lacks_is_parked_alone_with_words(warehouse, places, fast):
    skus = many_skus(5, places, stocked_every=1)
    with ShopifyFake() as fake:
        shop = shopify_channel(warehouse, fake, skus, by_sku_every=1)
        lost = shop.items.pop("SH0003")
        del fake.items[lost]
        channel_resync(channel=shop)

        result = channel_deliver(channel_id=shop.pk)

        assert (result.items, result.failed) == (4, False)
        assert shopify_holds(fake, shop) == {
            code: n for code, n in expected(shop, skus).items() if code != "SH0003"
        }
    listing = Listing.objects.get(channel=shop, sku__code="SH0003")
    assert listing.sync_status == SyncStatus.FAILED
    assert "SH0003: no inventory item with this SKU in Shopify" in listing.last_error
    assert Listing.objects.filter(channel=shop, sync_status=SyncStatus.SYNCED).count() == 4


# -- a real worker -----------------------------------------------------------------------------


def another_process(fake: ShopifyFake, *, spends: float):
    """Another process of the same app on the store, spending `spends` points of the bucket
    right after each lookup Shopify answers: the worker's last bucket report is then optimistic,
    so Shopify itself answers THROTTLED, not only the worker's own pacing."""

    def spend(call) -> None:
        if call.root_fields == ("inventoryItems",) and call.answer == "ok":
            bucket = fake.bucket()
            bucket.take(min(bucket.refill(), spends))

    fake.after_answer = spend


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_thousand_listed_skus_reach_shopify_through_a_worker_under_throttling():
    warehouse = factories.warehouse()
    places = factories.places(warehouse)
    skus = many_skus(1000, places)
    # Half the listings are found by SKU, 125 a push: a lookup of 203 points and one of 53,
    # then a set of 10, into a bucket of 260 refilling 100 a second, while another process
    # spends 150 after each lookup.
    with ShopifyFake(bucket=260, restore=100) as fake, Worker():
        another_process(fake, spends=150)
        shop = shopify_channel(warehouse, fake, skus)
        assert channel_resync(channel=shop) == 1000  # its task is enqueued as it commits
        poll(
            lambda: not OutboxEntry.objects.filter(channel=shop).exists(),
            timeout=180,
            interval=1.0,
            every=outbox_sweep,  # what the schedule runs: a wait past a task's is the sweep's
        )

    assert shopify_holds(fake, shop) == expected(shop, skus)  # no item lost
    counts = fake.set_counts()
    assert len(counts) == 1000
    assert set(counts.values()) == {1}  # none sent again once Shopify took it
    assert max(mutation_sizes(fake)) <= 250
    assert len(mutation_sizes(fake)) >= 4
    throttled = [call for call in fake.calls if call.answer == "throttled"]
    assert throttled  # Shopify itself pushed back
    assert SyncDelivery.objects.filter(channel=shop, ok=False).exists()  # paced, not failed
    assert set(Listing.objects.filter(channel=shop).values_list("sync_status", flat=True)) == {
        SyncStatus.SYNCED
    }
    assert ChannelSyncState.objects.get(channel=shop).failures == 0
    print(
        f"\n1,000 SKUs into Shopify (bucket 260 @ 100/s, 150 spent after each lookup): "
        f"{len(fake.calls)} calls, {len(throttled)} answered THROTTLED, "
        f"{len(mutation_sizes(fake))} sets of at most 250"
    )
