"""The Shopify fake (fakes/shopify.py) with orders: the `orders` and `order` queries, orders in
`nodes(ids:)`, and each order's webhook payload as Shopify sends it (REST resource shape), for
the webhook and reconciliation tests (written for this project; no Shopify code).

    with ShopifyOrdersFake() as shop:
        main = shop.add_location()
        tee = shop.add_item("TEE-M")
        order = shop.add_order((tee, 2))            # lines: (inventory item gid, quantity)
        shop.cancel_order(order.number)             # or shop.fulfil_order(...)
        shop.order_webhook(order.number)            # the orders/create (or cancelled) body

As Shopify documents it:
- `orders(first, after, query, sortKey, reverse)` needs read_orders (ACCESS_DENIED otherwise);
  `query` is Shopify's search syntax: terms `field:value` or `field:>'value'` (>, >=, <, <=),
  joined by spaces or AND, groups joined by OR; the fields used here are updated_at,
  created_at, status (open, closed, cancelled, any), fulfillment_status (unfulfilled,
  unshipped, shipped, fulfilled, any) and id. A field the fake doesn't know is ignored, as
  Shopify ignores it (with a search warning): it is recorded in `search_warnings`.
- sortKey UPDATED_AT (or CREATED_AT, ID; the default) ascending unless `reverse`.
- Timestamps have whole seconds, as Shopify's do; every change to an order moves updatedAt.
- Order costs as any object (1), lineItems as a connection (2 + first x node): the base fake's
  cost rules and 1,000-point cap apply.
"""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass, field

from graphql import GraphQLError

from tests.channels.fakes.shopify import ShopifyFake, _connection

ORDERS_SDL = """
scalar DateTime
scalar UnsignedInt64
enum OrderSortKeys { CREATED_AT ID UPDATED_AT PROCESSED_AT }
enum OrderDisplayFulfillmentStatus {
  FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT RESTOCKED
  SCHEDULED UNFULFILLED REQUEST_DECLINED
}
extend type Query {
  orders(first: Int, after: String, last: Int, before: String, query: String,
         sortKey: OrderSortKeys, reverse: Boolean): OrderConnection!
  order(id: ID!): Order
}
extend type InventoryItem { legacyResourceId: UnsignedInt64! }
extend type ProductVariant { legacyResourceId: UnsignedInt64! }
type Order implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  cancelledAt: DateTime
  closed: Boolean!
  test: Boolean!
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  lineItems(first: Int, after: String, last: Int, before: String): LineItemConnection!
}
type LineItem implements Node {
  id: ID!
  sku: String
  name: String!
  quantity: Int!
  currentQuantity: Int!
  requiresShipping: Boolean!
  variant: ProductVariant
}
type OrderConnection { nodes: [Order!]! edges: [OrderEdge!]! pageInfo: PageInfo! }
type OrderEdge { cursor: String! node: Order! }
type LineItemConnection { nodes: [LineItem!]! edges: [LineItemEdge!]! pageInfo: PageInfo! }
type LineItemEdge { cursor: String! node: LineItem! }
"""
_TERM = re.compile(r"""(\w+):(>=|<=|>|<)?(?:'([^']*)'|"([^"]*)"|(\S+))""")
ORDER_GID = "gid://shopify/Order/"


@dataclass
class Line:
    id: int
    item: str | None  # inventory item gid (None: a custom line with no variant)
    sku: str | None
    name: str
    quantity: int
    requires_shipping: bool = True
    gift_card: bool = False


@dataclass
class FakeOrder:
    number: int
    name: str
    lines: list[Line]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    cancelled_at: datetime.datetime | None = None
    fulfilled: bool = False
    closed: bool = False
    financial_status: str = "paid"
    extra: dict = field(default_factory=dict)

    @property
    def gid(self) -> str:
        return f"{ORDER_GID}{self.number}"


class ShopifyOrdersFake(ShopifyFake):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.orders: dict[int, FakeOrder] = {}
        self.search_warnings: list[str] = []
        self._numbers = itertools.count(5_100_000_000_001)
        self._line_ids = itertools.count(13_000_000_000_001)
        self._names = itertools.count(1001)
        self.clock_offset = datetime.timedelta(0)  # moves the store's clock (tests of cursors)

    # -- the store's orders ------------------------------------------------------------------
    def now(self) -> datetime.datetime:
        moment = datetime.datetime.now(datetime.UTC) + self.clock_offset
        return moment.replace(microsecond=0)

    def add_order(self, *lines, name: str | None = None, **extra) -> FakeOrder:
        """An order placed now. Each line is (inventory item gid, quantity) — its variant's SKU
        is the item's — or a dict of Line fields for other lines (gift cards, custom items)."""
        now = self.now()
        built = []
        for line in lines:
            if isinstance(line, dict):
                built.append(Line(id=next(self._line_ids), **line))
                continue
            gid, quantity = line
            item = self.items[gid]
            built.append(Line(next(self._line_ids), gid, item.sku, f"Item {item.sku}", quantity))
        order = FakeOrder(
            number=next(self._numbers),
            name=name or f"#{next(self._names)}",
            lines=built,
            created_at=now,
            updated_at=now,
            extra=extra,
        )
        with self._lock:
            self.orders[order.number] = order
        return order

    def cancel_order(self, number: int) -> FakeOrder:
        with self._lock:
            order = self.orders[number]
            order.cancelled_at = order.updated_at = self.now()
            return order

    def fulfil_order(self, number: int) -> FakeOrder:
        with self._lock:
            order = self.orders[number]
            order.fulfilled, order.updated_at = True, self.now()
            return order

    def order_webhook(self, number: int) -> dict:
        """The body of Shopify's orders/create (or orders/cancelled) delivery for the order:
        the REST Admin API's order resource."""
        order = self.orders[number]
        return {
            "id": order.number,
            "admin_graphql_api_id": order.gid,
            "name": order.name,
            "order_number": int(order.name.lstrip("#") or 0),
            "email": "buyer@example.com",
            "created_at": _rest_time(order.created_at),
            "updated_at": _rest_time(order.updated_at),
            "cancelled_at": _rest_time(order.cancelled_at) if order.cancelled_at else None,
            "cancel_reason": "customer" if order.cancelled_at else None,
            "closed_at": None,
            "currency": "EUR",
            "financial_status": "voided" if order.cancelled_at else order.financial_status,
            "fulfillment_status": "fulfilled" if order.fulfilled else None,
            "test": False,
            "total_price": f"{10 * sum(line.quantity for line in order.lines)}.00",
            "line_items": [self._rest_line(line) for line in order.lines],
            **order.extra,
        }

    def _rest_line(self, line: Line) -> dict:
        item = self.items.get(line.item) if line.item else None
        return {
            "id": line.id,
            "admin_graphql_api_id": f"gid://shopify/LineItem/{line.id}",
            "variant_id": _number(item.variant_id) if item else None,
            "product_id": _number(item.variant_id) + 7_000_000_000 if item else None,
            "sku": line.sku or "",
            "name": line.name,
            "title": line.name,
            "quantity": line.quantity,
            "current_quantity": line.quantity,
            "fulfillable_quantity": line.quantity,
            "requires_shipping": line.requires_shipping,
            "gift_card": line.gift_card,
            "price": "10.00",
            "vendor": "IMS test store",
        }

    # -- the schema ----------------------------------------------------------------------------
    def sdl(self, version: str) -> str:
        return super().sdl(version) + ORDERS_SDL

    def resolvers(self) -> dict[str, dict]:
        resolvers = super().resolvers()
        base_nodes = resolvers["Query"]["nodes"]

        def nodes(root, info, ids):
            orders = [gid for gid in ids if gid.startswith(ORDER_GID)]
            if orders:
                info.context.require("read_orders", "nodes")
            others = [gid for gid in ids if not gid.startswith(ORDER_GID)]
            found = dict(zip(others, base_nodes(root, info, others), strict=True)) if others else {}
            return [self._order_by_gid(gid) if gid in orders else found[gid] for gid in ids]

        resolvers["Query"].update(nodes=nodes, orders=self._orders, order=self._order)
        resolvers["Order"] = {"lineItems": self._line_items}
        return resolvers

    def _orders(self, _root, info, first=None, after=None, query=None, sortKey=None, **args):
        info.context.require("read_orders", "orders")
        if args.get("last") is not None or args.get("before") is not None:
            raise GraphQLError("The IMS fake pages forwards only (first/after).")
        found = [order for order in self.orders.values() if self._matches(order, query)]
        key = {
            "UPDATED_AT": lambda o: (o.updated_at, o.number),
            "CREATED_AT": lambda o: (o.created_at, o.number),
        }.get(sortKey or "ID", lambda o: o.number)
        found.sort(key=key, reverse=bool(args.get("reverse")))
        return _connection([self._order_node(order) for order in found], first, after)

    def _order(self, _root, info, id):
        info.context.require("read_orders", "order")
        return self._order_by_gid(id)

    def _order_by_gid(self, gid: str) -> dict | None:
        number = gid[len(ORDER_GID) :]
        order = self.orders.get(int(number)) if number.isdigit() else None
        return self._order_node(order) if order else None

    def _order_node(self, order: FakeOrder) -> dict:
        return {
            "__typename": "Order",
            "id": order.gid,
            "legacyResourceId": str(order.number),
            "name": order.name,
            "createdAt": _gql_time(order.created_at),
            "updatedAt": _gql_time(order.updated_at),
            "cancelledAt": _gql_time(order.cancelled_at) if order.cancelled_at else None,
            "closed": order.closed,
            "test": False,
            "displayFulfillmentStatus": "FULFILLED" if order.fulfilled else "UNFULFILLED",
            "_order": order,
        }

    def _line_items(self, root, info, first=None, after=None, **_):
        nodes = [self._line_node(line) for line in root["_order"].lines]
        return _connection(nodes, first, after)

    def _line_node(self, line: Line) -> dict:
        item = self.items.get(line.item) if line.item else None
        variant = None
        if item is not None:
            variant = {
                "id": item.variant_id,
                "legacyResourceId": str(_number(item.variant_id)),
                "sku": item.sku,
                "inventoryItem": {
                    **self._item_node(item),
                    "legacyResourceId": str(_number(item.id)),
                },
            }
        return {
            "id": f"gid://shopify/LineItem/{line.id}",
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "currentQuantity": line.quantity,
            "requiresShipping": line.requires_shipping,
            "variant": variant,
        }

    # -- search --------------------------------------------------------------------------------
    def _matches(self, order: FakeOrder, query: str | None) -> bool:
        if not query or not query.strip():
            return True
        groups = re.split(r"\s+OR\s+", query.strip())
        return any(
            all(self._term(order, match) for match in _TERM.finditer(group)) for group in groups
        )

    def _term(self, order: FakeOrder, match) -> bool:
        name, operator, *values = match.groups()
        value = next((v for v in values if v is not None), "")
        if name in {"updated_at", "created_at"}:
            moment = order.updated_at if name == "updated_at" else order.created_at
            wanted = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if wanted.tzinfo is None:
                wanted = wanted.replace(tzinfo=datetime.UTC)
            return _compare(moment, operator or ":", wanted)
        if name == "status":
            return {
                "open": not order.closed and order.cancelled_at is None,
                "closed": order.closed,
                "cancelled": order.cancelled_at is not None,
                "any": True,
            }.get(value, False)
        if name == "fulfillment_status":
            return {
                "unfulfilled": not order.fulfilled,
                "unshipped": not order.fulfilled,
                "shipped": order.fulfilled,
                "fulfilled": order.fulfilled,
                "any": True,
            }.get(value, False)
        if name == "id":
            return value.isdigit() and int(value) == order.number
        self.search_warnings.append(f"Invalid search field for this query: {name}")
        return True


def _compare(moment, operator: str, wanted) -> bool:
    return {
        ">": moment > wanted,
        ">=": moment >= wanted,
        "<": moment < wanted,
        "<=": moment <= wanted,
        ":": moment == wanted,
    }[operator]


def _number(gid: str) -> int:
    return int(gid.rsplit("/", 1)[1])


def _gql_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rest_time(moment: datetime.datetime) -> str:
    # The REST resource shows the shop's time zone offset (here: UTC+01:00).
    return moment.astimezone(datetime.timezone(datetime.timedelta(hours=1))).isoformat()
