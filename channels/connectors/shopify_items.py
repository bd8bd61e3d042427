"""Which Shopify inventory item a listing is: its external id when that is one, else the item
whose SKU is the listing's SKU, looked up in bulk and cached per channel.

Lookups use the `inventoryItems` query with Shopify's search syntax (`sku:"A" OR sku:"B"`, each
value quoted, `\\` and `"` escaped), up to LOOKUP_SKUS SKUs a query; a search term may match
more than the exact SKU, so the answers are filtered by exact SKU and a second page is read when
Shopify says there is one. A SKU that two inventory items carry is ambiguous and is not guessed.

The cache (Django's: Redis when REDIS_URL is set, else the database or, in development, the
process) maps (channel, shop, SKU) to the item's id for CACHE_SECONDS. An id Shopify no longer
knows (INVALID_INVENTORY_ITEM) is forgotten and looked up again by the push (shopify.py), so a
variant deleted and made again is found; a SKU not found is never cached, so one added to
Shopify later is found by the next push.
"""

from __future__ import annotations

import hashlib
import logging
import re

from django.core.cache import cache

from channels.connectors.shopify_graphql import ShopifyAdmin

logger = logging.getLogger(__name__)

LOOKUP_SKUS = 100  # SKUs per lookup query: a search string of a few kB
LOOKUP_PAGES = 3  # pages read per lookup before the rest counts as not found
CACHE_SECONDS = 12 * 3600
_GID = re.compile(r"^gid://shopify/InventoryItem/(\d+)$")

BY_SKU = """
query InventoryItemsBySku($query: String!, $first: Int!, $after: String) {
  inventoryItems(first: $first, after: $after, query: $query) {
    nodes { id sku }
    pageInfo { hasNextPage endCursor }
  }
}"""

BY_ID = """
query InventoryItemsById($ids: [ID!]!) {
  nodes(ids: $ids) { id ... on InventoryItem { sku } }
}"""


def inventory_item_gid(external_id: str) -> str | None:
    """gid://shopify/InventoryItem/<n> for an external id that names one (the gid or the bare
    number), else None (the listing is then found by its SKU)."""
    value = (external_id or "").strip()
    match = _GID.match(value)
    number = match.group(1) if match else value
    if number.isdigit() and int(number) > 0:
        return f"gid://shopify/InventoryItem/{int(number)}"
    return None


def search_query(skus: list[str]) -> str:
    return " OR ".join(f'sku:"{_escape(sku)}"' for sku in skus)


def lookup(
    admin: ShopifyAdmin, skus: list[str], found: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """SKU -> the ids of the inventory items carrying exactly that SKU (absent: none). Pass
    `found` to keep what earlier queries found when a later one fails (throttled)."""
    found = {} if found is None else found
    for start in range(0, len(skus), LOOKUP_SKUS):
        chunk = skus[start : start + LOOKUP_SKUS]
        wanted = set(chunk)
        first = min(250, 2 * len(chunk))
        after = None
        for _ in range(LOOKUP_PAGES):
            variables = {"query": search_query(chunk), "first": first, "after": after}
            page = admin.run(BY_SKU, variables, cost=first + 3).data["inventoryItems"]
            for node in page["nodes"]:
                if node.get("sku") in wanted and node["id"] not in found.get(node["sku"], []):
                    found.setdefault(node["sku"], []).append(node["id"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    return found


def existing(admin: ShopifyAdmin, ids: list[str]) -> set[str]:
    """The ones of `ids` that are inventory items Shopify knows."""
    known: set[str] = set()
    for start in range(0, len(ids), 250):
        chunk = ids[start : start + 250]
        nodes = admin.run(BY_ID, {"ids": chunk}, cost=len(chunk)).data["nodes"]
        known |= {node["id"] for node in nodes if isinstance(node, dict) and node.get("id")}
    return known


# -- the cache -------------------------------------------------------------------------------


def cached(channel, shop: str, skus: list[str]) -> dict[str, str]:
    keys = {_key(channel, shop, sku): sku for sku in skus}
    try:
        hits = cache.get_many(list(keys))
    except Exception:  # a cache that is down costs lookups, never a push
        logger.warning("Shopify inventory item ids unreadable from the cache", exc_info=True)
        return {}
    return {keys[key]: value for key, value in hits.items() if isinstance(value, str)}


def remember(channel, shop: str, ids: dict[str, str]) -> None:
    if not ids:
        return
    try:
        cache.set_many({_key(channel, shop, sku): gid for sku, gid in ids.items()}, CACHE_SECONDS)
    except Exception:
        logger.warning("Shopify inventory item ids not written to the cache", exc_info=True)


def forget(channel, shop: str, skus: list[str]) -> None:
    if not skus:
        return
    try:
        cache.delete_many([_key(channel, shop, sku) for sku in skus])
    except Exception:
        logger.warning("Shopify inventory item ids not removed from the cache", exc_info=True)


def _key(channel, shop: str, sku: str) -> str:
    # Hashed: SKUs may hold characters a cache key can't (memcached refuses spaces).
    digest = hashlib.sha256(f"{shop}\0{sku}".encode()).hexdigest()[:40]
    return f"ims:shopify:item:{channel.pk or channel.code}:{digest}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
