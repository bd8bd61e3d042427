"""The Shopify connector against the local Shopify GraphQL Admin API fake (tests/channels/fakes/
shopify.py): real HTTP on 127.0.0.1, the documents the connector sends validated against the
version's schema, Shopify's cost bucket, userErrors and limits."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from django.core.cache import cache

from channels.connectors import DeliveryError, PushItem, connector_for, shopify_orders
from channels.connectors.shopify import ShopifyConnector
from channels.models import Listing, SalesChannel
from channels.services import channel_create
from channels.sync.services import channel_test_connection
from inventory.models import Sku
from tests.channels.fakes.shopify import ShopifyFake
from tests.channels.receivers import Receiver


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Bucket reports and looked-up ids are cached by shop address: a fake on a port an
    earlier test used must not inherit them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake():
    with ShopifyFake() as shop:
        shop.main = shop.add_location("Main warehouse")
        yield shop


def connector(fake_or_url, **settings) -> ShopifyConnector:
    url = fake_or_url if isinstance(fake_or_url, str) else fake_or_url.url
    location = getattr(fake_or_url, "main", "gid://shopify/Location/1")
    channel = SalesChannel(code="SHOP", connector="shopify", endpoint_url=url)
    channel.settings = {"access_token": "shpat_test", "location_id": location, **settings}
    shop = ShopifyConnector(channel)
    shop.timeout = 2.0  # tests wait less than the real 5 s (but a busy machine is slow)
    return shop


def items(*rows) -> list[PushItem]:
    """(sku, external id, available) rows."""
    return [PushItem(sku, ext, available, n) for n, (sku, ext, available) in enumerate(rows, 1)]


def roots(fake) -> list[str]:
    return [call.root_fields[0] for call in fake.calls if call.root_fields]


def graphql(fake, document, variables=None, *, version="2026-10") -> dict:
    """POST a document to the fake as any client would."""
    request = urllib.request.Request(
        f"{fake.url}/admin/api/{version}/graphql.json",
        data=json.dumps({"query": document, "variables": variables or {}}).encode(),
        headers={"X-Shopify-Access-Token": fake.token, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read())


# -- push ------------------------------------------------------------------------------------


def test_push_sets_available_at_the_location_as_the_source_of_truth(fake):
    tee, cap = fake.add_item("TEE-M"), fake.add_item("CAP")
    number = tee.rsplit("/", 1)[1]

    connector(fake).push(items(("TEE-M", number, 7), ("CAP", cap, 0)))

    assert roots(fake) == ["inventorySetQuantities"]  # ids given: no lookup
    (call,) = fake.calls
    assert call.version == "2026-10"
    sent = call.variables["input"]
    assert sent["name"] == "available"
    assert sent["reason"] == "correction"
    assert sent["referenceDocumentUri"] == "gid://ims/ChannelSync/SHOP"
    assert sent["quantities"] == [
        {
            "inventoryItemId": tee,
            "locationId": fake.main,
            "quantity": 7,
            "changeFromQuantity": None,
        },
        {
            "inventoryItemId": cap,
            "locationId": fake.main,
            "quantity": 0,
            "changeFromQuantity": None,
        },
    ]
    assert call.variables["key"]  # @idempotent(key:), required from 2026-04
    assert (fake.available(tee, fake.main), fake.available(cap, fake.main)) == (7, 0)


def test_each_call_has_its_own_idempotency_key(fake):
    tee = fake.add_item("TEE")
    shop = connector(fake)
    shop.push(items(("TEE", tee, 1)))
    shop.push(items(("TEE", tee, 2)))

    first, second = fake.sets
    assert first.key != second.key
    assert fake.available(tee, fake.main) == 2


def test_skus_are_looked_up_in_bulk_and_cached(fake):
    ids = {sku: fake.add_item(sku) for sku in ("A-1", "B-2", 'C "3"')}
    fake.add_item("A-10")  # Shopify's search matches it too: it must not be taken for A-1
    shop = connector(fake)

    shop.push(items(("A-1", "", 1), ("B-2", "", 2), ('C "3"', "", 3)))
    shop.push(items(("A-1", "", 4), ("B-2", "", 5), ('C "3"', "", 6)))

    assert roots(fake) == ["inventoryItems", "inventorySetQuantities", "inventorySetQuantities"]
    assert fake.calls[0].variables["query"] == 'sku:"A-1" OR sku:"B-2" OR sku:"C \\"3\\""'
    assert {sku: fake.available(gid, fake.main) for sku, gid in ids.items()} == {
        "A-1": 4,
        "B-2": 5,
        'C "3"': 6,
    }


def test_a_sku_not_in_shopify_fails_alone_and_is_found_once_added(fake):
    tee = fake.add_item("TEE")
    shop = connector(fake)

    with pytest.raises(DeliveryError) as caught:
        shop.push(items(("TEE", "", 3), ("NEW", "", 9)))

    assert caught.value.failed_skus == ("NEW",)
    assert caught.value.permanent
    assert "NEW: no inventory item with this SKU in Shopify" in caught.value.detail
    assert fake.available(tee, fake.main) == 3  # the other one was taken

    new = fake.add_item("NEW")  # the merchant adds it: not remembered as missing
    shop.push(items(("NEW", "", 9)))
    assert fake.available(new, fake.main) == 9


def test_a_stale_cached_id_is_looked_up_again(fake):
    old = fake.add_item("TEE")
    shop = connector(fake)
    shop.push(items(("TEE", "", 1)))
    del fake.items[old]  # the variant was deleted and made again: a new inventory item
    new = fake.add_item("TEE")

    shop.push(items(("TEE", "", 2)))

    assert fake.available(new, fake.main) == 2
    assert roots(fake)[2:] == [
        "inventorySetQuantities",  # refused: INVALID_INVENTORY_ITEM for the cached id
        "inventoryItems",
        "inventorySetQuantities",
    ]


def test_refused_quantities_fail_alone_and_the_rest_is_set_once(fake):
    elsewhere = fake.add_location("Outlet")
    good = [fake.add_item(f"OK-{n}") for n in range(3)]
    not_here = fake.add_item("ELSEWHERE", stocked_at=[elsewhere])

    with pytest.raises(DeliveryError) as caught:
        connector(fake).push(
            items(
                ("OK-0", good[0], 1),
                ("GONE", "gid://shopify/InventoryItem/999999", 5),
                ("OK-1", good[1], 2),
                ("ELSEWHERE", not_here, 4),
                ("OK-2", good[2], 3),
            )
        )

    error = caught.value
    assert set(error.failed_skus) == {"GONE", "ELSEWHERE"}
    assert error.permanent
    assert not error.rate_limited
    assert "GONE: The specified inventory item could not be found (INVALID_INVENTORY_ITEM)" in (
        error.detail
    )
    assert "ITEM_NOT_STOCKED_AT_LOCATION" in error.detail
    # Shopify applied nothing of the refused call; the second call set the three, once each.
    assert roots(fake) == ["inventorySetQuantities"] * 2
    assert fake.set_counts() == dict.fromkeys(good, 1)
    assert [fake.available(gid, fake.main) for gid in good] == [1, 2, 3]


def test_a_refusal_of_the_whole_call_fails_the_call(fake):
    tee = fake.add_item("TEE")
    shop = connector(fake, location_id="gid://shopify/Location/424242")

    with pytest.raises(DeliveryError) as caught:
        shop.push(items(("TEE", tee, 1), ("TEE-2", fake.add_item("TEE-2"), 1)))

    assert caught.value.permanent
    assert caught.value.failed_skus == ()
    assert "INVALID_LOCATION" in caught.value.detail
    assert "Check location_id" in caught.value.detail
    assert fake.sets == []


def test_two_skus_on_one_inventory_item_and_a_sku_on_two(fake):
    tee = fake.add_item("TEE")
    fake.add_item("TWICE")
    fake.add_item("TWICE")

    with pytest.raises(DeliveryError) as caught:
        connector(fake).push(items(("TEE", tee, 1), ("ALIAS", tee, 2), ("TWICE", "", 3)))

    assert set(caught.value.failed_skus) == {"ALIAS", "TWICE"}
    assert "the same Shopify inventory item as SKU TEE" in caught.value.detail
    assert "2 Shopify inventory items have this SKU" in caught.value.detail
    assert fake.set_counts() == {tee: 1}


def test_the_250_cap_is_shopifys_and_the_connector_keeps_to_it(fake):
    assert ShopifyConnector.items_per_call == 250
    many = [(f"S{n}", fake.add_item(f"S{n}"), 1) for n in range(251)]

    with pytest.raises(DeliveryError) as caught:  # the deliverer never hands it 251
        connector(fake).push(items(*many))

    assert "MAX_INPUT_SIZE_EXCEEDED" in caught.value.detail
    assert "251 is greater than the maximum allowed of 250" in caught.value.detail
    assert fake.sets == []
    connector(fake).push(items(*many[:250]))
    assert len(fake.sets) == 250


def test_throttled_raises_with_the_wait_the_bucket_needs(fake):
    fake.bucket().level = 4.0  # another process of the app spent the bucket
    fake.bucket().restore = 20.0
    tee = fake.add_item("TEE")
    shop = connector(fake)

    with pytest.raises(DeliveryError) as caught:
        shop.push(items(("TEE", tee, 1)))

    error = caught.value
    assert error.rate_limited
    assert not error.permanent
    assert error.status == 429
    assert 0.1 <= error.retry_after <= 0.5  # (10 - 4) points at 20 a second
    assert "THROTTLED" in error.detail
    assert [call.answer for call in fake.calls] == ["throttled"]

    with pytest.raises(DeliveryError) as again:  # too soon: not even sent
        shop.push(items(("TEE", tee, 1)))
    assert again.value.rate_limited
    assert len(fake.calls) == 1

    time.sleep(error.retry_after + 0.05)
    shop.push(items(("TEE", tee, 1)))
    assert fake.available(tee, fake.main) == 1
    assert [call.answer for call in fake.calls] == ["throttled", "ok"]


def test_looked_up_ids_survive_a_throttled_push(fake):
    for n in range(150):  # two lookup queries
        fake.add_item(f"S{n}")
    fake.bucket_size = fake.bucket().size = 220
    fake.bucket().level = 220
    fake.bucket().restore = 1000
    shop = connector(fake)
    rows = items(*[(f"S{n}", "", n) for n in range(150)])

    with pytest.raises(DeliveryError) as caught:
        shop.push(rows)  # the first lookup (203 points) empties the bucket
    assert caught.value.rate_limited
    time.sleep(caught.value.retry_after)
    shop.push(rows)

    lookups = [
        c.variables["query"].count("sku:")
        for c in fake.calls
        if c.root_fields == ("inventoryItems",) and c.answer == "ok"
    ]
    assert lookups[:2] == [100, 50]  # the first 100 were not asked for again
    assert len(fake.sets) == 150


def test_incomplete_or_wrong_settings_fail_permanently_without_a_call(fake):
    for settings, words in [
        ({"location_id": None}, "location_id"),
        ({"location_id": "main"}, "location_id"),
        ({"access_token": ""}, "access_token"),
        ({"api_version": "2026-05"}, "not a Shopify API version"),
        ({"api_version": "2025-10"}, "older than 2026-01"),
    ]:
        shop = connector(fake, **settings)
        with pytest.raises(DeliveryError) as caught:
            shop.push(items(("TEE", "1", 1)))
        assert caught.value.permanent
        assert words in caught.value.detail
        assert shop.test_connection() == (False, caught.value.detail)
    assert connector("").test_connection()[1].startswith("Set the shop's address")
    assert fake.calls == []


def test_location_as_a_number_and_an_older_version(fake):
    tee = fake.add_item("TEE")
    number = fake.main.rsplit("/", 1)[1]

    connector(fake, location_id=int(number), api_version="2026-01").push(items(("TEE", tee, 5)))

    assert fake.calls[0].version == "2026-01"
    assert fake.available(tee, fake.main) == 5


def test_bad_token_is_permanent_and_never_shown(fake):
    tee = fake.add_item("TEE")

    with pytest.raises(DeliveryError) as caught:
        connector(fake, access_token="shpat_wrong").push(items(("TEE", tee, 1)))

    assert caught.value.permanent
    assert caught.value.status == 401
    assert "Invalid API key or access token" in caught.value.detail
    assert "shpat_wrong" not in caught.value.detail


def test_an_outage_is_retryable(fake):
    fake.reply_next(503, "<html>Service Unavailable</html>")

    with pytest.raises(DeliveryError) as caught:
        connector(fake).push(items(("TEE", fake.add_item("TEE"), 1)))

    assert not caught.value.permanent
    assert caught.value.status == 503


# -- the fake keeps to the version's rules -------------------------------------------------------

SET_WITHOUT = """
mutation($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) %s { userErrors { field code message } }
}"""


def test_the_fake_requires_change_from_quantity_and_a_key_from_2026_04(fake):
    tee = fake.add_item("TEE")
    quantity = {"inventoryItemId": tee, "locationId": fake.main, "quantity": 1}
    data = {"name": "available", "reason": "correction", "quantities": [quantity]}

    without_key = graphql(fake, SET_WITHOUT % "", {"input": data})
    assert without_key["errors"][0]["message"].startswith("The @idempotent directive is required")

    keyed = SET_WITHOUT.replace("$input: I", "$key: String!, $input: I") % "@idempotent(key: $key)"
    answer = graphql(fake, keyed, {"input": data, "key": "k-1"})
    (error,) = answer["data"]["inventorySetQuantities"]["userErrors"]
    assert error["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    assert error["code"] == "COMPARE_QUANTITY_REQUIRED"

    wrong_reason = {
        **data,
        "reason": "because",
        "quantities": [{**quantity, "changeFromQuantity": None}],
    }
    answer = graphql(fake, keyed, {"input": wrong_reason, "key": "k-2"})
    assert answer["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "INVALID_REASON"
    assert fake.sets == []

    old = graphql(fake, keyed, {"input": data, "key": "k-3"}, version="2025-10")  # not served
    assert "changeFromQuantity" not in json.dumps(old)  # 2026-01 answered: compare rules
    assert old["data"]["inventorySetQuantities"]["userErrors"][0]["field"][-1] == "compareQuantity"


# -- test connection -------------------------------------------------------------------------------


def test_connection_ok_names_the_store_location_and_listings(fake):
    tee = fake.add_item("TEE")
    fake.add_item("CAP")

    ok, detail = connector(fake).test_connection([("TEE", tee), ("CAP", "")])

    assert ok, detail
    assert "IMS test store (ims-test.myshopify.com)" in detail
    assert "API 2026-10" in detail
    assert "'Main warehouse'" in detail
    assert "all 2 listed SKUs found" in detail


def test_connection_names_listed_skus_shopify_lacks(fake):
    fake.add_item("TEE")
    fake.add_item("TWICE")
    fake.add_item("TWICE")
    listings = [
        ("TEE", ""),
        ("MUG", ""),
        ("OLD", "gid://shopify/InventoryItem/999999"),
        ("TWICE", ""),
    ]

    ok, detail = connector(fake).test_connection(listings)

    assert not ok
    assert "3 of 4 listed SKUs are not in Shopify" in detail
    assert "MUG (no inventory item with this SKU)" in detail
    assert "OLD (no inventory item gid://shopify/InventoryItem/999999)" in detail
    assert "TWICE (2 inventory items have this SKU)" in detail


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        (("write_inventory", "read_locations"), "lacks the read_orders scope"),
        (("read_inventory", "read_orders"), "lacks the write_inventory, read_locations scopes"),
    ],
)
def test_connection_names_missing_scopes(fake, scopes, missing):
    fake.add_token("shpat_narrow", scopes)

    ok, detail = connector(fake, access_token="shpat_narrow").test_connection()

    assert not ok
    assert missing in detail
    assert "install it again" in detail


def test_connection_unknown_and_deactivated_location(fake):
    ok, detail = connector(fake, location_id=424242).test_connection()
    assert not ok
    assert "Shopify knows no location gid://shopify/Location/424242" in detail

    closed = fake.add_location("Closed shop", active=False)
    ok, detail = connector(fake, location_id=closed).test_connection()
    assert not ok
    assert "'Closed shop' is deactivated" in detail


def test_connection_bad_token_and_an_unserved_version(fake):
    ok, detail = connector(fake, access_token="shpat_wrong").test_connection()
    assert not ok
    assert "Shopify refused the access token" in detail
    assert "shpat_wrong" not in detail

    fake.versions = ("2026-04", "2026-07", "2026-10")
    ok, detail = connector(fake, api_version="2026-01").test_connection()
    assert not ok
    assert "no longer serves API version 2026-01 (it answered with 2026-04)" in detail


def test_connection_to_what_is_not_shopify():
    with Receiver() as rx:
        rx.respond(200, "<html>Welcome to my blog</html>")
        ok, detail = connector(rx.url).test_connection()
        assert not ok
        assert "not like Shopify's GraphQL Admin API" in detail

        rx.respond(404, "<html>Not here</html>")
        ok, detail = connector(rx.url).test_connection()
        assert not ok
        assert "has no Shopify Admin API" in detail

        rx.delay = 3.0
        ok, detail = connector(rx.url).test_connection()
        assert not ok
        assert "did not answer within 2 s" in detail

    closed = Receiver().start()
    url = closed.url
    closed.stop()
    ok, detail = connector(url).test_connection()
    assert not ok
    assert "Could not reach" in detail


def test_connection_while_throttled(fake):
    fake.bucket().level = 0
    fake.bucket().restore = 1

    ok, detail = connector(fake).test_connection()

    assert not ok
    assert "rate-limiting this app right now: try again in" in detail


# -- wiring ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_saved_channel_checks_its_listings(fake, warehouse):
    tee = Sku.objects.create(code="TEE", name="Tee")
    mug = Sku.objects.create(code="MUG", name="Mug")
    fake.add_item("TEE")
    channel = channel_create(
        code="SHOPIFY",
        name="Shopify",
        connector="shopify",
        endpoint_url=fake.url,
        settings={"access_token": fake.token, "location_id": fake.main},
        warehouses=[warehouse],
    )
    Listing.objects.bulk_create(
        [Listing(channel=channel, sku=tee), Listing(channel=channel, sku=mug)]
    )
    saved = SalesChannel.objects.get(pk=channel.pk)
    assert isinstance(connector_for(saved), ShopifyConnector)

    ok, detail = channel_test_connection(channel=saved)

    assert not ok
    assert "1 of 2 listed SKUs are not in Shopify: MUG" in detail


def test_orders_are_pulled_through_shopify_orders(fake, monkeypatch):
    seen = []
    monkeypatch.setattr(
        shopify_orders, "orders_since", lambda c, since, codes=(): seen.append((c, since, codes))
    )
    shop = connector(fake)

    shop.orders_since(None, codes=["#1001"])

    assert ShopifyConnector.pulls_orders
    assert seen == [(shop, None, ["#1001"])]
