"""WooCommerce's order webhooks: `order.created` and `order.updated` (header
`X-WC-Webhook-Topic`), the order as the REST API v3 shows it in the body, signed with
`X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the raw body with the webhook's secret).

WooCommerce commits stock when an order is paid or put on hold, so the IMS takes orders in
`processing` and `on-hold`; `cancelled` and `refunded` cancel the IMS order (its units go back);
`completed` changes nothing here (the IMS ships through its own picks); `pending` and `failed`
(awaiting or failed payment) and drafts are not taken yet — the update that makes them
`processing` is. Saving an active webhook makes WooCommerce send an unsigned ping
(`webhook_id=<n>` as a form body) and keep the webhook only if the answer is 200."""

from __future__ import annotations

import re

from channels.webhooks.lines import (
    CANCELLED,
    OPEN,
    OTHER,
    PayloadError,
    ShopLine,
    ShopOrder,
    shop_id,
)

NAME = "woocommerce"
LABEL = "WooCommerce"
TOPIC_HEADER = "X-WC-Webhook-Topic"
SIGNATURE_HEADER = "X-WC-Webhook-Signature"
TOPICS = ("order.created", "order.updated")

TAKEN_STATUSES = {"processing", "on-hold"}
CANCELLING_STATUSES = {"cancelled", "refunded"}
NOT_YET = {
    "pending": "Awaiting payment on the shop: taken once it is paid (processing) or on hold.",
    "failed": "Payment failed on the shop: taken once it is paid (processing) or on hold.",
    "completed": "Completed on the shop before the IMS took it: nothing to ship here.",
    "draft": "A draft on the shop: taken once it is placed.",
    "checkout-draft": "A checkout in progress on the shop: taken once it is placed.",
}
_PING = re.compile(rb"^webhook_id=\d+$")


def is_ping(body: bytes) -> bool:
    """WooCommerce's test delivery when a webhook is saved active: `webhook_id=<n>`, unsigned."""
    return bool(_PING.match(body.strip()))


def order_of(topic: str, payload) -> ShopOrder | None:
    """The order a delivery of `topic` is about; None for a topic the IMS does not take."""
    if topic not in TOPICS:
        return None
    if not isinstance(payload, dict):
        raise PayloadError("The body is not a WooCommerce order (a JSON object).")
    external_id = shop_id(payload.get("id"))
    if external_id is None:
        raise PayloadError("The order has no id.")
    status = str(payload.get("status") or "").strip().lower()[:40]
    if not status:
        raise PayloadError("The order has no status.")
    name = f"#{payload.get('number') or external_id}"[:100]
    if status in CANCELLING_STATUSES:
        return ShopOrder(external_id, CANCELLED, status, name=name)
    lines = tuple(_line(item) for item in _items(payload))
    if status in TAKEN_STATUSES:
        return ShopOrder(external_id, OPEN, status, lines, name)
    why = NOT_YET.get(status, f"Status '{status}' on the shop: not taken.")
    return ShopOrder(external_id, OTHER, status, lines, name, why)


def listing_ids(product_id: str | None, variation_id: str | None) -> tuple[str, ...]:
    """The ids a listing of the item may hold (channels.connectors.woocommerce): "<product>",
    or "<product>/<variation>" for a variation."""
    if not product_id:
        return ()
    if variation_id:
        return (f"{product_id}/{variation_id}",)
    return (product_id,)


def _items(payload: dict) -> list[dict]:
    items = payload.get("line_items")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise PayloadError("The order's line_items are not a list of lines.")
    return items


def _line(item: dict) -> ShopLine:
    quantity = item.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise PayloadError(f"Line {item.get('id')}: the quantity is not a whole number.")
    return ShopLine(
        sku=str(item.get("sku") or "").strip()[:64],
        quantity=quantity,
        ids=listing_ids(shop_id(item.get("product_id")), shop_id(item.get("variation_id"))),
        name=str(item.get("name") or "")[:100],
    )
