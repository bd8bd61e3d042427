"""Builders for the order webhook tests: Shopify and WooCommerce channels, their order payloads
as the shops send them, and deliveries signed as the shops sign them (base64 HMAC-SHA256 of the
raw body), posted through Django's test client or over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json

from channels.models import Order, WebhookDelivery, WebhookOrder
from tests.channels.helpers import make_channel

SECRET = "whsec_7d2e0c1f9a4b"
_ids = itertools.count(820_982_911_946_154_508)


def sign(body: bytes, secret: str = SECRET) -> str:
    """Computed here independently of the code under test (channels.webhooks.signature)."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _settings(base: dict, changes: dict) -> dict:
    """`base` with `changes`; a change to None leaves the setting out."""
    merged = {**base, **changes}
    return {name: value for name, value in merged.items() if value is not None}


def shopify_channel(warehouse, code="SHOPI", **settings):
    base = {
        "access_token": "shpat_test",
        "location_id": "gid://shopify/Location/1",
        "webhook_secret": SECRET,
    }
    return make_channel(
        code,
        warehouse,
        connector="shopify",
        endpoint_url="http://127.0.0.1:9",
        settings=_settings(base, settings),
    )


def woo_channel(warehouse, code="WOO", **settings):
    return make_channel(
        code,
        warehouse,
        connector="woocommerce",
        endpoint_url="http://127.0.0.1:9",
        settings=_settings(
            {"consumer_key": "ck_test", "consumer_secret": "cs_test", "webhook_secret": SECRET},
            settings,
        ),
    )


def shopify_order(*lines, order_id: int | None = None, **fields) -> dict:
    """A Shopify order resource as orders/create sends it; lines are (sku, quantity) pairs or
    dicts of line item fields."""
    order_id = order_id or next(_ids)
    items = []
    for index, line in enumerate(lines, start=1):
        if isinstance(line, dict):
            item = line
        else:
            sku, quantity = line
            item = {"sku": sku, "quantity": quantity}
        items.append(
            {
                "id": order_id * 10 + index,
                "variant_id": 44_000_000_000 + index,
                "product_id": 8_000_000_000 + index,
                "name": f"Item {item.get('sku') or index}",
                "title": f"Item {item.get('sku') or index}",
                "current_quantity": item.get("quantity"),
                "fulfillable_quantity": item.get("quantity"),
                "requires_shipping": True,
                "gift_card": False,
                "price": "12.50",
                **item,
            }
        )
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{order_id % 10000}",
        "email": "buyer@example.com",
        "created_at": "2026-12-03T15:04:05+01:00",
        "updated_at": "2026-12-03T15:04:05+01:00",
        "cancelled_at": None,
        "financial_status": "paid",
        "fulfillment_status": None,
        "currency": "EUR",
        "line_items": items,
        **fields,
    }


def woo_order(*lines, order_id: int | None = None, status: str = "processing", **fields) -> dict:
    """A WooCommerce order as the REST API v3 shows it (the webhook's body); lines are (sku,
    quantity) pairs or dicts of line item fields."""
    order_id = order_id or next(_ids) % 100_000
    items = []
    for index, line in enumerate(lines, start=1):
        item = line if isinstance(line, dict) else {"sku": line[0], "quantity": line[1]}
        items.append(
            {
                "id": order_id * 10 + index,
                "name": f"Item {item.get('sku') or index}",
                "product_id": 90 + index,
                "variation_id": 0,
                "tax_class": "",
                "subtotal": "12.50",
                "total": "12.50",
                "price": 12.5,
                "meta_data": [],
                **item,
            }
        )
    return {
        "id": order_id,
        "parent_id": 0,
        "number": str(order_id),
        "order_key": f"wc_order_{order_id}",
        "created_via": "checkout",
        "status": status,
        "currency": "EUR",
        "date_created": "2026-12-03T15:04:05",
        "date_modified": "2026-12-03T15:04:05",
        "total": "25.00",
        "billing": {"email": "buyer@example.com"},
        "line_items": items,
        "shipping_lines": [],
        "fee_lines": [],
        "refunds": [],
        **fields,
    }


def body_of(payload) -> bytes:
    # Both shops send compact JSON; the signature covers exactly these bytes.
    if isinstance(payload, bytes):
        return payload
    return json.dumps(payload, separators=(",", ":")).encode()


def post_shopify(client, code, topic, payload, *, secret=SECRET, signature=None, headers=None):
    body = body_of(payload)
    extra = {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": "ims-test.myshopify.com",
        "HTTP_X_SHOPIFY_API_VERSION": "2026-10",
        "HTTP_X_SHOPIFY_WEBHOOK_ID": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    }
    if signature is None and secret is not None:
        signature = sign(body, secret)
    if signature is not None:
        extra["HTTP_X_SHOPIFY_HMAC_SHA256"] = signature
    extra.update(headers or {})
    return client.post(
        f"/api/v1/channels/{code}/webhooks/shopify/",
        data=body,
        content_type="application/json",
        **extra,
    )


def post_woo(client, code, topic, payload, *, secret=SECRET, signature=None, headers=None):
    body = body_of(payload)
    resource, _, event = topic.partition(".")
    extra = {
        "HTTP_X_WC_WEBHOOK_SOURCE": "https://shop.example.com/",
        "HTTP_X_WC_WEBHOOK_TOPIC": topic,
        "HTTP_X_WC_WEBHOOK_RESOURCE": resource,
        "HTTP_X_WC_WEBHOOK_EVENT": event,
        "HTTP_X_WC_WEBHOOK_ID": "7",
        "HTTP_X_WC_WEBHOOK_DELIVERY_ID": "4f1e8c2d9b7a6e5f",
        "HTTP_USER_AGENT": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
    }
    if signature is None and secret is not None:
        signature = sign(body, secret)
    if signature is not None:
        extra["HTTP_X_WC_WEBHOOK_SIGNATURE"] = signature
    extra.update(headers or {})
    return client.post(
        f"/api/v1/channels/{code}/webhooks/woocommerce/",
        data=body,
        content_type="application/json",
        **extra,
    )


def written() -> tuple[int, int, int]:
    """(webhook deliveries, webhook orders, orders) in the database."""
    return WebhookDelivery.objects.count(), WebhookOrder.objects.count(), Order.objects.count()
