"""Test connection for Shopify: one query reads the store, the token's scopes and the channel's
location; then the listings handed in are looked up, and each thing that can be wrong is said in
words. Scopes: write_inventory (inventorySetQuantities; it includes read_inventory, which the
lookups need), read_locations (the location's name and state) and read_orders (the order pull).
Shopify lists a write_ scope without its read_ one, so a write_ scope counts for both."""

from __future__ import annotations

from channels.connectors import shopify_items
from channels.connectors.shopify_graphql import (
    DEFAULT_API_VERSION,
    Answer,
    ShopifyAdmin,
    graphql_error,
)

REQUIRED_SCOPES = ("write_inventory", "read_inventory", "read_locations", "read_orders")
CHECK_COST = 10

CHECK = """
query Check($location: ID!) {
  shop { name myshopifyDomain }
  currentAppInstallation { accessScopes { handle } }
  location(id: $location) { id name isActive }
}"""


def answer_problem(connector, admin: ShopifyAdmin, answer: Answer) -> str:
    """What the CHECK answer says is wrong (version, scopes, location) in words; "" if nothing."""
    if answer.version != admin.version:
        return (
            f"Shopify no longer serves API version {admin.version} (it answered with "
            f"{answer.version}): set api_version to {DEFAULT_API_VERSION} or another "
            "supported version."
        )
    installation = answer.data.get("currentAppInstallation") or {}
    granted = {scope["handle"] for scope in installation.get("accessScopes") or []}
    lacking = [scope for scope in REQUIRED_SCOPES if not _granted(scope, granted)]
    if lacking:
        return (
            f"The access token lacks the {', '.join(lacking)} scope"
            f"{'s' if len(lacking) > 1 else ''}: give the app write_inventory, "
            "read_inventory, read_locations and read_orders (Admin API access scopes), "
            "install it again and use its new access token."
        )
    if answer.errors:
        return graphql_error(answer.errors).detail
    location = answer.data.get("location")
    if location is None:
        return (
            f"Shopify knows no location {connector.location_gid()}: check location_id (in the "
            "Shopify admin, Settings → Locations: the number at the end of its address)."
        )
    if location.get("isActive") is False:
        return f"Shopify location '{location['name']}' is deactivated: use an active one."
    return ""


def missing_listings(connector, admin: ShopifyAdmin, listings: list[tuple[str, str]]) -> list:
    """(SKU, why) for each listing Shopify has no single inventory item for."""
    direct = {
        sku: gid
        for sku, external_id in listings
        if (gid := shopify_items.inventory_item_gid(external_id))
    }
    by_sku = [sku for sku, _ in listings if sku not in direct]
    known = shopify_items.existing(admin, sorted(set(direct.values()))) if direct else set()
    found = shopify_items.lookup(admin, by_sku) if by_sku else {}
    shopify_items.remember(
        connector.channel, admin.shop, {sku: ids[0] for sku, ids in found.items() if len(ids) == 1}
    )
    missing = []
    for sku, _ in listings:
        if sku in direct:
            if direct[sku] not in known:
                missing.append((sku, f"no inventory item {direct[sku]}"))
        elif not found.get(sku):
            missing.append((sku, "no inventory item with this SKU"))
        elif len(found[sku]) > 1:
            missing.append((sku, f"{len(found[sku])} inventory items have this SKU"))
    return missing


def _granted(scope: str, granted: set[str]) -> bool:
    """A write_ scope includes its read_ scope (Shopify lists only the write one)."""
    return scope in granted or (
        scope.startswith("read_") and f"write_{scope[len('read_') :]}" in granted
    )
