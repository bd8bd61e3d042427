"""Shopify's order webhooks: `orders/create` and `orders/cancelled` (header `X-Shopify-Topic`),
the order as Shopify's REST resource in the body, signed with `X-Shopify-Hmac-Sha256` (base64
HMAC-SHA256 of the raw body with the app's client secret, or with the key the shop's
Settings → Notifications → Webhooks page shows for subscriptions made there).

The IMS order's external id is the order's `id` (a number; the order's GraphQL id ends with it).
An order is taken when it is created, paid or not (Shopify itself commits the stock then); one
the shop has already fulfilled (a point-of-sale sale) is not the IMS's to ship."""

from __future__ import annotations

from channels.webhooks.lines import (
    CANCELLED,
    OPEN,
    OTHER,
    PayloadError,
    ShopLine,
    ShopOrder,
    shop_id,
)

NAME = "shopify"
LABEL = "Shopify"
TOPIC_HEADER = "X-Shopify-Topic"
SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
TOPICS = ("orders/create", "orders/cancelled")


def order_of(topic: str, payload) -> ShopOrder | None:
    """The order a delivery of `topic` is about; None for a topic the IMS does not take."""
    if topic not in TOPICS:
        return None
    if not isinstance(payload, dict):
        raise PayloadError("The body is not a Shopify order (a JSON object).")
    external_id = shop_id(payload.get("id"))
    if external_id is None:
        raise PayloadError("The order has no id.")
    name = str(payload.get("name") or "")[:100]
    if topic == "orders/cancelled" or payload.get("cancelled_at"):
        return ShopOrder(external_id, CANCELLED, "cancelled", name=name)
    lines = tuple(_line(item) for item in _items(payload))
    if str(payload.get("fulfillment_status") or "") == "fulfilled":
        why = "Fulfilled by the shop itself (e.g. a point-of-sale sale): nothing to ship here."
        return ShopOrder(external_id, OTHER, "fulfilled", lines, name, why)
    state = str(payload.get("financial_status") or "open")[:40]
    return ShopOrder(external_id, OPEN, state, lines, name)


def variant_ids(variant_id: str, inventory_item_id: str = "") -> tuple[str, ...]:
    """The ids a listing of the variant may hold: the variant's or its inventory item's, as a
    number or as a GraphQL id (the REST connector stores the inventory item's number)."""
    ids = []
    if variant_id:
        ids += [variant_id, f"gid://shopify/ProductVariant/{variant_id}"]
    if inventory_item_id:
        ids += [inventory_item_id, f"gid://shopify/InventoryItem/{inventory_item_id}"]
    return tuple(ids)


def _items(payload: dict) -> list[dict]:
    items = payload.get("line_items")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise PayloadError("The order's line_items are not a list of lines.")
    return items


def _line(item: dict) -> ShopLine:
    # `current_quantity` is what is left after edits and removals; older payloads only have
    # `quantity` (what was ordered).
    quantity = item.get("current_quantity", item.get("quantity"))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise PayloadError(f"Line {item.get('id')}: the quantity is not a whole number.")
    ships = bool(item.get("requires_shipping", True)) and not item.get("gift_card")
    return ShopLine(
        sku=str(item.get("sku") or "").strip()[:64],
        quantity=quantity,
        ids=variant_ids(shop_id(item.get("variant_id")) or ""),
        ships=ships,
        name=str(item.get("name") or item.get("title") or "")[:100],
    )
