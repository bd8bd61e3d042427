"""WooCommerce's order webhooks (POST /api/v1/channels/{code}/webhooks/woocommerce/): the ping a
new webhook sends, order.created and order.updated through the normal intake, cancelled and
refunded updates, completed ones, bad signatures, orders kept and retried (always answered 200:
WooCommerce disables a webhook after 5 failed deliveries), out of order and at once."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter

import pytest
from django.test import Client

from channels.models import Order, OrderStatus, WebhookDelivery, WebhookOrder
from channels.services import listing_create
from channels.tasks import webhook_orders_task
from inventory.models import WarehouseStock
from tests import factories
from tests.channels.helpers import make_channel
from tests.channels.webhook_helpers import (
    SECRET,
    body_of,
    post_woo,
    sign,
    woo_channel,
    woo_order,
    written,
)
from tests.threads import run_together

pytestmark = pytest.mark.django_db


@pytest.fixture
def woo(warehouse, places):
    return woo_channel(warehouse)


@pytest.fixture
def tee(places):
    sku = factories.sku("TEE-M")
    factories.stock(sku, places.bin1, 10)
    return sku


def available(sku) -> int:
    row = WarehouseStock.objects.get(sku=sku)
    return row.on_hand - row.reserved


def ping(client, code, body=b"webhook_id=7"):
    # As WC_Webhook::deliver_ping sends it: a form body, no signature, no topic.
    return client.post(
        f"/api/v1/channels/{code}/webhooks/woocommerce/",
        data=body,
        content_type="application/x-www-form-urlencoded",
        HTTP_USER_AGENT="WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
    )


# -- the ping ----------------------------------------------------------------------------------


def test_the_ping_of_a_new_webhook_is_answered_200_and_writes_nothing(client, woo):
    response = ping(client, woo.code)
    assert response.status_code == 200  # WooCommerce keeps the webhook only on exactly 200
    assert "ping" in response.json()["detail"]
    assert written() == (0, 0, 0)


def test_a_ping_to_the_wrong_address_fails_so_the_admin_sees_it(client, warehouse, woo):
    assert ping(client, "NOPE").status_code == 404
    shop = make_channel("SHOPI", warehouse, connector="shopify")
    assert ping(client, shop.code).status_code == 404
    # Only the exact ping form passes unsigned.
    assert ping(client, woo.code, b"webhook_id=7&order=1").status_code == 401


# -- created and updated -------------------------------------------------------------------------


def test_a_processing_order_is_taken(client, woo, tee):
    payload = woo_order(("TEE-M", 2))
    response = post_woo(client, woo.code, "order.created", payload)
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "taken"
    order = Order.objects.get(channel=woo)
    assert order.external_id == str(payload["id"])
    assert [(line.sku.code, line.quantity) for line in order.lines.all()] == [("TEE-M", 2)]
    assert available(tee) == 8
    assert WebhookDelivery.objects.get().topic == "order.created"


def test_on_hold_is_taken_and_pending_waits_for_the_payment(client, woo, tee):
    held = woo_order(("TEE-M", 1), status="on-hold")
    assert post_woo(client, woo.code, "order.created", held).json()["outcome"] == "taken"

    pending = woo_order(("TEE-M", 3), status="pending")
    answer = post_woo(client, woo.code, "order.created", pending).json()
    assert answer["outcome"] == "ignored"
    assert "Awaiting payment" in answer["detail"]
    assert available(tee) == 9
    paid = {**pending, "status": "processing"}
    assert post_woo(client, woo.code, "order.updated", paid).json()["outcome"] == "taken"
    assert available(tee) == 6
    # More updates of a taken order (a note, a status WooCommerce moves on) change nothing.
    assert post_woo(client, woo.code, "order.updated", paid).json()["outcome"] == "known"
    assert Order.objects.count() == 2


def test_failed_payments_and_drafts_are_not_taken(client, woo, tee):
    for status in ("failed", "checkout-draft", "draft", "some-plugin-status"):
        answer = post_woo(client, woo.code, "order.created", woo_order(("TEE-M", 1), status=status))
        assert answer.json()["outcome"] == "ignored", status
    assert Order.objects.count() == 0
    assert available(tee) == 10


def test_a_variation_matches_the_listing_of_product_and_variation(client, woo, tee, places):
    mug = factories.sku("MUG-BLUE")
    factories.stock(mug, places.bin1, 4)
    listing_create(channel=woo, sku=mug, external_id="93/131")
    payload = woo_order(
        ("TEE-M", 1),
        {"sku": "", "product_id": 93, "variation_id": 131, "quantity": 2, "name": "Mug - Blue"},
    )
    assert post_woo(client, woo.code, "order.created", payload).json()["outcome"] == "taken"
    lines = Order.objects.get().lines.order_by("sku__code")
    assert [(line.sku.code, line.quantity) for line in lines] == [("MUG-BLUE", 2), ("TEE-M", 1)]


# -- cancelled, refunded, completed ----------------------------------------------------------------


@pytest.mark.parametrize("status", ["cancelled", "refunded"])
def test_cancelled_or_refunded_cancels_the_order(client, woo, tee, status):
    payload = woo_order(("TEE-M", 4))
    post_woo(client, woo.code, "order.created", payload)
    assert available(tee) == 6
    answer = post_woo(client, woo.code, "order.updated", {**payload, "status": status}).json()
    assert answer["outcome"] == "cancelled"
    order = Order.objects.get()
    assert order.status == OrderStatus.CANCELLED
    assert f"Cancelled on WooCommerce ({status})" in order.cancel_reason
    assert available(tee) == 10


def test_completed_ships_nothing_here(client, woo, tee):
    payload = woo_order(("TEE-M", 2))
    post_woo(client, woo.code, "order.created", payload)
    answer = post_woo(client, woo.code, "order.updated", {**payload, "status": "completed"})
    assert answer.status_code == 200
    assert answer.json()["outcome"] == "known"
    order = Order.objects.get()
    assert order.status == OrderStatus.RESERVED  # the IMS ships through its own picks
    assert available(tee) == 8
    assert WarehouseStock.objects.get(sku=tee).on_hand == 10


def test_completed_before_the_ims_took_it_is_not_taken(client, woo, tee):
    answer = post_woo(
        client, woo.code, "order.created", woo_order(("TEE-M", 1), status="completed")
    )
    assert answer.json()["outcome"] == "ignored"
    assert "Completed on the shop" in answer.json()["detail"]
    assert Order.objects.count() == 0


def test_cancelled_before_created_is_never_taken(client, woo, tee):
    payload = woo_order(("TEE-M", 2))
    first = post_woo(client, woo.code, "order.updated", {**payload, "status": "cancelled"})
    assert first.json()["outcome"] == "cancelled"
    for topic in ("order.created", "order.updated"):
        late = post_woo(client, woo.code, topic, payload)
        assert late.status_code == 200
        assert late.json()["outcome"] == "ignored"
    assert Order.objects.count() == 0
    assert available(tee) == 10
    assert WebhookOrder.objects.get().shop_state == "cancelled"


# -- the door ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "how", ["missing", "wrong secret", "body changed", "hex instead of base64"]
)
def test_a_bad_or_missing_signature_is_401_and_writes_nothing(client, woo, tee, how):
    body = body_of(woo_order(("TEE-M", 1)))
    signature = {
        "missing": None,
        "wrong secret": sign(body, "cs_test"),  # the REST secret is not the webhook's
        "body changed": sign(body + b"\n"),
        "hex instead of base64": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
    }[how]
    response = post_woo(client, woo.code, "order.created", body, secret=None, signature=signature)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert "X-WC-Webhook-Signature" in response.json()["detail"]
    assert written() == (0, 0, 0)
    assert available(tee) == 10


def test_other_topics_are_answered_200_so_the_webhook_stays_active(client, woo):
    for topic in ("order.deleted", "order.restored", "product.updated"):
        response = post_woo(client, woo.code, topic, {"id": 55})
        assert response.status_code == 200
        assert response.json()["outcome"] == "ignored"
    assert "order.created and order.updated" in WebhookDelivery.objects.first().detail


# -- kept and retried ------------------------------------------------------------------------------


def test_five_orders_it_cannot_take_are_all_answered_200_and_kept(client, woo, tee):
    """WooCommerce disables a webhook after 5 failed deliveries in a row: an order the IMS
    can't take is not a failed delivery."""
    answers = [
        post_woo(client, woo.code, "order.created", woo_order((f"UNKNOWN-{n}", 1)))
        for n in range(6)
    ]
    assert [a.status_code for a in answers] == [200] * 6
    assert {a.json()["outcome"] for a in answers} == {"kept"}
    assert WebhookOrder.objects.filter(state="kept").count() == 6


def test_an_unknown_sku_is_kept_then_taken_once_its_listing_exists(client, woo, places):
    payload = woo_order(
        {"sku": "", "product_id": 501, "variation_id": 0, "quantity": 2, "name": "Linen apron"}
    )
    answer = post_woo(client, woo.code, "order.created", payload).json()
    assert answer["outcome"] == "kept"
    assert "'Linen apron' with no SKU (id 501)" in answer["detail"]
    apron = factories.sku("APRON")
    factories.stock(apron, places.bin1, 2)
    assert webhook_orders_task() == 0  # a SKU alone is not enough: nothing says it's product 501
    listing_create(channel=woo, sku=apron, external_id="501")
    assert webhook_orders_task() == 1
    assert Order.objects.get().lines.get().sku == apron
    assert available(apron) == 0


def test_not_enough_stock_is_kept_then_taken_and_a_cancel_meanwhile_wins(client, woo, tee, places):
    short = woo_order(("TEE-M", 11))
    gone = woo_order(("TEE-M", 20))
    for payload in (short, gone):
        assert post_woo(client, woo.code, "order.created", payload).json()["outcome"] == "kept"
    post_woo(client, woo.code, "order.updated", {**gone, "status": "cancelled"})
    factories.stock(tee, places.bin2, 30)
    assert webhook_orders_task() == 1
    assert list(Order.objects.values_list("external_id", flat=True)) == [str(short["id"])]
    assert available(tee) == 29


def test_a_kept_order_updated_with_new_lines_is_retried_with_them(client, woo, tee):
    payload = woo_order(("TEE-M", 50))
    assert post_woo(client, woo.code, "order.created", payload).json()["outcome"] == "kept"
    edited = {**payload, "line_items": [{**payload["line_items"][0], "quantity": 5}]}
    assert post_woo(client, woo.code, "order.updated", edited).json()["outcome"] == "taken"
    assert Order.objects.get().lines.get().quantity == 5


# -- at once (PostgreSQL) --------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_five_times_at_once_makes_one_order(warehouse, places):
    woo = woo_channel(warehouse)
    tee = factories.sku("TEE-M")
    factories.stock(tee, places.bin1, 10)
    payload = woo_order(("TEE-M", 3))
    outcomes = run_together(
        *[lambda: post_woo(Client(), woo.code, "order.created", payload) for _ in range(5)]
    )
    assert [o.status_code for o in outcomes] == [200] * 5
    assert Counter(o.json()["outcome"] for o in outcomes) == {"taken": 1, "known": 4}
    assert Order.objects.count() == 1
    assert available(tee) == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_orders_for_the_last_units_at_once_reserve_exactly_the_stock(warehouse, places):
    woo = woo_channel(warehouse)
    tee = factories.sku("TEE-M")
    factories.stock(tee, places.bin1, 4)
    payloads = [woo_order(("TEE-M", 1)) for _ in range(8)]
    outcomes = run_together(
        *[lambda p=p: post_woo(Client(), woo.code, "order.created", p) for p in payloads]
    )
    assert [o.status_code for o in outcomes] == [200] * 8
    assert Counter(o.json()["outcome"] for o in outcomes) == {"taken": 4, "kept": 4}
    assert available(tee) == 0
    factories.stock(tee, places.bin1, 4)
    assert webhook_orders_task() == 4
    assert Order.objects.count() == 8


def test_the_channel_page_shows_the_address_topics_and_kept_orders(client, woo):
    post_woo(client, woo.code, "order.created", woo_order(("NOT-HERE", 1), number="2044"))
    client.force_login(factories.user("boss", role="admin"))
    page = client.get(f"/orders/channels/{woo.code}/").content.decode()
    assert f"http://testserver/api/v1/channels/{woo.code}/webhooks/woocommerce/" in page
    assert "order.created" in page
    assert "order.updated" in page
    assert "#2044" in page
    assert "SKU not in the IMS: NOT-HERE." in page
