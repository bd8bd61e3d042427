"""The part of Shopify's GraphQL Admin API schema the IMS uses, per version, with the values and
messages Shopify documents for it (shopify.dev, GraphQL Admin API reference), for the fake
(shopify.py)."""

from __future__ import annotations

import base64
import re

from graphql import GraphQLError

SUPPORTED_VERSIONS = ("2026-01", "2026-04", "2026-07", "2026-10")
MAX_QUERY_COST = 1000
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"
REASONS = frozenset(
    {
        "correction",
        "cycle_count_available",
        "damaged",
        "movement_canceled",
        "movement_created",
        "movement_received",
        "movement_updated",
        "other",
        "promotion",
        "quality_control",
        "received",
        "reservation_created",
        "reservation_deleted",
        "reservation_updated",
        "restock",
        "safety_stock",
        "shrinkage",
    }
)
# InventorySetQuantitiesUserErrorCode's descriptions, as the messages of its userErrors.
USER_ERROR_MESSAGES = {
    "CHANGE_FROM_QUANTITY_STALE": "The changeFromQuantity value does not match persisted value.",
    "COMPARE_QUANTITY_REQUIRED": "The compareQuantity argument must be given to each quantity "
    "or ignored using ignoreCompareQuantity.",
    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH": "The same idempotency key cannot be used with "
    "different operation parameters.",
    "INVALID_INVENTORY_ITEM": "The specified inventory item could not be found.",
    "INVALID_LOCATION": "The specified location could not be found.",
    "INVALID_NAME": "The quantity name must be either 'available' or 'on_hand'.",
    "INVALID_QUANTITY_NEGATIVE": "The quantity can't be negative.",
    "INVALID_QUANTITY_TOO_HIGH": "The total quantity can't be higher than 1,000,000,000.",
    "INVALID_REASON": "The specified reason is invalid.",
    "INVALID_REFERENCE_DOCUMENT": "The specified reference document is invalid.",
    "ITEM_NOT_STOCKED_AT_LOCATION": "The specified inventory item is not stocked at the location.",
    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR": "The combination of inventoryItemId and "
    "locationId must be unique.",
}


def schema_sdl(version: str) -> str:
    """changeFromQuantity and @idempotent from 2026-01; compareQuantity and
    ignoreCompareQuantity (deprecated by changeFromQuantity) gone from 2027-01."""
    cas = version >= "2026-01"
    legacy_compare = version < "2027-01"
    return SDL.format(
        idempotent="directive @idempotent(key: String!) on FIELD" if cas else "",
        change_from="changeFromQuantity: Int" if cas else "",
        compare="compareQuantity: Int" if legacy_compare else "",
        ignore_compare="ignoreCompareQuantity: Boolean" if legacy_compare else "",
    )


SDL = """
{idempotent}
interface Node {{ id: ID! }}
type Query {{
  shop: Shop!
  currentAppInstallation: AppInstallation!
  location(id: ID): Location
  inventoryItems(first: Int, after: String, last: Int, before: String, query: String,
                 reverse: Boolean): InventoryItemConnection!
  productVariants(first: Int, after: String, last: Int, before: String, query: String,
                  reverse: Boolean): ProductVariantConnection!
  nodes(ids: [ID!]!): [Node]!
}}
type Mutation {{
  inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
}}
type Shop {{ id: ID! name: String! myshopifyDomain: String! }}
type AppInstallation {{ id: ID! accessScopes: [AccessScope!]! }}
type AccessScope {{ handle: String! description: String! }}
type Location implements Node {{ id: ID! name: String! isActive: Boolean! }}
type InventoryItem implements Node {{ id: ID! sku: String tracked: Boolean! }}
type ProductVariant implements Node {{ id: ID! sku: String inventoryItem: InventoryItem! }}
type PageInfo {{
  hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String
}}
type InventoryItemConnection {{
  nodes: [InventoryItem!]! edges: [InventoryItemEdge!]! pageInfo: PageInfo!
}}
type InventoryItemEdge {{ cursor: String! node: InventoryItem! }}
type ProductVariantConnection {{
  nodes: [ProductVariant!]! edges: [ProductVariantEdge!]! pageInfo: PageInfo!
}}
type ProductVariantEdge {{ cursor: String! node: ProductVariant! }}
input InventorySetQuantitiesInput {{
  name: String!
  reason: String!
  referenceDocumentUri: String
  quantities: [InventoryQuantityInput!]!
  {ignore_compare}
}}
input InventoryQuantityInput {{
  inventoryItemId: ID!
  locationId: ID!
  quantity: Int!
  {change_from}
  {compare}
}}
type InventorySetQuantitiesPayload {{
  inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [InventorySetQuantitiesUserError!]!
}}
type InventoryAdjustmentGroup {{
  id: ID! createdAt: String! reason: String! referenceDocumentUri: String
  changes: [InventoryChange!]!
}}
type InventoryChange {{ name: String! delta: Int! quantityAfterChange: Int }}
type InventorySetQuantitiesUserError {{
  code: InventorySetQuantitiesUserErrorCode field: [String!] message: String!
}}
enum InventorySetQuantitiesUserErrorCode {{
  CHANGE_FROM_QUANTITY_STALE COMPARE_QUANTITY_REQUIRED COMPARE_QUANTITY_STALE
  IDEMPOTENCY_CONCURRENT_REQUEST IDEMPOTENCY_KEY_PARAMETER_MISMATCH INVALID_INVENTORY_ITEM
  INVALID_LOCATION INVALID_NAME INVALID_QUANTITY_NEGATIVE INVALID_QUANTITY_TOO_HIGH
  INVALID_QUANTITY_TOO_LOW INVALID_REASON INVALID_REFERENCE_DOCUMENT
  ITEM_NOT_STOCKED_AT_LOCATION NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR
  NON_MUTABLE_INVENTORY_ITEM
}}
"""


def connection(nodes: list[dict], first, after) -> dict:
    if first is not None and first > 250:
        raise GraphQLError(
            "first cannot exceed 250. To query larger amounts of data with fewer limits, bulk "
            "operations should be used instead."
        )
    start = int(base64.b64decode(after).decode()) + 1 if after else 0
    page = nodes[start : start + (first or 0)]
    cursors = [base64.b64encode(str(start + i).encode()).decode() for i in range(len(page))]
    return {
        "nodes": page,
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, page, strict=True)],
        "pageInfo": {
            "hasNextPage": start + len(page) < len(nodes),
            "hasPreviousPage": start > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def valid_reference(uri: str) -> bool:
    if uri.startswith("gid://"):
        return re.match(r"^gid://[^/\s]+/[^/\s]+/[^/\s]+$", uri) is not None
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", uri) is not None


def user_error(field_path, code: str) -> dict:
    return {"field": field_path, "code": code, "message": USER_ERROR_MESSAGES[code]}


def refused(errors: list[dict]) -> dict:
    return {"inventoryAdjustmentGroup": None, "userErrors": errors}


def max_cost_error(requested: int) -> dict:
    return {
        "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
        f"({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more "
        "information on how the\ncost of a query is calculated.\n",
        "extensions": {
            "code": "MAX_COST_EXCEEDED",
            "cost": requested,
            "maxCost": MAX_QUERY_COST,
            "documentation": RATE_LIMITS_DOC,
        },
    }
