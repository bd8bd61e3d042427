"""Shopify's order webhooks (POST /api/v1/channels/{code}/webhooks/shopify/): signed deliveries
through the normal intake, repeats, bad signatures, cancellations in and out of order, orders
kept and retried, the channel page, and the same delivery five times at once (PostgreSQL).
The reconciliation pull is tests/channels/test_shopify_reconcile.py."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from channels.models import (
    Order,
    OrderStatus,
    PickTask,
    WebhookDelivery,
    WebhookOrder,
    WebhookOrderState,
)
from channels.services import channel_update, listing_create, order_ship, pick_task_confirm
from channels.tasks import webhook_orders_task
from inventory.models import WarehouseStock
from tests import factories
from tests.channels.helpers import make_channel
from tests.channels.webhook_helpers import (
    SECRET,
    body_of,
    post_shopify,
    shopify_channel,
    shopify_order,
    sign,
    written,
)
from tests.threads import run_together

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(warehouse, places):
    return shopify_channel(warehouse)


@pytest.fixture
def tee(places):
    sku = factories.sku("TEE-M")
    factories.stock(sku, places.bin1, 10)
    return sku


def available(sku) -> int:
    row = WarehouseStock.objects.get(sku=sku)
    return row.on_hand - row.reserved


# -- taken ------------------------------------------------------------------------------------


def test_a_signed_order_is_taken_through_the_intake(client, shop, tee):
    payload = shopify_order(("TEE-M", 2))
    response = post_shopify(client, shop.code, "orders/create", payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "taken"
    order = Order.objects.get(channel=shop)
    assert body["order"] == order.pk
    assert order.external_id == str(payload["id"])
    assert order.status == OrderStatus.RESERVED
    assert [(line.sku.code, line.quantity) for line in order.lines.all()] == [("TEE-M", 2)]
    assert available(tee) == 8
    delivery = WebhookDelivery.objects.get(channel=shop)
    assert (delivery.topic, delivery.outcome, delivery.external_id) == (
        "orders/create",
        "taken",
        str(payload["id"]),
    )
    row = WebhookOrder.objects.get(channel=shop)
    assert (row.state, row.order, row.name) == (WebhookOrderState.TAKEN, order, payload["name"])


def test_the_same_delivery_again_changes_nothing(client, shop, tee):
    payload = shopify_order(("TEE-M", 3))
    first = post_shopify(client, shop.code, "orders/create", payload)
    again = [post_shopify(client, shop.code, "orders/create", payload) for _ in range(4)]
    assert first.json()["outcome"] == "taken"
    assert [r.status_code for r in again] == [200] * 4
    assert {r.json()["outcome"] for r in again} == {"known"}
    assert {r.json()["order"] for r in again} == {first.json()["order"]}
    assert Order.objects.count() == 1
    assert available(tee) == 7  # reserved once
    assert WebhookDelivery.objects.count() == 5


def test_lines_match_by_sku_then_by_the_listing_of_the_variant(client, shop, tee, places):
    mug = factories.sku("MUG")
    factories.stock(mug, places.bin1, 5)
    cap = factories.sku("CAP")
    factories.stock(cap, places.bin1, 5)
    listing_create(channel=shop, sku=mug, external_id="44000000077")
    listing_create(channel=shop, sku=cap, external_id="gid://shopify/ProductVariant/44000000078")
    payload = shopify_order(
        ("TEE-M", 1),
        {"sku": "", "variant_id": 44000000077, "quantity": 2},  # no SKU on Shopify
        {"sku": "CAP-SHOPIFY-NAME", "variant_id": 44000000078, "quantity": 1},  # another SKU
    )
    assert post_shopify(client, shop.code, "orders/create", payload).json()["outcome"] == "taken"
    lines = Order.objects.get().lines.order_by("sku__code")
    assert [(line.sku.code, line.quantity) for line in lines] == [
        ("CAP", 1),
        ("MUG", 2),
        ("TEE-M", 1),
    ]


def test_gift_cards_are_left_out_and_an_order_of_only_them_is_not_taken(client, shop, tee):
    gift = {
        "sku": "",
        "name": "Gift card",
        "quantity": 1,
        "gift_card": True,
        "requires_shipping": False,
        "variant_id": 1,
    }
    mixed = shopify_order(("TEE-M", 1), gift)
    assert post_shopify(client, shop.code, "orders/create", mixed).json()["outcome"] == "taken"
    assert [line.sku.code for line in Order.objects.get().lines.all()] == ["TEE-M"]

    only = shopify_order(gift)
    answer = post_shopify(client, shop.code, "orders/create", only).json()
    assert answer["outcome"] == "ignored"
    assert "gift cards" in answer["detail"]
    assert Order.objects.count() == 1


def test_an_order_the_shop_fulfilled_itself_is_not_taken(client, shop, tee):
    payload = shopify_order(("TEE-M", 1), fulfillment_status="fulfilled")
    answer = post_shopify(client, shop.code, "orders/create", payload).json()
    assert answer["outcome"] == "ignored"
    assert "Fulfilled by the shop" in answer["detail"]
    assert Order.objects.count() == 0


# -- the door -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "how",
    ["missing", "wrong secret", "body changed", "garbage", "empty"],
)
def test_a_bad_or_missing_signature_is_401_and_writes_nothing(client, shop, tee, how):
    payload = shopify_order(("TEE-M", 1))
    body = body_of(payload)
    signature = {
        "missing": None,
        "wrong secret": sign(body, "another-secret"),
        "body changed": sign(body.replace(b'"quantity":1', b'"quantity":2')),
        "garbage": "not base64 at all ✓",
        "empty": "",
    }[how]
    response = post_shopify(
        client, shop.code, "orders/create", body, secret=None, signature=signature
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert "X-Shopify-Hmac-Sha256" in response.json()["detail"]
    assert written() == (0, 0, 0)
    assert available(tee) == 10


def test_a_channel_without_a_webhook_secret_refuses_everything(client, warehouse, tee):
    channel = shopify_channel(warehouse, code="NOSECRET", webhook_secret=None)
    assert "webhook_secret" not in channel.settings
    payload = shopify_order(("TEE-M", 1))
    response = post_shopify(client, channel.code, "orders/create", payload, secret="")
    assert response.status_code == 401
    assert "has no webhook_secret" in response.json()["detail"]
    assert written() == (0, 0, 0)


def test_an_unknown_channel_or_another_shop_is_404_in_words(client, warehouse, shop, tee):
    payload = shopify_order(("TEE-M", 1))
    unknown = post_shopify(client, "NOPE", "orders/create", payload)
    assert unknown.status_code == 404
    assert unknown.json() == {"code": "not_found", "detail": "There is no channel NOPE."}
    make_channel("HOOK", warehouse)  # a webhook channel
    woo = make_channel("WOO", warehouse, connector="woocommerce")
    for code in ("HOOK", woo.code):
        response = post_shopify(client, code, "orders/create", payload)
        assert response.status_code == 404
        assert (
            "takes Shopify's order webhooks, for Shopify channels only" in response.json()["detail"]
        )
    assert written() == (0, 0, 0)


def test_csrf_does_not_apply_and_other_methods_are_refused(shop, tee):
    strict = Client(enforce_csrf_checks=True)
    payload = shopify_order(("TEE-M", 1))
    assert post_shopify(strict, shop.code, "orders/create", payload).status_code == 200
    url = reverse("channel-webhook-shopify", args=[shop.code])
    assert strict.get(url).status_code == 405
    assert strict.put(url, data=b"{}", content_type="application/json").status_code == 405


def test_a_signed_body_that_is_not_an_order_is_400_in_words_and_logged(client, shop):
    for body, words in (
        (b"{not json", "is not JSON"),
        (b"[1, 2]", "not a Shopify order"),
        (json.dumps({"name": "#1"}).encode(), "has no id"),
        (json.dumps({"id": 5, "line_items": "many"}).encode(), "line_items"),
        (
            json.dumps({"id": 5, "line_items": [{"sku": "A", "quantity": "two"}]}).encode(),
            "not a whole number",
        ),
    ):
        response = post_shopify(client, shop.code, "orders/create", body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid"
        assert words in response.json()["detail"]
    assert set(WebhookDelivery.objects.values_list("outcome", flat=True)) == {"refused"}
    assert WebhookOrder.objects.count() == Order.objects.count() == 0


def test_a_topic_the_ims_does_not_take_is_answered_200_and_says_so(client, shop, tee):
    response = post_shopify(client, shop.code, "products/update", {"id": 1, "title": "Tee"})
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert "orders/create and orders/cancelled" in response.json()["detail"]
    assert WebhookDelivery.objects.get().topic == "products/update"


def test_over_real_http_the_raw_body_is_what_is_verified(live_server, warehouse, places):
    """Through a real HTTP server: the bytes as sent (non-ASCII, Shopify's spacing) are what
    the signature covers."""
    channel = shopify_channel(warehouse, code="LIVE")
    factories.stock(factories.sku("TEE-M"), places.bin1, 4)
    payload = shopify_order(("TEE-M", 1), note="Geschenk für Oma — bitte ohne Preis")
    body = json.dumps(payload, indent=1, ensure_ascii=False).encode()
    url = f"{live_server.url}/api/v1/channels/{channel.code}/webhooks/shopify/"

    def send(signature):
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Hmac-Sha256": signature,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    assert send(sign(body + b" "))[0] == 401
    status, answer = send(sign(body))
    assert (status, answer["outcome"]) == (200, "taken")
    assert Order.objects.get().external_id == str(payload["id"])


# -- cancelled ----------------------------------------------------------------------------------


def test_orders_cancelled_cancels_the_order_and_releases_its_units(client, shop, tee):
    payload = shopify_order(("TEE-M", 4))
    post_shopify(client, shop.code, "orders/create", payload)
    assert available(tee) == 6
    cancelled = {
        **payload,
        "cancelled_at": "2026-12-03T16:00:00+01:00",
        "cancel_reason": "customer",
    }
    answer = post_shopify(client, shop.code, "orders/cancelled", cancelled).json()
    assert answer["outcome"] == "cancelled"
    order = Order.objects.get()
    assert order.status == OrderStatus.CANCELLED
    assert "Cancelled on Shopify" in order.cancel_reason
    assert available(tee) == 10
    again = post_shopify(client, shop.code, "orders/cancelled", cancelled).json()
    assert again["outcome"] == "known"
    assert available(tee) == 10


def test_a_cancellation_before_its_order_means_the_late_create_is_not_taken(client, shop, tee):
    payload = shopify_order(("TEE-M", 2))
    cancelled = {**payload, "cancelled_at": "2026-12-03T16:00:00+01:00"}
    first = post_shopify(client, shop.code, "orders/cancelled", cancelled).json()
    assert first["outcome"] == "cancelled"
    assert "before the IMS took it" in first["detail"]
    # Shopify's orders/create for it arrives late, even more than once (its retries).
    for _ in range(2):
        late = post_shopify(client, shop.code, "orders/create", payload)
        assert late.status_code == 200
        assert late.json()["outcome"] == "ignored"
        assert "cancelled before this delivery" in late.json()["detail"]
    assert Order.objects.count() == 0
    assert available(tee) == 10
    assert WebhookOrder.objects.get().state == WebhookOrderState.CANCELLED
    webhook_orders_task()  # nothing kept: nothing retried
    assert Order.objects.count() == 0


def test_a_cancellation_after_shipping_releases_nothing_and_says_so(client, shop, tee):
    payload = shopify_order(("TEE-M", 1))
    post_shopify(client, shop.code, "orders/create", payload)
    order = Order.objects.get()
    picker = factories.user("picker", role="associate")
    for task in PickTask.objects.filter(order=order):
        pick_task_confirm(task=task, quantity=task.quantity, actor=picker)
    order_ship(order=Order.objects.get(pk=order.pk))
    answer = post_shopify(
        client,
        shop.code,
        "orders/cancelled",
        {**payload, "cancelled_at": "2026-12-03T16:00:00+01:00"},
    ).json()
    assert answer["outcome"] == "ignored"
    assert "after the IMS shipped it" in answer["detail"]
    assert Order.objects.get().status == OrderStatus.SHIPPED


# -- kept and retried -----------------------------------------------------------------------------


def test_an_unknown_sku_is_kept_answered_200_and_taken_once_the_sku_exists(client, shop, places):
    payload = shopify_order(("NEW-HOODIE", 1))
    response = post_shopify(client, shop.code, "orders/create", payload)
    assert response.status_code == 200
    assert response.json()["outcome"] == "kept"
    assert "SKU not in the IMS: NEW-HOODIE" in response.json()["detail"]
    row = WebhookOrder.objects.get()
    assert (row.state, row.reason) == ("kept", "SKU not in the IMS: NEW-HOODIE.")
    assert Order.objects.count() == 0

    page = _page(client, shop)
    assert "NEW-HOODIE" in page
    assert "could not take yet" in page

    assert webhook_orders_task() == 0  # still unknown: still kept, tried once more
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("kept", 2)

    hoodie = factories.sku("NEW-HOODIE")
    factories.stock(hoodie, places.bin1, 3)
    assert webhook_orders_task() == 1
    row.refresh_from_db()
    order = Order.objects.get()
    assert (row.state, row.order, row.lines) == ("taken", order, [])
    assert order.external_id == str(payload["id"])
    assert available(hoodie) == 2
    # Shopify retrying the delivery now finds the order.
    assert post_shopify(client, shop.code, "orders/create", payload).json()["outcome"] == "known"


def test_not_enough_stock_is_kept_then_taken_when_stock_arrives(client, shop, tee, places):
    payload = shopify_order(("TEE-M", 12))
    answer = post_shopify(client, shop.code, "orders/create", payload).json()
    assert answer["outcome"] == "kept"
    assert "Not enough stock for TEE-M (10 of 12 available)" in answer["detail"]
    assert available(tee) == 10  # nothing reserved
    factories.stock(tee, places.bin2, 2)
    assert webhook_orders_task() == 1
    assert available(tee) == 0
    assert Order.objects.get().lines.get().quantity == 12


def test_a_kept_order_cancelled_on_the_shop_stops_being_retried(client, shop):
    payload = shopify_order(("GHOST", 1))
    post_shopify(client, shop.code, "orders/create", payload)
    post_shopify(
        client,
        shop.code,
        "orders/cancelled",
        {**payload, "cancelled_at": "2026-12-03T16:00:00+01:00"},
    )
    row = WebhookOrder.objects.get()
    assert (row.state, row.reason, row.lines) == ("cancelled", "", [])
    factories.sku("GHOST")
    webhook_orders_task()
    assert Order.objects.count() == 0


def test_an_inactive_channel_keeps_its_orders_until_it_is_switched_on(client, shop, tee):
    channel_update(channel=shop, active=False)
    answer = post_shopify(client, shop.code, "orders/create", shopify_order(("TEE-M", 1))).json()
    assert answer["outcome"] == "kept"
    assert "not active" in answer["detail"]
    channel_update(channel=shop, active=True)
    assert webhook_orders_task() == 1


# -- the channel page ---------------------------------------------------------------------------


def _page(client, channel) -> str:
    admin = User.objects.filter(username="boss").first() or factories.user("boss", role="admin")
    client.force_login(admin)
    response = client.get(reverse("channel-detail", args=[channel.code]))
    assert response.status_code == 200
    client.logout()
    return response.content.decode()


def test_the_channel_page_shows_the_address_the_topics_and_the_last_webhook(client, shop, tee):
    page = _page(client, shop)
    assert f"http://testserver/api/v1/channels/{shop.code}/webhooks/shopify/" in page
    assert "orders/create" in page
    assert "orders/cancelled" in page
    assert "No signed webhook received yet." in page
    post_shopify(client, shop.code, "orders/create", shopify_order(("TEE-M", 1), name="#1042"))
    page = _page(client, shop)
    assert "Last webhook" in page
    assert "taken: Taken as IMS order" in page


def test_the_address_follows_ims_base_url_and_a_missing_secret_is_flagged(
    client, warehouse, settings
):
    settings.IMS_BASE_URL = "https://ims.example.com/"
    channel = shopify_channel(warehouse, code="BARE", webhook_secret=None)
    page = _page(client, channel)
    assert "https://ims.example.com/api/v1/channels/BARE/webhooks/shopify/" in page
    assert 'data-webhook="no-secret"' in page


def test_a_webhook_channel_page_has_no_webhook_panel(client, warehouse):
    page = _page(client, make_channel("HOOK", warehouse))
    assert 'aria-label="Order webhooks"' not in page


def test_the_webhook_secret_is_write_only(api, shop):
    body = api.get(f"/api/v1/channels/{shop.code}/").json()
    assert "webhook_secret" not in body["settings"]
    assert SECRET not in json.dumps(body)


# -- at once (PostgreSQL) -----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_five_times_at_once_makes_one_order(warehouse, places):
    shop = shopify_channel(warehouse)
    tee = factories.sku("TEE-M")
    factories.stock(tee, places.bin1, 10)
    payload = shopify_order(("TEE-M", 2))
    outcomes = run_together(
        *[lambda: post_shopify(Client(), shop.code, "orders/create", payload) for _ in range(5)]
    )
    assert [o.status_code for o in outcomes] == [200] * 5, outcomes
    assert Counter(o.json()["outcome"] for o in outcomes) == {"taken": 1, "known": 4}
    assert Order.objects.count() == 1
    assert available(tee) == 8
    assert {o.json()["order"] for o in outcomes} == {Order.objects.get().pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_create_and_cancel_at_once_never_leave_an_open_order(warehouse, places):
    shop = shopify_channel(warehouse)
    tee = factories.sku("TEE-M")
    factories.stock(tee, places.bin1, 50)
    for round_ in range(6):
        payload = shopify_order(("TEE-M", 1))
        cancelled = {**payload, "cancelled_at": "2026-12-03T16:00:00+01:00"}
        works = [lambda p=payload: post_shopify(Client(), shop.code, "orders/create", p)] * 3
        works += [lambda c=cancelled: post_shopify(Client(), shop.code, "orders/cancelled", c)] * 2
        outcomes = run_together(*works)
        assert all(o.status_code == 200 for o in outcomes), (round_, outcomes)
        order = Order.objects.filter(external_id=str(payload["id"])).first()
        assert order is None or order.status == OrderStatus.CANCELLED
        assert WebhookOrder.objects.get(external_id=str(payload["id"])).state == "cancelled"
    assert available(tee) == 50
