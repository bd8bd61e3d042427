"""Test helpers over the Vendure GraphQL APIs, by real HTTP (stdlib urllib): Admin API calls as
the superadmin or the sync user, stock at a location, and guest orders through the Shop API.
VendurePeer (harness.py) is one of these bound to the server it runs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


class VendureError(RuntimeError):
    """The peer failed (install, seed, start) or an API call returned errors."""


class OrderRefused(VendureError):
    """The Shop API refused a step of an order with an ErrorResult, e.g. INSUFFICIENT_STOCK_ERROR
    on addItemToOrder. `error_code` is Vendure's errorCode."""

    def __init__(self, step: str, error_code: str, message: str):
        super().__init__(f"{step}: {error_code}: {message}")
        self.step = step
        self.error_code = error_code


def post_graphql(url: str, query: str, variables: dict | None, token: str | None):
    """POST one GraphQL operation; returns (body, the `vendure-auth-token` header or None).
    GraphQL errors come back in the body, with HTTP 200 or, for a malformed query, HTTP 400."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response), response.headers.get("vendure-auth-token")
    except urllib.error.HTTPError as exc:
        body = exc.read().decode(errors="replace")
        try:
            return json.loads(body), None
        except ValueError:
            raise VendureError(f"HTTP {exc.code} from {url}: {body[:500]}") from None


class VendureClient:
    """Needs `admin_api_url` and `shop_api_url` (properties of the subclass)."""

    superadmin = ("superadmin", "superadmin")
    sync_username = "ims-sync"
    sync_password = "ims-sync-pass"
    stock_location = "IMS Warehouse"
    payment_method = "test-payment"  # code of the seeded dummy-handler method (settles at once)

    admin_api_url: str
    shop_api_url: str

    def __init__(self):
        self._tokens: dict[str, str] = {}
        self._location_ids: dict[str, str] = {}
        self._channel_token: str | None = None

    # -- Admin API -------------------------------------------------------------------------

    def login(self, user: str = "superadmin") -> str:
        """Log `user` ("superadmin" or "ims-sync") in; returns and caches the session token."""
        known = {
            self.superadmin[0]: self.superadmin,
            self.sync_username: (self.sync_username, self.sync_password),
        }
        if user not in known:
            raise ValueError(f"unknown user {user!r}: use one of {sorted(known)}")
        username, password = known[user]
        body, token = post_graphql(
            self.admin_api_url,
            "mutation ($u: String!, $p: String!) { login(username: $u, password: $p) "
            "{ __typename ... on ErrorResult { errorCode message } } }",
            {"u": username, "p": password},
            None,
        )
        result = (body.get("data") or {}).get("login") or {}
        if body.get("errors") or result.get("__typename") != "CurrentUser" or not token:
            raise VendureError(f"login as {username} failed: {body}")
        self._tokens[user] = token
        return token

    def admin(
        self, query: str, variables: dict | None = None, *, as_user: str = "superadmin"
    ) -> dict:
        """Run an Admin API operation as `as_user` and return its data; GraphQL errors raise
        VendureError with them in the message. Logs in once; a cached session that is refused
        (FORBIDDEN, e.g. it expired) is replaced by a new login and the call tried once more."""
        token = self._tokens.get(as_user) or self.login(as_user)
        body, _ = post_graphql(self.admin_api_url, query, variables, token)
        if any((e.get("extensions") or {}).get("code") == "FORBIDDEN" for e in _errors(body)):
            body, _ = post_graphql(self.admin_api_url, query, variables, self.login(as_user))
        if _errors(body):
            raise VendureError(f"Admin API errors as {as_user}: {json.dumps(_errors(body))}")
        return body["data"]

    @property
    def channel_token(self) -> str:
        """The default channel's token (send it as the `vendure-token` header)."""
        if self._channel_token is None:
            data = self.admin("{ activeChannel { token } }")
            self._channel_token = data["activeChannel"]["token"]
        return self._channel_token

    # -- stock -----------------------------------------------------------------------------

    def location_id(self, name: str | None = None, *, as_user: str = "superadmin") -> str:
        name = name or self.stock_location
        if name not in self._location_ids:
            data = self.admin(
                "{ stockLocations(options: { take: 100 }) { items { id name } } }", as_user=as_user
            )
            self._location_ids.update({i["name"]: i["id"] for i in data["stockLocations"]["items"]})
        if name not in self._location_ids:
            raise VendureError(f"no stock location named {name!r}")
        return self._location_ids[name]

    def variant(self, sku: str, *, as_user: str = "superadmin") -> dict:
        """The variant with this SKU: id, sku, stockOnHand and stockAllocated (summed over the
        channel's stock locations by Vendure) and its stockLevels at every location."""
        items = self.admin(
            """query ($sku: String!) {
                 productVariants(options: { filter: { sku: { eq: $sku } } }) {
                   items { id sku stockOnHand stockAllocated
                           stockLevels { stockLocationId stockOnHand stockAllocated } } } }""",
            {"sku": sku},
            as_user=as_user,
        )["productVariants"]["items"]
        if len(items) != 1:
            raise VendureError(f"{len(items)} variants with SKU {sku!r}")
        return items[0]

    def stock_level(
        self, sku: str, location: str | None = None, *, as_user: str = "superadmin"
    ) -> tuple[int, int]:
        """(stockOnHand, stockAllocated) of `sku` at `location` (default "IMS Warehouse")."""
        location_id = self.location_id(location, as_user=as_user)
        for level in self.variant(sku, as_user=as_user)["stockLevels"]:
            if level["stockLocationId"] == location_id:
                return level["stockOnHand"], level["stockAllocated"]
        return 0, 0  # no stock level row at that location yet

    def set_stock(
        self, sku: str, on_hand: int, location: str | None = None, *, as_user: str = "superadmin"
    ) -> None:
        """Set stockOnHand of `sku` at `location` (default "IMS Warehouse") as a sync does: look
        the variant up by SKU, then updateProductVariants."""
        level = {
            "stockLocationId": self.location_id(location, as_user=as_user),
            "stockOnHand": on_hand,
        }
        variant_id = self.variant(sku, as_user=as_user)["id"]
        self.admin(
            """mutation ($input: [UpdateProductVariantInput!]!) {
                 updateProductVariants(input: $input) { id } }""",
            {"input": [{"id": variant_id, "stockLevels": [level]}]},
            as_user=as_user,
        )

    def saleable(self, sku: str) -> int:
        """What Vendure will still sell: the variant's stockOnHand - stockAllocated as the Admin
        API reports them, i.e. summed over the channel's stock locations (Vendure's default
        MultiChannelStockLocationStrategy; the seed leaves the default location at 0, so this is
        IMS Warehouse's figure unless a test puts stock elsewhere). Vendure's own check also
        subtracts the out-of-stock threshold, which is 0 here. (The Shop API shows only a label,
        IN_STOCK / OUT_OF_STOCK, not a number.)"""
        variant = self.variant(sku)
        return variant["stockOnHand"] - variant["stockAllocated"]

    # -- orders ----------------------------------------------------------------------------

    def place_order(self, lines: dict[str, int], *, email: str = "guest@example.com") -> str:
        """Buy `{sku: quantity}` as a guest through the Shop API up to a settled payment (state
        PaymentSettled, stock allocated); returns the order code. A refused step raises
        OrderRefused (e.g. INSUFFICIENT_STOCK_ERROR from addItemToOrder)."""
        shop = _ShopSession(self.shop_api_url)
        for sku, quantity in lines.items():
            variables = {"id": self.variant(sku)["id"], "q": quantity}
            shop.step(
                "addItemToOrder",
                "$id: ID!, $q: Int!",
                "productVariantId: $id, quantity: $q",
                variables,
            )
        customer = {"emailAddress": email, "firstName": "Test", "lastName": "Guest"}
        shop.step(
            "setCustomerForOrder", "$in: CreateCustomerInput!", "input: $in", {"in": customer}
        )
        address = {"fullName": "Test Guest", "streetLine1": "1 Test Street", "city": "Leeds"}
        address |= {"postalCode": "LS1 1AA", "countryCode": "GB"}
        shop.step(
            "setOrderShippingAddress", "$in: CreateAddressInput!", "input: $in", {"in": address}
        )
        methods = shop.query("{ eligibleShippingMethods { id } }")["eligibleShippingMethods"]
        if not methods:
            raise VendureError("no eligible shipping method for the order")
        ids = {"ids": [methods[0]["id"]]}
        shop.step("setOrderShippingMethod", "$ids: [ID!]!", "shippingMethodId: $ids", ids)
        state = {"s": "ArrangingPayment"}
        shop.step("transitionOrderToState", "$s: String!", "state: $s", state)
        payment = {"method": self.payment_method, "metadata": {}}
        order = shop.step("addPaymentToOrder", "$in: PaymentInput!", "input: $in", {"in": payment})
        if order["state"] != "PaymentSettled":
            raise VendureError(f"order {order['code']} is {order['state']}, not PaymentSettled")
        return order["code"]

    def order(self, code: str) -> dict:
        """id, code and state of the order with this code (Admin API)."""
        items = self.admin(
            """query ($code: String!) {
                 orders(options: { filter: { code: { eq: $code } } }) {
                   items { id code state } } }""",
            {"code": code},
        )["orders"]["items"]
        if not items:
            raise VendureError(f"no order {code!r}")
        return items[0]

    def order_state(self, code: str) -> str:
        return self.order(code)["state"]

    def cancel_open_orders(self) -> list[str]:
        """Cancel every order still waiting to ship (PaymentAuthorized or PaymentSettled), so one
        test's orders don't reach the next; returns their codes."""
        items = self.admin(
            """{ orders(options: { take: 100, filter: {
                   state: { in: ["PaymentAuthorized", "PaymentSettled"] } } }) {
                 items { code } } }"""
        )["orders"]["items"]
        for item in items:
            self.cancel_order(item["code"])
        return [item["code"] for item in items]

    def cancel_order(self, code: str) -> None:
        """Cancel the whole order through the Admin API (which releases its allocations)."""
        result = self.admin(
            """mutation ($id: ID!) { cancelOrder(input: { orderId: $id, reason: "test" }) {
                 __typename ... on ErrorResult { errorCode message } } }""",
            {"id": self.order(code)["id"]},
        )["cancelOrder"]
        if result["__typename"] != "Order":
            raise VendureError(f"cancelOrder {code}: {result}")


class _ShopSession:
    """One guest's Shop API session: the token Vendure issues on the first call is sent back."""

    def __init__(self, url: str):
        self.url = url
        self.token: str | None = None

    def query(self, query: str, variables: dict | None = None) -> dict:
        body, token = post_graphql(self.url, query, variables, self.token)
        self.token = token or self.token
        if _errors(body):
            raise VendureError(f"Shop API errors: {json.dumps(_errors(body))}")
        return body["data"]

    def step(self, mutation: str, params: str, args: str, variables: dict) -> dict:
        """Run one checkout mutation (each returns Order or an ErrorResult); OrderRefused on an
        ErrorResult, else the order's code and state."""
        result = self.query(
            f"mutation ({params}) {{ {mutation}({args}) {{ __typename "
            "... on Order { code state } ... on ErrorResult { errorCode message } } }",
            variables,
        )[mutation]
        if not result or result["__typename"] != "Order":
            result = result or {}
            raise OrderRefused(mutation, result.get("errorCode", "NULL"), result.get("message", ""))
        return result


def _errors(body: dict) -> list:
    return body.get("errors") or []
