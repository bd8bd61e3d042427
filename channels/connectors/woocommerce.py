"""WooCommerce: the REST API v3 (`/wp-json/wc/v3`), stock set with `stock_quantity`.

Channel fields: `endpoint_url` is the WordPress site (https://shop.example.com); `settings` holds
`consumer_key` and `consumer_secret` (a read/write REST key), sent as HTTP basic auth — or, with
`auth_in_query: true`, as query parameters, for servers that strip the Authorization header.
WooCommerce accepts keys this way over HTTPS only (plain HTTP would need OAuth 1.0a).

A listing's `external_id` is the product id ("123"), or "<product id>/<variation id>" ("123/456")
for a variation of a variable product, whose stock lives on the variation.

Two ways to push, chosen per channel:
- default: `PUT /products/{id}` (or `/products/{id}/variations/{vid}`) with
  `{"stock_quantity": n, "manage_stock": true}`, one call per item — the plain shape;
- `settings.batch: true`: `POST /products/batch` (and `/products/{id}/variations/batch` per
  parent) with `{"update": [{"id", "stock_quantity", "manage_stock"}]}`, up to 100 items a call
  (WooCommerce's default limit): a resync of thousands of listings takes dozens of calls instead
  of thousands. WooCommerce answers a batch with 200 and per-item errors, which are read.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from channels.connectors.base import Connector, DeliveryError, ItemError, PushItem
from channels.connectors.http import RETRYABLE_4XX, HttpError, call, join, send_each, words

API = "/wp-json/wc/v3"
BATCH_LIMIT = 100
_EXTERNAL_ID = re.compile(r"^\s*(\d+)\s*(?:/\s*(\d+)\s*)?$")


class WooCommerceConnector(Connector):
    name = "woocommerce"

    @property
    def items_per_call(self) -> int:
        """One item per request, or a batch of up to BATCH_LIMIT with `settings.batch`."""
        return BATCH_LIMIT if self.channel.settings.get("batch") else 1

    # -- configuration ----------------------------------------------------------------------
    def _base(self) -> str:
        return (self.channel.endpoint_url or "").strip().rstrip("/")

    def _problem(self) -> str:
        settings = self.channel.settings or {}
        if not self._base():
            return "Set the shop's address (endpoint URL), e.g. https://shop.example.com."
        if not settings.get("consumer_key") or not settings.get("consumer_secret"):
            return "Set consumer_key and consumer_secret in the channel settings (a REST API key)."
        return ""

    def _call(self, method: str, path: str, **kwargs):
        settings = self.channel.settings
        key, secret = str(settings["consumer_key"]), str(settings["consumer_secret"])
        if settings.get("auth_in_query"):
            params = {**kwargs.pop("params", {}), "consumer_key": key, "consumer_secret": secret}
            kwargs["params"] = params
        else:
            kwargs["auth"] = (key, secret)
        return call(
            method,
            join(self._base(), API + path),
            timeout=self.timeout,
            pool=self.channel.pk,
            **kwargs,
        )

    # -- the interface ----------------------------------------------------------------------
    def push(self, items: list[PushItem]) -> None:
        """Set each item's stock_quantity (and turn stock management on, so WooCommerce stops
        selling at 0). Items are absolute, idempotent sets: re-sending a batch is safe."""
        if problem := self._problem():
            raise DeliveryError(problem, permanent=True)
        if self.channel.settings.get("batch"):
            self._push_batches(items)
            return

        def send(item: PushItem) -> None:
            self._call(
                "PUT",
                _item_path(item),
                payload={"stock_quantity": item.available, "manage_stock": True},
            )

        send_each(items, send)

    def _push_batches(self, items: list[PushItem]) -> None:
        """One POST per 100 items per parent: products together, each product's variations
        together. Bad external ids and per-item errors don't stop the others."""
        groups: dict[str, list[tuple[PushItem, int]]] = {}
        refused: list[tuple[PushItem, str, bool]] = []  # (item, why, permanent)
        for item in items:
            ids = _ids(item.external_id)
            if ids is None:
                refused.append((item, _bad_id(item), True))
                continue
            product, variation = ids
            path = f"/products/{product}/variations/batch" if variation else "/products/batch"
            groups.setdefault(path, []).append((item, variation or product))
        chunks = [
            (path, members[start : start + BATCH_LIMIT])
            for path, members in groups.items()
            for start in range(0, len(members), BATCH_LIMIT)
        ]
        taken: list[PushItem] = []
        for path, chunk in chunks:
            update = [
                {"id": wc_id, "stock_quantity": item.available, "manage_stock": True}
                for item, wc_id in chunk
            ]
            try:
                answer = self._call("POST", path, payload={"update": update})
            except DeliveryError as exc:  # the whole call failed: down, timeout, 401, 429
                refused_skus = {item.sku for item, _, _ in refused}
                exc.acknowledged = tuple(i.sku for i in taken if i.sku not in refused_skus)
                raise
            refused.extend(_batch_refusals(answer.json(), [item for item, _ in chunk], path))
            taken.extend(item for item, _ in chunk)
        if refused:
            named = "; ".join(f"{item.sku}: {why}" for item, why, _ in refused[:5])
            more = f"; and {len(refused) - 5} more" if len(refused) > 5 else ""
            error = DeliveryError(
                f"{len(refused)} of {len(items)} items refused — {named}{more}",
                permanent=all(permanent for _, _, permanent in refused),
            )
            error.failed_skus = tuple(item.sku for item, _, _ in refused)
            raise error

    def test_connection(self) -> tuple[bool, str]:
        """List one product with the key: proves the address, that WooCommerce's REST API is
        there, and that the key is accepted (pushing also needs the key to be read/write)."""
        if problem := self._problem():
            return False, problem
        base = self._base()
        try:
            answer = self._call("GET", "/products", params={"per_page": 1, "_fields": "id"})
        except HttpError as exc:
            return False, self._failure_words(exc, base)
        if not isinstance(answer.json(), list):
            return False, (
                f"{base} answered, but not like WooCommerce's REST API: check the address and "
                "that WordPress permalinks are not set to 'Plain'."
            )
        return True, f"Connected to WooCommerce at {base}; the key is accepted."

    def _failure_words(self, exc: HttpError, base: str) -> str:
        if exc.kind == "timeout":
            return f"{base} did not answer within {self.timeout:g} s: is the shop reachable?"
        if exc.kind in {"unreachable", "bad_url"}:
            return f"Could not reach {base}: check the shop's address. ({exc.detail})"
        if exc.kind == "redirect":
            return (
                f"{base} redirects to {exc.location or 'another address'}: set the channel's "
                "address to the site's final address (often its https:// form)."
            )
        body = exc.json() if isinstance(exc.json(), dict) else {}
        code = body.get("code", "")
        status = exc.status
        if status == 401:
            hint = ""
            if urlsplit(base).scheme == "http":
                hint = " WooCommerce takes keys over HTTPS only; use the https:// address."
            elif code == "woocommerce_rest_cannot_view" and not self.channel.settings.get(
                "auth_in_query"
            ):
                hint = (
                    " The server may be dropping the Authorization header: try the setting "
                    "auth_in_query: true."
                )
            return (
                f"WooCommerce refused the consumer key and secret ({words(exc)}): check "
                f"consumer_key and consumer_secret.{hint}"
            )
        if status == 403:
            return f"The key may not read products ({words(exc)}): give it Read/Write permission."
        if status == 404:
            if code == "rest_no_route":
                return f"{base} is WordPress but has no WooCommerce API: is WooCommerce active?"
            return (
                f"No WooCommerce REST API at {base} ({words(exc)}): check the address and that "
                "WooCommerce is installed."
            )
        if status == 429:
            return "The shop is rate-limiting requests (HTTP 429): try again in a moment."
        if status and status >= 500:
            return f"The shop had a problem ({words(exc)}): try again later."
        return f"WooCommerce answered {words(exc)}."


def _ids(external_id: str) -> tuple[int, int | None] | None:
    """(product id, variation id or None) from "123" or "123/456"; None if neither."""
    match = _EXTERNAL_ID.match(external_id or "")
    if not match:
        return None
    return int(match.group(1)), (int(match.group(2)) if match.group(2) else None)


def _bad_id(item: PushItem) -> str:
    return f"external id '{item.external_id}' is not a product id like 123 or 123/456."


def _item_path(item: PushItem) -> str:
    ids = _ids(item.external_id)
    if ids is None:
        raise ItemError(_bad_id(item))
    product, variation = ids
    return f"/products/{product}/variations/{variation}" if variation else f"/products/{product}"


def _batch_refusals(data, chunk: list[PushItem], path: str) -> list[tuple[PushItem, str, bool]]:
    """Per-item errors in a batch answer. WooCommerce answers in request order (and reports an
    unknown id as id 0), so entries are matched by position. An answer without an `update` list
    means the call did not do what was asked: every item is refused, retryably."""
    results = data.get("update") if isinstance(data, dict) else None
    if not isinstance(results, list) or len(results) != len(chunk):
        why = f"POST {path} answered without a result per item."
        return [(item, why, False) for item in chunk]
    refused = []
    for item, result in zip(chunk, results, strict=True):
        error = result.get("error") if isinstance(result, dict) else None
        if not error:
            continue
        status = (error.get("data") or {}).get("status") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else str(error)
        permanent = isinstance(status, int) and 400 <= status < 500
        permanent = permanent and status not in RETRYABLE_4XX
        refused.append((item, f"{message or 'refused'} (HTTP {status})", permanent))
    return refused
