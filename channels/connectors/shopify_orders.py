"""Shopify's orders pulled back: the reconciliation behind the order webhooks.

Webhooks bring each order within seconds, but Shopify gives up on a delivery after 8 failed
tries over 4 hours, and a subscription can be deleted or never made. So the order pull
(channels/sync/pull.py, every minute and before a push) also reads, through the GraphQL Admin
API, every order updated since its cursor: one the webhooks never brought is taken, one
cancelled there is cancelled here, and both are idempotent with the webhooks (the same
external id: the order's number, `legacyResourceId`, which is the webhook's `id`).

Cost: listing orders costs about 100 points a page of 100 (`orders(first: 100, sortKey:
UPDATED_AT, query: "updated_at:>'…'")`, no line items), and the line items are read only for
the orders that need them: open ones the IMS has no order for yet, LINES_PER_QUERY orders a
query (850 points; an order of more than LINES_PAGE lines reads the rest, 50 at a time). In
the steady state, every order already in through its webhook, a pull is one cheap page. A
pull reads at most MAX_PAGES pages, oldest change first; the cursor moves to the newest change
read, so the next pull goes on from there. Throttled part-way, it returns what it read so far
(the rest is read next time); throttled at once, it raises (the pull records it and tries
again).

The first pull (no cursor) takes every open order not yet fulfilled, as Vendure's does, and
looks up by id the IMS's own open orders of the channel (their webhooks brought them; one
cancelled on Shopify before any pull is not among the open ones listed). This module reads
(never writes) the channel's listings and orders: to match lines to SKUs as the webhooks do
(SKU first, then a listing whose external id is the variant or its inventory item) and to
skip reading the lines of orders the IMS already has.
"""

from __future__ import annotations

import datetime

from channels.connectors.base import DeliveryError, RemoteOrder
from channels.connectors.shopify_graphql import Throttled
from channels.models import OPEN_ORDER_STATUSES, Order
from channels.webhooks.lines import ShopLine, lines_match
from channels.webhooks.shopify import variant_ids

PAGE = 100
MAX_PAGES = 10
LINES_PER_QUERY = 25  # orders whose line items one query reads: 25 x 34 = 850 points
LINES_PAGE = 10  # line items per order in that query; the rest of a longer order page by page
MORE_LINES_PAGE = 50
MAX_OPEN_CHECKED = 250  # first pull: the IMS's own open orders looked at by id, at most
CODES_PER_QUERY = 100
FIRST_PULL = "status:open AND fulfillment_status:unfulfilled"

_ORDER_FIELDS = "id legacyResourceId name updatedAt cancelledAt displayFulfillmentStatus"
_LINE_FIELDS = (
    "nodes { sku name quantity currentQuantity requiresShipping "
    "variant { legacyResourceId inventoryItem { legacyResourceId } } } "
    "pageInfo { hasNextPage endCursor }"
)
ORDERS = f"""
query ImsOrders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{ {_ORDER_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
BY_ID = f"""
query ImsOrdersById($ids: [ID!]!) {{
  nodes(ids: $ids) {{ id ... on Order {{ {_ORDER_FIELDS} }} }}
}}"""
LINES = f"""
query ImsOrderLines($ids: [ID!]!, $first: Int!) {{
  nodes(ids: $ids) {{ id ... on Order {{ lineItems(first: $first) {{ {_LINE_FIELDS} }} }} }}
}}"""
MORE_LINES = f"""
query ImsOrderMoreLines($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{ lineItems(first: $first, after: $after) {{ {_LINE_FIELDS} }} }}
}}"""
# Requested costs by Shopify's rules: a connection is 2 + first x (1 + its node's objects);
# pageInfo counted as an object, to stay on the safe side of the 1,000-point cap.
ORDERS_COST = 2 + PAGE + 1
LINES_COST_EACH = 1 + (2 + LINES_PAGE * 3) + 1
MORE_LINES_COST = 1 + (2 + MORE_LINES_PAGE * 3) + 1


def orders_since(
    connector, since: datetime.datetime | None, *, codes: list[str] = ()
) -> list[RemoteOrder]:
    """Orders updated after `since` (every open unfulfilled one when None) and those named in
    `codes` (order numbers the IMS could not take before), oldest change first."""
    if problem := connector._problem():
        raise DeliveryError(problem, permanent=True)
    admin = connector.admin()
    nodes, throttled = _listed(admin, since)
    seen = {node["legacyResourceId"] for node in nodes}
    wanted = list(codes)
    if since is None:  # cancelled or shipped there before any pull: the listing misses them
        wanted += _open_here(connector.channel)
    # Shopify order numbers only (an order posted to /orders/ by another integration may not be)
    wanted = [c for c in dict.fromkeys(wanted) if c not in seen and str(c).isdigit()]
    try:
        nodes += _by_id(admin, wanted)
    except Throttled:
        if not nodes:
            raise
    known = set(
        Order.objects.filter(
            channel=connector.channel, external_id__in=[n["legacyResourceId"] for n in nodes]
        ).values_list("external_id", flat=True)
    )
    needing = [n for n in nodes if _status(n) == "open" and n["legacyResourceId"] not in known]
    lines = _lines(admin, needing)
    unread = {node["id"] for node in needing} - set(lines)
    orders = []
    for node in nodes:
        if node["id"] in unread:
            break  # throttled before its lines were read: it and what follows, next pull
        orders.append(_remote(connector.channel, node, lines.get(node["id"])))
    if throttled and not orders:
        raise throttled
    return orders


def _open_here(channel) -> list[str]:
    return list(
        Order.objects.filter(channel=channel, status__in=OPEN_ORDER_STATUSES)
        .order_by("pk")
        .values_list("external_id", flat=True)[:MAX_OPEN_CHECKED]
    )


def _listed(admin, since) -> tuple[list[dict], Throttled | None]:
    """The orders changed since `since`, up to MAX_PAGES pages; and the Throttled that stopped
    the reading early, if one did (raised when nothing was read)."""
    query = FIRST_PULL if since is None else f"updated_at:>'{_instant(since)}'"
    nodes: list[dict] = []
    after = None
    for _ in range(MAX_PAGES):
        variables = {"first": PAGE, "after": after, "query": query}
        try:
            page = admin.run(ORDERS, variables, cost=ORDERS_COST).data["orders"]
        except Throttled as exc:
            if not nodes:
                raise
            return nodes, exc
        nodes += [node for node in page["nodes"] if isinstance(node, dict)]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return nodes, None


def _by_id(admin, numbers: list[str]) -> list[dict]:
    found = []
    for start in range(0, len(numbers), CODES_PER_QUERY):
        ids = [f"gid://shopify/Order/{n}" for n in numbers[start : start + CODES_PER_QUERY]]
        data = admin.run(BY_ID, {"ids": ids}, cost=len(ids)).data
        found += [n for n in data.get("nodes") or [] if isinstance(n, dict) and n.get("name")]
    return found


def _lines(admin, nodes: list[dict]) -> dict[str, list[dict]]:
    """Order gid -> its line items, for `nodes` in order; stops at the first throttled query
    (the orders read so far are returned)."""
    lines: dict[str, list[dict]] = {}
    try:
        for start in range(0, len(nodes), LINES_PER_QUERY):
            ids = [node["id"] for node in nodes[start : start + LINES_PER_QUERY]]
            variables = {"ids": ids, "first": LINES_PAGE}
            data = admin.run(LINES, variables, cost=LINES_COST_EACH * len(ids)).data
            for node in data.get("nodes") or []:
                if isinstance(node, dict) and isinstance(node.get("lineItems"), dict):
                    lines[node["id"]] = _all_lines(admin, node["id"], node["lineItems"])
    except Throttled:
        pass
    return lines


def _all_lines(admin, gid: str, connection: dict) -> list[dict]:
    items = list(connection["nodes"])
    while connection["pageInfo"]["hasNextPage"]:
        after = connection["pageInfo"]["endCursor"]
        variables = {"id": gid, "first": MORE_LINES_PAGE, "after": after}
        order = admin.run(MORE_LINES, variables, cost=MORE_LINES_COST).data.get("order") or {}
        connection = order.get("lineItems") or {"nodes": [], "pageInfo": {"hasNextPage": False}}
        items += connection["nodes"]
    return items


def _status(node: dict) -> str:
    if node.get("cancelledAt"):
        return "cancelled"
    if node.get("displayFulfillmentStatus") in {"FULFILLED", "RESTOCKED"}:
        return "other"  # shipped (or returned) by the shop itself
    return "open"


def _remote(channel, node: dict, items: list[dict] | None) -> RemoteOrder:
    status = _status(node)
    state = "cancelled" if status == "cancelled" else str(node["displayFulfillmentStatus"])
    lines: tuple[tuple[str, int], ...] = ()
    if items is not None:
        shop_lines = [_shop_line(item) for item in items]
        matched = lines_match(channel, shop_lines)
        lines = tuple(_coded(shop_lines, matched))
        if not lines:  # nothing in it ships from the IMS (gift cards, digital items)
            status = "other"
    return RemoteOrder(
        code=str(node["legacyResourceId"]),
        status=status,
        state=state.lower(),
        updated_at=datetime.datetime.fromisoformat(node["updatedAt"].replace("Z", "+00:00")),
        lines=lines,
    )


def _shop_line(item: dict) -> ShopLine:
    variant = item.get("variant") or {}
    inventory_item = variant.get("inventoryItem") or {}
    quantity = item.get("currentQuantity", item.get("quantity")) or 0
    return ShopLine(
        sku=str(item.get("sku") or "").strip(),
        quantity=int(quantity),
        ids=variant_ids(
            str(variant.get("legacyResourceId") or ""),
            str(inventory_item.get("legacyResourceId") or ""),
        ),
        ships=bool(item.get("requiresShipping", True)),
        name=str(item.get("name") or ""),
    )


def _coded(shop_lines: list[ShopLine], matched) -> list[tuple[str, int]]:
    """(SKU code, quantity) per line the pull hands to the intake: the matched IMS SKU, or the
    shop's own SKU (or words) for a line that matches nothing, so the pull's refusal names it."""
    kept = [line for line in shop_lines if line.quantity > 0]
    coded, unknown = [], iter(matched.unknown)
    for index, line in enumerate(kept):
        if index in matched.skus:
            coded.append((matched.skus[index], line.quantity))
        elif line.ships:
            coded.append((next(unknown), line.quantity))
    return coded


def _instant(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
