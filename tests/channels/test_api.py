"""The orders API (API.md, "Channels and orders"): shapes, status codes, channel keys."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import ChannelKey, Listing, Order
from channels.services import channel_key_revoke, listing_create
from inventory.models import Reservation, WarehouseStock
from tests import factories
from tests.channels.helpers import make_channel, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def shirt(places):
    sku = factories.sku("SHIRT")
    factories.stock(sku, places.bin1, 5)
    return sku


def post_order(client, external_id, *lines, channel="SHOP", **extra):
    body = {"external_id": external_id, "lines": [{"sku": s, "quantity": q} for s, q in lines]}
    if channel:
        body["channel"] = channel
    return client.post("/api/v1/orders/", {**body, **extra}, format="json")


def test_post_order_201_then_200_with_the_first_order(api, shop, shirt, warehouse):
    created = post_order(api, "W-1", ("SHIRT", 2))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "reserved"
    assert (body["channel"], body["external_id"]) == ("SHOP", "W-1")
    assert body["lines"] == [
        {
            "sku": "SHIRT",
            "quantity": 2,
            "warehouse": warehouse.code,
            "quantity_picked": 0,
            "quantity_short": 0,
        }
    ]
    again = post_order(api, "W-1", ("SHIRT", 2))
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert WarehouseStock.objects.get(sku=shirt).reserved == 2


def test_not_enough_stock_is_409_with_every_short_line_and_nothing_reserved(api, shop, shirt):
    factories.sku("MUG")
    response = post_order(api, "W-2", ("SHIRT", 2), ("MUG", 1), ("SHIRT", 4))
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"code", "detail", "lines"}
    assert body["code"] == "insufficient_stock"
    assert body["lines"] == [
        {"sku": "SHIRT", "requested": 6, "available": 5},
        {"sku": "MUG", "requested": 1, "available": 0},
    ]
    assert not Order.objects.exists()
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "SHOP", "lines": [{"sku": "SHIRT", "quantity": 1}]}, "external_id"),
        ({"channel": "SHOP", "external_id": "X", "lines": []}, "lines"),
        (
            {"channel": "SHOP", "external_id": "X", "lines": [{"sku": "NOPE", "quantity": 1}]},
            "lines",
        ),
        (
            {"channel": "SHOP", "external_id": "X", "lines": [{"sku": "SHIRT", "quantity": 0}]},
            "lines",
        ),
        (
            {"channel": "SHOP", "external_id": "X", "lines": [{"sku": "SHIRT", "quantity": "a"}]},
            "lines",
        ),
        ({"channel": "SHOP", "external_id": "X", "lines": "SHIRT"}, "lines"),
        (
            {"channel": "NOPE", "external_id": "X", "lines": [{"sku": "SHIRT", "quantity": 1}]},
            "channel",
        ),
        ({"external_id": "X", "lines": [{"sku": "SHIRT", "quantity": 1}]}, "channel"),
        (
            {
                "channel": "SHOP",
                "external_id": "X",
                "lines": [{"sku": "SHIRT", "quantity": 1}],
                "expires_at": "2001-01-01T00:00:00Z",
            },
            "expires_at",
        ),
        (
            {
                "channel": "SHOP",
                "external_id": "X",
                "lines": [{"sku": "SHIRT", "quantity": 1}],
                "hold_minutes": 0,
            },
            "hold_minutes",
        ),
    ],
)
def test_bad_orders_are_400_naming_the_field(api, shop, shirt, body, field):
    response = api.post("/api/v1/orders/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not Order.objects.exists()


def test_hold_minutes_sets_an_expiry_and_confirm_clears_it(api, shop, shirt):
    body = post_order(api, "H", ("SHIRT", 1), hold_minutes=15).json()
    assert body["expires_at"] is not None
    confirmed = api.post(f"/api/v1/orders/{body['id']}/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["expires_at"] is None


def test_cancel_and_ship_through_the_api(api, shop, shirt):
    order_id = post_order(api, "C", ("SHIRT", 2)).json()["id"]
    response = api.post(f"/api/v1/orders/{order_id}/ship/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"
    tasks = api.get("/api/v1/pick-tasks/", {"order": order_id}).json()["results"]
    assert [(t["sku"], t["location"], t["quantity"], t["status"]) for t in tasks] == [
        ("SHIRT", "A-01", 2, "open")
    ]
    confirmed = api.post(f"/api/v1/pick-tasks/{tasks[0]['id']}/confirm/", {"quantity": 2})
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "done"
    shipped = api.post(f"/api/v1/orders/{order_id}/ship/")
    assert shipped.status_code == 200
    assert shipped.json()["status"] == "shipped"
    cancelled = api.post(f"/api/v1/orders/{order_id}/cancel/")
    assert cancelled.status_code == 409

    other = post_order(api, "C2", ("SHIRT", 3)).json()["id"]
    response = api.post(f"/api/v1/orders/{other}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert WarehouseStock.objects.get(sku=shirt).reserved == 0


def test_short_pick_through_the_api(api, shop, shirt, places):
    order_id = post_order(api, "S", ("SHIRT", 3)).json()["id"]
    task = api.get("/api/v1/pick-tasks/", {"order": order_id}).json()["results"][0]
    response = api.post(f"/api/v1/pick-tasks/{task['id']}/confirm/", {"quantity": 1})
    assert response.json()["status"] == "short"
    order = api.get(f"/api/v1/orders/{order_id}/").json()
    assert order["lines"][0]["quantity_short"] == 2
    assert order["status"] == "picked"
    assert api.post(f"/api/v1/pick-tasks/{task['id']}/confirm/", {"quantity": 1}).status_code == 409
    assert (
        api.post(f"/api/v1/pick-tasks/{task['id']}/confirm/", {"quantity": -1}).status_code == 400
    )


def test_order_filters(api, shop, shirt):
    first = place(shop, "F-1", (shirt, 1))
    place(shop, "F-2", (shirt, 1))
    assert [o["external_id"] for o in api.get("/api/v1/orders/").json()["results"]] == [
        "F-2",
        "F-1",
    ]
    assert [o["id"] for o in api.get("/api/v1/orders/?q=F-1").json()["results"]] == [first.pk]
    assert api.get("/api/v1/orders/?status=shipped").json()["results"] == []
    assert len(api.get("/api/v1/orders/?channel=SHOP&sku=SHIRT").json()["results"]) == 2
    assert api.get("/api/v1/orders/?channel=ELSE").json()["results"] == []
    assert api.get("/api/v1/orders/?status=bogus").status_code == 400


def test_channels_listings_and_availability(api, shop, shirt, warehouse):
    response = api.post(
        "/api/v1/channels/",
        {
            "code": "WOO",
            "name": "Woo shop",
            "connector": "woocommerce",
            "endpoint_url": "https://shop.example/wp-json",
            "secret": "s3cret",
            "settings": {"consumer_key": "ck", "consumer_secret": "cs", "store": "main"},
            "buffer": 2,
            "warehouses": [warehouse.code],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "secret" not in body
    assert body["settings"] == {"store": "main"}
    assert body["warehouses"] == [warehouse.code]
    patched = api.patch(
        "/api/v1/channels/WOO/", {"settings": {"store": "two"}, "buffer": 1}, format="json"
    )
    assert patched.status_code == 200
    from channels.models import SalesChannel

    woo = SalesChannel.objects.get(code="WOO")
    assert woo.settings == {"consumer_key": "ck", "consumer_secret": "cs", "store": "two"}
    listed = api.post("/api/v1/channels/WOO/listings/", {"sku": "SHIRT", "external_id": "p-1"})
    assert listed.status_code == 201, listed.json()
    assert listed.json()["sync_status"] == "pending"
    assert api.post("/api/v1/channels/WOO/listings/", {"sku": "SHIRT"}).status_code == 400
    place(shop, "A-1", (shirt, 1))
    availability = api.get("/api/v1/channels/WOO/availability/").json()["results"]
    assert availability == [{"sku": "SHIRT", "external_id": "p-1", "available": 3}]  # 5-1-1


def test_a_channel_key_acts_only_for_its_own_channel(api, shop, shirt, warehouse, key_client):
    other = make_channel("OTHER", warehouse)
    listing_create(channel=other, sku=shirt, external_id="o-1")
    theirs = place(other, "T-1", (shirt, 1))
    client = key_client(shop)

    mine = post_order(client, "K-1", ("SHIRT", 1), channel=None)
    assert mine.status_code == 201
    assert mine.json()["channel"] == "SHOP"
    assert post_order(client, "K-2", ("SHIRT", 1), channel="OTHER").status_code == 403
    assert not Order.objects.filter(external_id="K-2").exists()

    listed = client.get("/api/v1/orders/").json()["results"]
    assert [o["external_id"] for o in listed] == ["K-1"]
    assert client.get(f"/api/v1/orders/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/orders/{theirs.pk}/cancel/").status_code == 404
    assert client.get("/api/v1/orders/", {"channel": "OTHER"}).json()["results"] == []

    assert client.get("/api/v1/channels/OTHER/listings/").status_code == 404
    # listing a SKU is a manager's, never a key's
    assert client.post("/api/v1/channels/OTHER/listings/", {"sku": "SHIRT"}).status_code == 403
    assert client.get("/api/v1/channels/OTHER/availability/").status_code == 404
    assert Listing.objects.filter(channel=other).count() == 1
    assert [c["code"] for c in client.get("/api/v1/channels/").json()["results"]] == ["SHOP"]
    assert client.get("/api/v1/channels/SHOP/availability/").status_code == 200
    # a key reads its listings; listing a SKU is the channel manager's (PRODUCT.md)
    assert client.post("/api/v1/channels/SHOP/listings/", {"sku": "SHIRT"}).status_code == 403

    # Not the warehouse's business, nor configuration: refused.
    assert client.patch("/api/v1/channels/SHOP/", {"buffer": 9}, format="json").status_code == 403
    assert client.post("/api/v1/channels/SHOP/keys/").status_code == 403
    assert client.get("/api/v1/pick-tasks/").status_code == 403
    assert client.post(f"/api/v1/orders/{mine.json()['id']}/ship/").status_code == 403
    assert client.get("/api/v1/skus/").status_code == 403
    assert client.get("/api/v1/availability/").status_code == 403

    # A person's token acts for every channel.
    assert len(api.get("/api/v1/orders/").json()["results"]) == 2


def test_keys_are_shown_once_stored_hashed_and_revocable(api, shop, shirt):
    response = api.post("/api/v1/channels/SHOP/keys/", {"name": "storefront"})
    assert response.status_code == 201
    raw = response.json()["key"]
    key = ChannelKey.objects.get()
    assert raw not in (key.key_hash, key.prefix)
    assert key.prefix in raw
    assert "key" not in api.get("/api/v1/channels/SHOP/keys/").json()["results"][0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert client.get("/api/v1/orders/").status_code == 200
    revoked = api.post(f"/api/v1/channels/SHOP/keys/{key.pk}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/orders/").status_code == 401
    channel_key_revoke(key=key)  # twice is harmless
    for bad in (raw[:-1] + ("A" if raw[-1] != "A" else "B"), "ims_zz_zz", "nonsense", "é"):
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {bad}")
        assert client.get("/api/v1/orders/").status_code == 401


def test_only_admins_configure_channels(shop, db):
    def client_of(person):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=person).key}")
        return client

    clerk = client_of(factories.user("clerk", role="associate"))
    assert clerk.get("/api/v1/channels/").status_code == 403  # associates don't see channels
    boss = client_of(factories.user("boss", role="manager"))
    assert boss.get("/api/v1/channels/").status_code == 200
    for client in (clerk, boss):
        assert client.post("/api/v1/channels/SHOP/keys/").status_code == 403
        assert client.post("/api/v1/channels/", {"code": "X", "name": "X"}).status_code == 403
        patch = client.patch("/api/v1/channels/SHOP/", {"endpoint_url": "http://x"}, format="json")
        assert patch.status_code == 403


def test_list_and_detail_query_counts_do_not_grow(
    api, shop, shirt, places, django_assert_max_num_queries
):
    mug = factories.sku("MUG")
    factories.stock(mug, places.bin2, 50)
    for n in range(12):
        place(shop, f"Q-{n}", (shirt if n < 5 else mug, 1), (mug, 1))
    # token, roles, count, page, lines; the same for 1 or 500 orders
    with django_assert_max_num_queries(5):
        assert len(api.get("/api/v1/orders/?page_size=50").json()["results"]) == 12
    order = Order.objects.first()
    with django_assert_max_num_queries(4):
        assert api.get(f"/api/v1/orders/{order.pk}/").status_code == 200
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/v1/pick-tasks/?page_size=50").json()["results"]) == 17
    with django_assert_max_num_queries(6):
        api.get("/api/v1/channels/SHOP/availability/")
