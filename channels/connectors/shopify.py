"""Shopify: the Admin REST API's `inventory_levels/set.json`, one inventory level per call.

Channel fields: `endpoint_url` is the shop (https://your-shop.myshopify.com); `settings` holds
`access_token` (an Admin API access token with write_inventory and read_locations scopes),
`location_id` (the Shopify location this channel's stock is set at) and optionally
`api_version` (default 2024-01; Shopify answers an unsupported version with its oldest supported
one). A listing's `external_id` is the variant's *inventory item* id (a number, or its GraphQL id
gid://shopify/InventoryItem/<n>).
"""

from __future__ import annotations

import re

from channels.connectors.base import Connector, DeliveryError, ItemError, PushItem
from channels.connectors.http import HttpError, call, join, send_each, words

DEFAULT_API_VERSION = "2024-01"
_VERSION = re.compile(r"^(\d{4}-\d{2}|unstable)$")
_GID = re.compile(r"^gid://shopify/InventoryItem/(\d+)$")


class ShopifyConnector(Connector):
    name = "shopify"
    # The REST endpoint sets one level per call. Shopify's REST bucket (40 calls, refilled at 2 a
    # second) answers 429 with Retry-After when it is empty: the deliverer waits it out.
    items_per_call = 1

    # -- configuration ----------------------------------------------------------------------
    def _base(self) -> str:
        base = (self.channel.endpoint_url or "").strip().rstrip("/")
        if base.endswith("/admin"):
            base = base[: -len("/admin")]
        return base

    def _api(self, path: str) -> str:
        version = str(self.channel.settings.get("api_version") or DEFAULT_API_VERSION)
        return join(self._base(), f"/admin/api/{version}{path}")

    def _problem(self) -> str:
        """What's missing from the channel's configuration, in words; "" when complete."""
        settings = self.channel.settings or {}
        if not self._base():
            return "Set the shop's address (endpoint URL), e.g. https://your-shop.myshopify.com."
        if not settings.get("access_token"):
            return "Set access_token in the channel settings (the app's Admin API access token)."
        if _number(settings.get("location_id")) is None:
            return "Set location_id in the channel settings (the Shopify location's number)."
        version = str(settings.get("api_version") or DEFAULT_API_VERSION)
        if not _VERSION.match(version):
            return f"api_version '{version}' is not a Shopify API version like 2024-01."
        return ""

    def _headers(self) -> dict[str, str]:
        return {"X-Shopify-Access-Token": str(self.channel.settings["access_token"])}

    # -- the interface ----------------------------------------------------------------------
    def push(self, items: list[PushItem]) -> None:
        """Set each item's `available` at the configured location, one call per item (the REST
        endpoint sets one level per call). Items are absolute, idempotent sets; the first
        failure is raised naming the items already set (see `send_each`)."""
        if problem := self._problem():
            raise DeliveryError(problem, permanent=True)
        location_id = _number(self.channel.settings["location_id"])
        url = self._api("/inventory_levels/set.json")
        headers = self._headers()

        def send(item: PushItem) -> None:
            inventory_item_id = _inventory_item_id(item.external_id)
            if inventory_item_id is None:
                raise ItemError(
                    f"external id '{item.external_id}' is not a Shopify inventory item id."
                )
            call(
                "POST",
                url,
                payload={
                    "location_id": location_id,
                    "inventory_item_id": inventory_item_id,
                    "available": item.available,
                },
                headers=headers,
                timeout=self.timeout,
            )

        send_each(items, send)

    def test_connection(self) -> tuple[bool, str]:
        """Read the configured location with the token: proves the address, the token and the
        location id in one call."""
        if problem := self._problem():
            return False, problem
        location_id = _number(self.channel.settings["location_id"])
        base = self._base()
        try:
            answer = call(
                "GET",
                self._api(f"/locations/{location_id}.json"),
                headers=self._headers(),
                timeout=self.timeout,
            )
        except HttpError as exc:
            return False, _failure_words(exc, base, location_id, self.timeout)
        data = answer.json()
        location = data.get("location") if isinstance(data, dict) else None
        if not isinstance(location, dict):
            return False, (
                f"{base} answered, but not like Shopify's Admin API: check the shop's address "
                "(https://your-shop.myshopify.com)."
            )
        name = location.get("name") or location_id
        if location.get("active") is False:
            return False, f"Shopify location '{name}' ({location_id}) is deactivated."
        return True, f"Connected to {base}: stock will be set at location '{name}'."


def _failure_words(exc: HttpError, base: str, location_id: int, timeout: float) -> str:
    if exc.kind == "timeout":
        return f"{base} did not answer within {timeout:g} s: is the shop reachable from here?"
    if exc.kind in {"unreachable", "bad_url"}:
        return f"Could not reach {base}: check the shop's address. ({exc.detail})"
    if exc.kind == "redirect":
        return (
            f"{base} redirects to {exc.location or 'another address'}: use the shop's "
            "https://<shop>.myshopify.com address."
        )
    status = exc.status
    if status == 401:
        return f"Shopify refused the access token ({words(exc)}): check access_token."
    if status == 403:
        return (
            f"The access token may not read locations ({words(exc)}): give the app the "
            "read_locations and write_inventory scopes."
        )
    if status == 404:
        return (
            f"Shopify knows no location {location_id} ({words(exc)}): check location_id "
            "(and that the address is the shop's)."
        )
    if status == 429:
        return "Shopify is rate-limiting this app (HTTP 429): try again in a moment."
    if status and status >= 500:
        return f"Shopify had a problem ({words(exc)}): try again later."
    return f"Shopify answered {words(exc)}."


def _number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()) or None
    return None


def _inventory_item_id(external_id: str) -> int | None:
    match = _GID.match(external_id.strip())
    return _number(match.group(1) if match else external_id)
