"""Vendure: stock levels set through the Admin API (GraphQL); placed orders pulled back.

Channel fields: `endpoint_url` is the Admin API (https://shop.example.com/admin-api; a bare
https://shop.example.com gets /admin-api added); `settings` holds `username` and `password` (a
Vendure administrator whose role has ReadCatalog, UpdateCatalog, ReadStockLocation and ReadOrder),
`stock_location` (the name of the Vendure stock location the IMS sets) and optionally
`channel_token` (a Vendure channel other than the default one). A listing is found by its SKU:
`external_id` is not needed.

No double count. Vendure sells `stockOnHand - stockAllocated - out-of-stock threshold`, summed
over the channel's stock locations, and it allocates units to its own orders as they are placed.
Our `available` already has every Vendure order the IMS has pulled taken off (it is reserved
here), so pushing `available` as stock on hand would take those orders off twice. Each push
therefore reads the variant's stock levels and sets, at the configured location,

    stockOnHand = available + Σ stockAllocated - Σ stockOnHand at the other locations

so that Vendure's own sum comes out at exactly `available` (less any threshold the shop set).
The read and the write are two calls a few milliseconds apart: an allocation that lands in
between is corrected by the next push. A Vendure order placed but not yet pulled is, for that
while, not taken off anywhere; the sync task pulls orders right before it pushes to a Vendure
channel (at most every 2 s) and a schedule pulls every minute, which keeps that window short.

Login: `login` returns a session token in the `vendure-auth-token` header (Vendure's bearer
token method) or, when the shop only uses cookies, a session cookie; either is kept per process
and sent again, and an answer of FORBIDDEN logs in once more before it counts as a refusal.
GraphQL answers HTTP 200 with an `errors` list, so every answer's `errors` is read.
"""

from __future__ import annotations

import datetime
import hashlib
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from channels.connectors.base import Connector, DeliveryError, PushItem, RemoteOrder
from channels.connectors.http import HttpError, call, words
from channels.connectors.vendure_graphql import (
    CHECK,
    LOGIN,
    ORDERS,
    UPDATE,
    VARIANTS,
    GraphQLError,
    auth_headers,
    error_codes,
    graphql_error,
    graphql_words,
)

BATCH = 100  # variants per read and per update mutation
PULL_PAGE = 100
PULL_MAX_PAGES = 20
# Vendure order states whose units the warehouse still has to ship.
OPEN_STATES = ("PaymentAuthorized", "PaymentSettled")
CANCELLED = "Cancelled"


@dataclass
class _Session:
    headers: dict[str, str]
    identifier: str


_sessions: dict[tuple[str, str, str, str], _Session] = {}
_sessions_lock = threading.Lock()


class VendureConnector(Connector):
    name = "vendure"
    pulls_orders = True
    items_per_call = BATCH

    # -- configuration ----------------------------------------------------------------------
    def _url(self) -> str:
        url = (self.channel.endpoint_url or "").strip().rstrip("/")
        if url and urlsplit(url).path in ("", "/"):
            url += "/admin-api"
        return url

    def _settings(self) -> dict:
        return self.channel.settings or {}

    def _location_name(self) -> str:
        return str(self._settings().get("stock_location") or "").strip()

    def _problem(self) -> str:
        """What's missing from the channel's configuration, in words; "" when complete."""
        settings = self._settings()
        if not self._url():
            return "Set the Admin API URL (endpoint URL), e.g. https://shop.example.com/admin-api."
        if not settings.get("username") or not settings.get("password"):
            return "Set username and password in the channel settings (a Vendure administrator)."
        if not self._location_name():
            return "Set stock_location in the channel settings (the Vendure stock location's name)."
        return ""

    # -- GraphQL over HTTP --------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        token = str(self._settings().get("channel_token") or "").strip()
        return {"vendure-token": token} if token else {}

    def _post(self, query: str, variables: dict, headers: dict[str, str]):
        answer = call(
            "POST",
            self._url(),
            payload={"query": query, "variables": variables},
            headers={**self._headers(), **headers},
            timeout=self.timeout,
            pool=self.channel.pk,
        )
        body = answer.json()
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            raise HttpError(
                f"POST {self._url()}: the answer is not GraphQL; is this Vendure's Admin API?",
                kind="status",
                status=answer.status,
                permanent=True,
            )
        return body, answer

    def _query(self, query: str, variables: dict | None = None, *, partial: bool = False) -> dict:
        """`data` of one Admin API call, logged in; GraphQLError on `errors` (unless `partial`,
        for the connection check that wants to see which fields were refused)."""
        variables = variables or {}
        for attempt in (1, 2):
            session = self._session(fresh=attempt == 2)
            body, _ = self._post(query, variables, session.headers)
            errors = body.get("errors") or []
            if errors and error_codes(errors) == ["FORBIDDEN"] and attempt == 1:
                continue  # an expired session answers FORBIDDEN: log in once more
            if errors and not partial:
                raise graphql_error(errors)
            data = body.get("data") or {}
            if partial:
                data["__errors__"] = errors
            return data
        raise AssertionError("unreachable")

    def _session(self, *, fresh: bool = False) -> _Session:
        settings = self._settings()
        username, password = str(settings["username"]), str(settings["password"])
        key = (
            self._url(),
            str(settings.get("channel_token") or ""),
            username,
            hashlib.sha256(password.encode()).hexdigest(),
        )
        with _sessions_lock:
            if not fresh and key in _sessions:
                return _sessions[key]
        body, answer = self._post(LOGIN, {"username": username, "password": password}, {})
        if body.get("errors"):
            raise graphql_error(body["errors"])
        result = (body.get("data") or {}).get("login") or {}
        if result.get("__typename") != "CurrentUser":
            code = result.get("errorCode") or result.get("__typename") or "LOGIN_FAILED"
            message = result.get("message") or "login refused"
            raise DeliveryError(
                f"Vendure refused the username or password ({code}: {message}).", permanent=True
            )
        session = _Session(auth_headers(answer.headers), str(result.get("identifier") or ""))
        if not session.headers:
            raise DeliveryError(
                "Vendure logged in but sent neither a vendure-auth-token header nor a session "
                "cookie: set authOptions.tokenMethod to include 'bearer'.",
                permanent=True,
            )
        with _sessions_lock:
            _sessions[key] = session
        return session

    # -- push -----------------------------------------------------------------------------------
    def push(self, items: list[PushItem]) -> None:
        """Set each item's stock at the configured location, up to 100 variants per read and
        per mutation (absolute, idempotent sets: re-sending a batch is safe). SKUs Vendure
        doesn't know are refused one by one; the others still go."""
        if problem := self._problem():
            raise DeliveryError(problem, permanent=True)
        refused: list[tuple[PushItem, str]] = []
        for start in range(0, len(items), BATCH):
            refused += self._push_batch(items[start : start + BATCH])
        if refused:
            named = "; ".join(f"{item.sku}: {why}" for item, why in refused[:5])
            more = f"; and {len(refused) - 5} more" if len(refused) > 5 else ""
            error = DeliveryError(
                f"{len(refused)} of {len(items)} items refused — {named}{more}", permanent=True
            )
            error.failed_skus = tuple(item.sku for item, _ in refused)
            raise error

    def _push_batch(self, items: list[PushItem]) -> list[tuple[PushItem, str]]:
        skus = [item.sku for item in items]
        data = self._query(VARIANTS, {"skus": skus, "take": len(skus) * 2})
        location_id = self._location_id(data)
        variants: dict[str, list[dict]] = {}
        for variant in data["productVariants"]["items"]:
            variants.setdefault(variant["sku"], []).append(variant)
        update, refused = [], []
        for item in items:
            found = variants.get(item.sku, [])
            if not found:
                refused.append((item, "no variant with this SKU in Vendure"))
                continue
            if len(found) > 1:
                refused.append((item, f"{len(found)} Vendure variants have this SKU"))
                continue
            variant = found[0]
            level = {
                "stockLocationId": location_id,
                "stockOnHand": _on_hand(item, variant, location_id),
            }
            update.append({"id": variant["id"], "trackInventory": "TRUE", "stockLevels": [level]})
        if update:
            self._query(UPDATE, {"input": update})
        return refused

    def _location_id(self, data: dict) -> str:
        wanted = self._location_name()
        locations = data["stockLocations"]["items"]
        for location in locations:
            if location["name"].strip().casefold() == wanted.casefold():
                return location["id"]
        known = ", ".join(f"'{location['name']}'" for location in locations) or "none"
        raise DeliveryError(
            f"Vendure has no stock location named '{wanted}' (it has {known}): check "
            "stock_location.",
            permanent=True,
        )

    # -- pull -----------------------------------------------------------------------------------
    def orders_since(
        self, since: datetime.datetime | None, *, codes: list[str] = ()
    ) -> list[RemoteOrder]:
        """Orders updated after `since` (or, on the first pull, every order still waiting to be
        shipped), plus the orders named in `codes` (ones the IMS could not take last time)."""
        if problem := self._problem():
            raise DeliveryError(problem, permanent=True)
        if since is None:
            filters = {"state": {"in": list(OPEN_STATES)}}
        else:
            filters = {"updatedAt": {"after": since.isoformat()}, "active": {"eq": False}}
        found = self._orders(filters)
        if codes:
            found += self._orders({"code": {"in": list(codes)}})
        by_code = {order.code: order for order in found}
        return sorted(by_code.values(), key=lambda order: (order.updated_at, order.code))

    def _orders(self, filters: dict) -> list[RemoteOrder]:
        orders: list[RemoteOrder] = []
        for page in range(PULL_MAX_PAGES):
            options = {
                "filter": filters,
                "sort": {"updatedAt": "ASC"},
                "take": PULL_PAGE,
                "skip": page * PULL_PAGE,
            }
            result = self._query(ORDERS, {"options": options})["orders"]
            orders += [_remote_order(item) for item in result["items"]]
            if len(result["items"]) < PULL_PAGE:
                break
        return orders

    # -- test connection ----------------------------------------------------------------------
    def test_connection(self) -> tuple[bool, str]:
        """Log in, find the stock location, look up every listed SKU and read one order: each
        thing that can be wrong is named in words."""
        if problem := self._problem():
            return False, problem
        url = self._url()
        skus = list(self.channel.listings.values_list("sku__code", flat=True)[:1000])
        try:
            session = self._session(fresh=True)
            data = self._query(CHECK, {"skus": skus, "take": len(skus) * 2 + 1}, partial=True)
        except HttpError as exc:
            return False, _failure_words(exc, url, self.timeout)
        except GraphQLError as exc:
            return False, graphql_words(exc, url)
        except DeliveryError as exc:
            return False, exc.detail
        errors = [error for error in data.pop("__errors__") if isinstance(error, dict)]
        refused = {
            str((error.get("path") or ["?"])[0]): code
            for error, code in zip(errors, error_codes(errors), strict=True)
        }
        if set(refused.values()) - {"FORBIDDEN"}:
            return False, graphql_words(graphql_error(errors), url)
        permission = {
            "stockLocations": "ReadStockLocation",
            "productVariants": "ReadCatalog (and UpdateCatalog to set stock)",
            "orders": "ReadOrder (to pull orders)",
        }
        for field, needed in permission.items():
            if field in refused:
                return False, (
                    f"{session.identifier or 'The Vendure user'} may not read {field} "
                    f"({refused[field]}): give its role {needed}."
                )
        token = str(self._settings().get("channel_token") or "").strip()
        active = data.get("activeChannel") or {}
        if token and active.get("token") != token:
            # A single-channel Vendure ignores an unknown token and answers for its default one.
            return False, (
                f"{url} knows no Vendure channel with that channel_token (it answered for "
                f"channel '{active.get('code', '?')}'): check channel_token."
            )
        try:
            self._location_id(data)
        except DeliveryError as exc:
            return False, exc.detail
        known = {variant["sku"] for variant in data["productVariants"]["items"]}
        missing = [sku for sku in skus if sku not in known]
        if missing:
            shown = ", ".join(missing[:10]) + (
                f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            )
            return False, (
                f"Connected to {url}, but {len(missing)} of {len(skus)} listed SKUs are not in "
                f"Vendure (no variant with that SKU): {shown}."
            )
        return True, (
            f"Connected to {url} as {session.identifier or 'the sync user'}: stock will be set "
            f"at '{self._location_name()}'; all {len(skus)} listed SKUs found."
        )


def _on_hand(item: PushItem, variant: dict, location_id: str) -> int:
    """Stock on hand at our location so that Vendure's saleable sum equals `available`."""
    levels = variant.get("stockLevels") or []
    allocated = sum(int(level["stockAllocated"]) for level in levels)
    elsewhere = sum(
        int(level["stockOnHand"])
        for level in levels
        if str(level["stockLocationId"]) != str(location_id)
    )
    return max(item.available + allocated - elsewhere, 0)


def _remote_order(item: dict) -> RemoteOrder:
    state = item["state"]
    status = "open" if state in OPEN_STATES else "cancelled" if state == CANCELLED else "other"
    lines: dict[str, int] = {}
    for line in item.get("lines") or []:
        sku = (line.get("productVariant") or {}).get("sku") or ""
        if line["quantity"] > 0:
            lines[sku] = lines.get(sku, 0) + int(line["quantity"])
    return RemoteOrder(
        code=item["code"],
        status=status,
        state=state,
        updated_at=datetime.datetime.fromisoformat(item["updatedAt"]),
        lines=tuple(lines.items()),
    )


def _failure_words(exc: HttpError, url: str, timeout: float) -> str:
    if exc.kind == "timeout":
        return f"{url} did not answer within {timeout:g} s: is the shop reachable from here?"
    if exc.kind in {"unreachable", "bad_url"}:
        return f"Could not reach {url}: check the Admin API URL. ({exc.detail})"
    if exc.kind == "redirect":
        return f"{url} redirects to {exc.location or 'another address'}: use the final address."
    if exc.status in (404, 405) or (exc.kind == "status" and exc.status == 200):
        return (
            f"{url} answered, but not like Vendure's Admin API ({words(exc)}): the URL should be "
            "the shop's Admin API, e.g. https://shop.example.com/admin-api."
        )
    if exc.status and exc.status >= 500:
        return f"Vendure had a problem ({words(exc)}): try again later."
    return f"Vendure answered {words(exc)}."
