"""A Shopify store's GraphQL Admin API on 127.0.0.1, as shopify.dev documents it, for the
connector tests (written for this project; no Shopify code).

    with ShopifyFake() as shop:                     # random free port, served from threads
        main = shop.add_location("Main warehouse")
        tee = shop.add_item("TEE-M")                # an inventory item stocked at every location
        ... point a channel at shop.url with access_token=shop.token, location_id=main ...
        shop.available(tee, main), shop.sets        # what the IMS set, every accepted quantity

What it does as Shopify does:
- POST /admin/api/{version}/graphql.json only; the token in X-Shopify-Access-Token (401 with
  Shopify's body otherwise); `versions` it serves, a well-formed version it does not serve is
  answered by the oldest one it does (X-Shopify-API-Version says which), anything else 404.
- The document is parsed and validated against a schema of the fields the IMS uses, for the
  version asked (changeFromQuantity and @idempotent from 2026-01; ignoreCompareQuantity and
  compareQuantity gone in 2027-01): a field or argument the version lacks is a GraphQL error.
- Cost and the bucket per app (token) and store: `bucket`/`restore` points, a query must fit its
  requested cost (graphql_cost.py) or it is answered THROTTLED with extensions.cost as Shopify
  shapes it; a single query over 1,000 points is MAX_COST_EXCEEDED; an input array over 250
  items is MAX_INPUT_SIZE_EXCEEDED. Every answer carries extensions.cost.throttleStatus.
- Scopes per token (currentAppInstallation.accessScopes; a write_ scope includes its read_ one);
  a field the token may not read is ACCESS_DENIED with data null for it.
- inventorySetQuantities: name available|on_hand, reason among Shopify's, a valid
  referenceDocumentUri; from 2026-04 every quantity must carry changeFromQuantity (null opts out)
  and the call must carry @idempotent(key:); userErrors with the field path of each refused
  quantity, and nothing applied when anything is refused; a key seen again with the same input
  answers the first result, with other input IDEMPOTENCY_KEY_PARAMETER_MISMATCH.
- inventoryItems / productVariants by `sku:` search terms joined with OR: like Shopify's
  tokenizing search, a term also matches SKUs that start with it (a superset the caller must
  filter); location(id:), nodes(ids:), shop, currentAppInstallation.

Open for more root fields: a subclass adds SDL with `extend type Query { ... }` in `sdl()` and
its resolvers in `resolvers()` (type name -> field name -> function(root, info, **arguments);
`info.context` is the request's `Context`: fake, version, token, `require(scope, field)`).
Resolvers return plain dicts; `__typename` picks the type of an interface.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from graphql import (
    FieldNode,
    GraphQLError,
    build_schema,
    execute,
    parse,
    validate,
    value_from_ast_untyped,
)

from tests.channels.fakes.graphql_cost import operation, oversized_inputs, query_cost
from tests.channels.fakes.shopify_schema import (
    INVALID_TOKEN,
    MAX_QUERY_COST,
    RATE_LIMITS_DOC,
    REASONS,
    SUPPORTED_VERSIONS,
    connection,
    max_cost_error,
    refused,
    schema_sdl,
    user_error,
    valid_reference,
)

ALL_SCOPES = ("write_inventory", "read_locations", "write_products", "read_orders")
_connection = connection  # the name fakes/shopify_orders.py imports
_PATH = re.compile(r"^/admin/api/([^/]+)/graphql\.json$")
_TERM = re.compile(r'sku:(?:"((?:[^"\\]|\\.)*)"|(\S+))')


@dataclass
class Item:
    id: str
    sku: str | None
    variant_id: str
    available: dict[str, int]  # location gid -> available; absent: not stocked there


@dataclass(frozen=True)
class AcceptedSet:
    item: str
    location: str
    quantity: int
    name: str
    reason: str
    reference: str | None
    key: str | None
    at: float


@dataclass
class Call:
    root_fields: tuple[str, ...]
    variables: dict
    version: str
    answer: str  # "ok", "throttled", "errors", "unauthorized"
    at: float


class Bucket:
    """A leaky bucket of cost points for one app on this store."""

    def __init__(self, size: float, restore: float):
        self.size, self.restore = float(size), float(restore)
        self.level, self.at = float(size), time.monotonic()

    def refill(self) -> float:
        now = time.monotonic()
        self.level = min(self.size, self.level + (now - self.at) * self.restore)
        self.at = now
        return self.level

    def take(self, cost: float) -> bool:
        if self.refill() < cost:
            return False
        self.level -= cost
        return True

    def refund(self, points: float) -> None:
        self.level = min(self.size, self.level + max(points, 0))

    def status(self) -> dict:
        return {
            "maximumAvailable": self.size,
            "currentlyAvailable": int(self.refill()),
            "restoreRate": self.restore,
        }


@dataclass
class Context:
    fake: ShopifyFake
    version: str
    token: str
    scopes: frozenset[str]
    variables: dict

    def has(self, scope: str) -> bool:
        return scope in self.scopes or (
            scope.startswith("read_") and f"write_{scope[5:]}" in self.scopes
        )

    def require(self, scope: str, field_name: str) -> None:
        if not self.has(scope):
            raise GraphQLError(
                f"Access denied for {field_name} field. Required access: `{scope}` access scope.",
                extensions={
                    "code": "ACCESS_DENIED",
                    "documentation": "https://shopify.dev/api/usage/access-scopes",
                    "requiredAccess": f"`{scope}` access scope.",
                },
            )


class ShopifyFake:
    def __init__(
        self,
        *,
        token: str = "shpat_test",
        scopes: tuple[str, ...] = ALL_SCOPES,
        bucket: float = 2000,
        restore: float = 100,
        versions: tuple[str, ...] = SUPPORTED_VERSIONS,
        name: str = "IMS test store",
    ):
        self.token = token
        self.tokens: dict[str, frozenset[str]] = {token: frozenset(scopes)}
        self.bucket_size, self.restore = bucket, restore
        self.buckets: dict[str, Bucket] = {}
        self.versions = versions
        self.name = name
        self.locations: dict[str, dict] = {}
        self.items: dict[str, Item] = {}
        self.sets: list[AcceptedSet] = []
        self.calls: list[Call] = []
        self.delay = 0.0  # seconds before each answer
        # Called with each Call as it is answered (under the fake's lock): a test's stand-in for
        # what else happens in the store meanwhile (another process spending the bucket).
        self.after_answer = None
        self._replies: deque[tuple[int, object, dict]] = deque()  # HTTP-level answers first
        self._idempotent: dict[str, tuple[str, dict]] = {}
        self._ids = itertools.count(1001)
        self._schemas: dict[str, object] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- the store's contents -----------------------------------------------------------------
    def add_location(self, name: str = "Main warehouse", *, active: bool = True) -> str:
        gid = f"gid://shopify/Location/{next(self._ids)}"
        self.locations[gid] = {"id": gid, "name": name, "isActive": active}
        return gid

    def add_item(self, sku: str | None, *, available: int = 0, stocked_at=None) -> str:
        """An inventory item (and its variant) stocked at `stocked_at` (default: everywhere)."""
        gid = f"gid://shopify/InventoryItem/{next(self._ids)}"
        where = list(self.locations) if stocked_at is None else list(stocked_at)
        variant = f"gid://shopify/ProductVariant/{next(self._ids)}"
        self.items[gid] = Item(gid, sku, variant, dict.fromkeys(where, available))
        return gid

    def add_token(self, token: str, scopes: tuple[str, ...]) -> None:
        self.tokens[token] = frozenset(scopes)

    def available(self, item: str, location: str) -> int | None:
        return self.items[item].available.get(location)

    def set_counts(self) -> Counter:
        """Inventory item -> how many times a quantity was set for it."""
        return Counter(accepted.item for accepted in self.sets)

    def bucket(self, token: str | None = None) -> Bucket:
        token = token or self.token
        with self._lock:
            if token not in self.buckets:
                self.buckets[token] = Bucket(self.bucket_size, self.restore)
            return self.buckets[token]

    def reply_next(self, status: int, body: object = None, headers: dict | None = None) -> None:
        """Answer the next request with this HTTP reply instead (an outage, a proxy page)."""
        self._replies.append((status, body, headers or {}))

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ShopifyFake:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ShopifyFake:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the schema (subclasses extend sdl() and resolvers()) ---------------------------------
    def sdl(self, version: str) -> str:
        return schema_sdl(version)

    def resolvers(self) -> dict[str, dict]:
        return {
            "Query": {
                "shop": self._shop,
                "currentAppInstallation": self._installation,
                "location": self._location,
                "inventoryItems": self._inventory_items,
                "productVariants": self._product_variants,
                "nodes": self._nodes,
            },
            "Mutation": {"inventorySetQuantities": self._set_quantities},
        }

    def schema(self, version: str):
        if version not in self._schemas:
            schema = build_schema(self.sdl(version))
            for type_name, fields in self.resolvers().items():
                graphql_type = schema.get_type(type_name)
                for name, resolver in fields.items():
                    graphql_type.fields[name].resolve = resolver
            self._schemas[version] = schema
        return self._schemas[version]

    # -- one request -------------------------------------------------------------------------
    def handle(self, path: str, headers, body: bytes) -> tuple[int, dict, object]:
        """(status, headers, JSON body) for one POST."""
        match = _PATH.match(path)
        if not match or not re.match(r"^\d{4}-\d{2}$", match.group(1)):
            return 404, {}, {"errors": "Not Found"}
        version = match.group(1)
        if version not in self.versions:
            version = min(self.versions)  # Shopify answers with its oldest supported version
        served = {"X-Shopify-API-Version": version}
        token = headers.get("X-Shopify-Access-Token") or ""
        if token not in self.tokens:
            self._record((), {}, version, "unauthorized")
            return 401, served, {"errors": INVALID_TOKEN}
        try:
            request = json.loads(body or b"null")
            document = parse(request["query"])
            variables = request.get("variables") or {}
        except (ValueError, KeyError, TypeError, GraphQLError) as exc:
            if isinstance(exc, GraphQLError):
                return 200, served, {"errors": [exc.formatted]}
            return 400, served, {"errors": {"query": "Required parameter missing or invalid"}}
        with self._lock:
            return (200, served, self._answer(document, variables, version, token))

    def _answer(self, document, variables: dict, version: str, token: str) -> dict:
        schema = self.schema(version)
        selections = operation(document).selection_set.selections
        roots = tuple(s.name.value for s in selections if isinstance(s, FieldNode))
        problems = validate(schema, document)
        if problems:
            self._record(roots, variables, version, "errors")
            return {"errors": [problem.formatted for problem in problems]}
        if oversized := oversized_inputs(document, variables):
            self._record(roots, variables, version, "errors")
            return {"errors": oversized}
        requested = query_cost(schema, document, variables)
        if requested > MAX_QUERY_COST:
            self._record(roots, variables, version, "errors")
            return {"errors": [max_cost_error(requested)]}
        bucket = self.bucket(token)
        if not bucket.take(requested):
            self._record(roots, variables, version, "throttled")
            return {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC},
                    }
                ],
                "extensions": _cost(requested, None, bucket),
            }
        context = Context(self, version, token, self.tokens[token], variables)
        result = execute(schema, document, context_value=context, variable_values=variables)
        actual = query_cost(schema, document, variables, data=result.data or {})
        bucket.refund(requested - actual)
        answer: dict = {"data": result.data}
        if result.errors:
            answer["errors"] = [error.formatted for error in result.errors]
        answer["extensions"] = _cost(requested, actual, bucket)
        self._record(roots, variables, version, "errors" if result.errors else "ok")
        return answer

    def _record(self, roots, variables, version, answer) -> None:
        call = Call(tuple(roots), variables, version, answer, time.time())
        self.calls.append(call)
        if self.after_answer is not None:
            self.after_answer(call)

    # -- queries -----------------------------------------------------------------------------
    def _shop(self, _root, info):
        return {
            "id": "gid://shopify/Shop/1",
            "name": self.name,
            "myshopifyDomain": "ims-test.myshopify.com",
        }

    def _installation(self, _root, info):
        scopes = sorted(info.context.scopes)
        return {
            "id": "gid://shopify/AppInstallation/1",
            "accessScopes": [{"handle": s, "description": s.replace("_", " ")} for s in scopes],
        }

    def _location(self, _root, info, id=None):
        info.context.require("read_locations", "location")
        return self.locations.get(id)

    def _inventory_items(self, _root, info, first=None, after=None, query=None, **_):
        info.context.require("read_inventory", "inventoryItems")
        found = [self._item_node(item) for item in self._search(query)]
        return connection(found, first, after)

    def _product_variants(self, _root, info, first=None, after=None, query=None, **_):
        info.context.require("read_products", "productVariants")
        found = [
            {"id": item.variant_id, "sku": item.sku, "inventoryItem": self._item_node(item)}
            for item in self._search(query)
        ]
        return connection(found, first, after)

    def _nodes(self, _root, info, ids):
        info.context.require("read_inventory", "nodes")
        nodes = []
        for gid in ids:
            item = self.items.get(gid)
            location = self.locations.get(gid)
            nodes.append(
                self._item_node(item)
                if item
                else {**location, "__typename": "Location"}
                if location
                else None
            )
        return nodes

    def _item_node(self, item: Item) -> dict:
        return {"__typename": "InventoryItem", "id": item.id, "sku": item.sku, "tracked": True}

    def _search(self, query: str | None) -> list[Item]:
        items = sorted(self.items.values(), key=lambda item: int(item.id.rsplit("/", 1)[1]))
        if not query:
            return items
        terms = [
            re.sub(r"\\(.)", r"\1", quoted) if quoted is not None and quoted != "" else bare
            for quoted, bare in _TERM.findall(query)
        ]
        return [item for item in items if item.sku and any(item.sku.startswith(t) for t in terms)]

    # -- inventorySetQuantities --------------------------------------------------------------
    def _set_quantities(self, _root, info, input):
        context: Context = info.context
        context.require("write_inventory", "inventorySetQuantities")
        key = _idempotency_key(info)
        if key is None and context.version >= "2026-04":
            # Shopify documents an error at run time, not its shape: this is the fake's.
            raise GraphQLError(
                "The @idempotent directive is required for this mutation.",
                extensions={"code": "BAD_REQUEST"},
            )
        fingerprint = json.dumps(input, sort_keys=True)
        if key is not None and key in self._idempotent:
            seen, result = self._idempotent[key]
            if seen == fingerprint:
                return result  # a duplicate: the first result, nothing applied twice
            return refused([user_error(None, "IDEMPOTENCY_KEY_PARAMETER_MISMATCH")])
        errors = self._set_errors(input, context.version)
        result = refused(errors) if errors else self._apply(input, key)
        if key is not None:
            self._idempotent[key] = (fingerprint, result)
        return result

    def _set_errors(self, data: dict, version: str) -> list[dict]:
        errors = []
        if data["name"] not in ("available", "on_hand"):
            errors.append(user_error(["input", "name"], "INVALID_NAME"))
        if data["reason"] not in REASONS:
            errors.append(user_error(["input", "reason"], "INVALID_REASON"))
        uri = data.get("referenceDocumentUri")
        if uri is not None and not valid_reference(uri):
            errors.append(
                user_error(["input", "referenceDocumentUri"], "INVALID_REFERENCE_DOCUMENT")
            )
        seen: set = set()
        for index, quantity in enumerate(data["quantities"]):
            problem = self._quantity_problem(quantity, data, version, seen)
            if problem:
                code, name = problem
                errors.append(user_error(["input", "quantities", str(index), name], code))
        return errors

    def _quantity_problem(self, quantity, data, version, seen) -> tuple[str, str] | None:
        """(code, input field) of what Shopify refuses in one quantity, or None."""
        item = self.items.get(quantity["inventoryItemId"])
        location = quantity["locationId"]
        if "changeFromQuantity" not in quantity:
            if version >= "2026-04":
                # 2026-04 requires the field; the docs name no code for its absence, so the fake
                # answers with the code of the compare field it replaces.
                return "COMPARE_QUANTITY_REQUIRED", "changeFromQuantity"
            if quantity.get("compareQuantity") is None and not data.get("ignoreCompareQuantity"):
                return "COMPARE_QUANTITY_REQUIRED", "compareQuantity"
        if location not in self.locations:
            return "INVALID_LOCATION", "locationId"
        if item is None:
            return "INVALID_INVENTORY_ITEM", "inventoryItemId"
        if location not in item.available:
            return "ITEM_NOT_STOCKED_AT_LOCATION", "inventoryItemId"
        if (item.id, location) in seen:
            return "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "inventoryItemId"
        seen.add((item.id, location))
        if quantity["quantity"] > 1_000_000_000:
            return "INVALID_QUANTITY_TOO_HIGH", "quantity"
        if data["name"] == "on_hand" and quantity["quantity"] < 0:
            return "INVALID_QUANTITY_NEGATIVE", "quantity"
        expected = quantity.get("changeFromQuantity", quantity.get("compareQuantity"))
        if expected is not None and expected != item.available[location]:
            return "CHANGE_FROM_QUANTITY_STALE", "changeFromQuantity"
        return None

    def _apply(self, data: dict, key: str | None) -> dict:
        changes = []
        now = time.time()
        for quantity in data["quantities"]:
            item = self.items[quantity["inventoryItemId"]]
            before = item.available[quantity["locationId"]]
            item.available[quantity["locationId"]] = quantity["quantity"]
            self.sets.append(
                AcceptedSet(
                    item.id,
                    quantity["locationId"],
                    quantity["quantity"],
                    data["name"],
                    data["reason"],
                    data.get("referenceDocumentUri"),
                    key,
                    now,
                )
            )
            changes.append(
                {
                    "name": data["name"],
                    "delta": quantity["quantity"] - before,
                    "quantityAfterChange": quantity["quantity"],
                }
            )
        group = {
            "id": f"gid://shopify/InventoryAdjustmentGroup/{next(self._ids)}",
            "createdAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "reason": data["reason"],
            "referenceDocumentUri": data.get("referenceDocumentUri"),
            "changes": changes,
        }
        return {"inventoryAdjustmentGroup": group, "userErrors": []}


def _idempotency_key(info) -> str | None:
    for directive in info.field_nodes[0].directives or ():
        if directive.name.value == "idempotent":
            for argument in directive.arguments:
                if argument.name.value == "key":
                    return value_from_ast_untyped(argument.value, info.context.variables)
    return None


def _cost(requested: int, actual: int | None, bucket: Bucket) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": bucket.status(),
        }
    }


def _handler_for(fake: ShopifyFake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if fake._replies:
                status, payload, headers = fake._replies.popleft()
            else:
                status, headers, payload = fake.handle(self.path, self.headers, body)
            if fake.delay and fake._stopping.wait(fake.delay):
                return
            self._send(status, headers, payload)

        def do_GET(self) -> None:
            self._send(404, {}, {"errors": "Not Found"})

        def _send(self, status: int, headers: dict, payload) -> None:
            if isinstance(payload, str):
                data = payload.encode()
            elif isinstance(payload, bytes):
                data = payload
            else:
                data = json.dumps(payload if payload is not None else {}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format, *args) -> None:
            pass

    return Handler
