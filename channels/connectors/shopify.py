"""Shopify: stock set through the GraphQL Admin API's `inventorySetQuantities`; orders pulled
back by shopify_orders.py (the reconciliation pull behind the order webhooks).

Channel fields: `endpoint_url` is the shop (https://your-shop.myshopify.com; a trailing /admin is
dropped); `settings` holds
- `access_token` (secret): the app's Admin API access token, with the scopes write_inventory
  (which includes read_inventory), read_locations and read_orders;
- `location_id`: the Shopify location whose stock the IMS sets, gid://shopify/Location/<n> or
  just <n>;
- `api_version` (optional): YYYY-MM, 2026-01 or later; default 2026-10 (shopify_graphql.py).
A listing's `external_id` is its variant's inventory item id (gid://shopify/InventoryItem/<n> or
<n>), used as it is; anything else (or nothing) and the item is found by the listing's SKU, in
bulk, cached per channel (shopify_items.py).

A push is one `inventorySetQuantities` call of up to 250 quantities (Shopify's cap on any input
array): the `available` quantity at the channel's location set to the IMS's number, reason
`correction`, `referenceDocumentUri` gid://ims/ChannelSync/<channel code> (shown in the store's
inventory history), and an idempotency key (`@idempotent`, required from 2026-04): a fresh UUID
per call, because every call is a distinct operation: the connector never sends one twice, and
a retry by the deliverer is a new claim carrying new versions (re-sending an absolute set would
be harmless anyway).

changeFromQuantity: null, the explicit opt-out of compare-and-swap, on every quantity. The IMS is
the source of truth for what each channel may sell (the caller Shopify's documentation names for
inventorySetQuantities): each push carries the number computed at delivery time from the IMS's
ledger, by one deliverer per channel, in version order. Comparing against the last value Shopify
reported would not change what Shopify ends up holding. Shopify takes units out of `available`
by itself for every sale made there (a merchant may also edit it), so the compare would fail
whenever that happened since the last push, and the only right answer to that failure is to set
the IMS's number anyway, once the sale is in it (its webhook or the reconciliation pull brings
the order in, and its reservation queues the next push within seconds). It would cost a read
per push and a second round trip per stale answer, and the value to compare against is state
the push does not keep (it reads no database). Shopify's `committed` units are not touched: setting
`available` leaves them alone, so a Shopify order is never counted twice.

Per item: Shopify names each quantity it refuses by its field path (["input", "quantities",
"3", "inventoryItemId"]) and applies nothing of a call it refuses any of (no
inventoryAdjustmentGroup); the refused items are taken out and the rest sent again, so the
items Shopify took are acknowledged and the refused ones fail alone (DeliveryError.failed_skus),
with words. Had Shopify applied the rest anyway (an adjustment group beside the userErrors),
they are taken as acknowledged and not sent again. A cached inventory item id Shopify no longer
knows is looked up afresh and sent again in the same push. A refusal of the whole call (the
location, the reason) fails the call. Throttling is shopify_graphql.py's.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from channels.connectors import shopify_check, shopify_items, shopify_orders
from channels.connectors.base import Connector, DeliveryError, PushItem, RemoteOrder
from channels.connectors.http import HttpError
from channels.connectors.shopify_check import CHECK, CHECK_COST
from channels.connectors.shopify_graphql import (
    DEFAULT_API_VERSION,
    ShopifyAdmin,
    Throttled,
    http_words,
    version_problem,
)

SET_COST = 10  # Shopify's cost of a mutation
SET_ROUNDS = 3  # calls per push: refused items out, stale cached ids looked up again
# userErrors about the call, not about the quantity their field path points at.
WHOLE_CALL_CODES = frozenset(
    {
        "INVALID_LOCATION",
        "INVALID_NAME",
        "INVALID_REASON",
        "INVALID_REFERENCE_DOCUMENT",
        "COMPARE_QUANTITY_REQUIRED",
        "IDEMPOTENCY_CONCURRENT_REQUEST",
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
    }
)
_LOCATION_GID = re.compile(r"^gid://shopify/Location/(\d+)$")

SET_AVAILABLE = """
mutation SetAvailable($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}"""


@dataclass(frozen=True)
class _Target:
    item: PushItem
    gid: str  # the inventory item
    cached: bool  # the id came from the cache (and may be stale)


class ShopifyConnector(Connector):
    name = "shopify"
    pulls_orders = True
    items_per_call = 250  # Shopify's cap on input arrays
    # Test connection checks up to this many of the channel's listings (handed in by the
    # caller, as (SKU, external id) pairs): about 1,000 points of a 2,000-point bucket.
    checks_listings = 500

    # -- configuration ----------------------------------------------------------------------
    def _settings(self) -> dict:
        return self.channel.settings or {}

    def _shop(self) -> str:
        base = (self.channel.endpoint_url or "").strip().rstrip("/")
        return base[: -len("/admin")] if base.endswith("/admin") else base

    def _version(self) -> str:
        return str(self._settings().get("api_version") or DEFAULT_API_VERSION).strip()

    def _problem(self) -> str:
        """What's missing from the channel's configuration, in words; "" when complete."""
        if not self._shop():
            return "Set the shop's address (endpoint URL), e.g. https://your-shop.myshopify.com."
        if not self._settings().get("access_token"):
            return "Set access_token in the channel settings (the app's Admin API access token)."
        if self.location_gid() is None:
            return (
                "Set location_id in the channel settings: the Shopify location's id, "
                "gid://shopify/Location/<number> or just the number."
            )
        return version_problem(self._version())

    def admin(self) -> ShopifyAdmin:
        return ShopifyAdmin(
            shop=self._shop(),
            token=str(self._settings()["access_token"]),
            version=self._version(),
            pool=self.channel.pk,
            timeout=self.timeout,
        )

    def location_gid(self) -> str | None:
        value = self._settings().get("location_id")
        if isinstance(value, bool):
            return None
        text = str(value or "").strip()
        match = _LOCATION_GID.match(text)
        number = match.group(1) if match else text
        return f"gid://shopify/Location/{int(number)}" if number.isdigit() else None

    # -- push -------------------------------------------------------------------------------
    def push(self, items: list[PushItem]) -> None:
        """Set each item's `available` at the channel's location (at most 250 items). SKUs
        Shopify doesn't know, and quantities it refuses, fail alone; the others are taken."""
        if problem := self._problem():
            raise DeliveryError(problem, permanent=True)
        if not items:
            return
        admin = self.admin()
        refused: dict[str, str] = {}
        targets = self._targets(admin, items, refused)
        taken = self._set_all(admin, targets, refused)
        if refused:
            named = "; ".join(f"{sku}: {why}" for sku, why in list(refused.items())[:5])
            more = f"; and {len(refused) - 5} more" if len(refused) > 5 else ""
            error = DeliveryError(
                f"{len(refused)} of {len(items)} items refused by Shopify — {named}{more}",
                permanent=True,
            )
            error.failed_skus = tuple(refused)
            error.acknowledged = tuple(taken)
            raise error

    def _targets(
        self, admin: ShopifyAdmin, items: list[PushItem], refused: dict, *, fresh: bool = False
    ) -> list[_Target]:
        """The inventory item of each item: its external id, else the cache (unless `fresh`),
        else one lookup for all the rest. The ones without one go to `refused`."""
        direct = {
            item.sku: gid
            for item in items
            if (gid := shopify_items.inventory_item_gid(item.external_id))
        }
        by_sku = [item.sku for item in items if item.sku not in direct]
        hits = {} if fresh else shopify_items.cached(self.channel, admin.shop, by_sku)
        missing = [sku for sku in by_sku if sku not in hits]
        found: dict[str, list[str]] = {}
        try:
            if missing:
                shopify_items.lookup(admin, missing, found)
        finally:  # what was found before a throttled query is not asked for again
            looked_up = {sku: ids[0] for sku, ids in found.items() if len(ids) == 1}
            shopify_items.remember(self.channel, admin.shop, looked_up)
        for sku in missing:
            ids = found.get(sku, [])
            if not ids:
                refused[sku] = "no inventory item with this SKU in Shopify"
            elif len(ids) > 1:
                refused[sku] = (
                    f"{len(ids)} Shopify inventory items have this SKU: set the listing's "
                    "external id to the right one's id"
                )
        targets, seen = [], {}
        for item in items:
            gid = direct.get(item.sku) or hits.get(item.sku) or looked_up.get(item.sku)
            if gid is None:
                continue
            if gid in seen:
                refused[item.sku] = f"the same Shopify inventory item as SKU {seen[gid]}"
                continue
            seen[gid] = item.sku
            targets.append(_Target(item, gid, cached=item.sku in hits))
        return targets

    def _set_all(self, admin: ShopifyAdmin, targets: list[_Target], refused: dict) -> list[str]:
        """Send `targets` until Shopify takes what it does not refuse; the SKUs it took."""
        taken: list[str] = []
        pending = targets
        for _ in range(SET_ROUNDS):
            if not pending:
                return taken
            try:
                payload = self._set(admin, pending)
                errors = payload.get("userErrors") or []
                if not errors:
                    return taken + [target.item.sku for target in pending]
                per_item = _per_item(errors, len(pending))
                applied = payload.get("inventoryAdjustmentGroup") is not None
                stale = [
                    target
                    for index, target in enumerate(pending)
                    if target.cached and per_item.get(index, ("",))[0] == "INVALID_INVENTORY_ITEM"
                ]
                again = []
                for index, target in enumerate(pending):
                    if target in stale:
                        continue
                    if index in per_item:
                        refused[target.item.sku] = per_item[index][1]
                    elif applied:  # Shopify took the others: never send them again
                        taken.append(target.item.sku)
                    else:
                        again.append(target)
                if stale:  # a cached id Shopify no longer knows: look the SKU up afresh
                    shopify_items.forget(self.channel, admin.shop, [t.item.sku for t in stale])
                    again += self._targets(admin, [t.item for t in stale], refused, fresh=True)
            except DeliveryError as exc:
                exc.acknowledged = tuple(taken)
                raise
            pending = again
        if pending:
            error = DeliveryError("Shopify kept refusing parts of the batch; trying again.")
            error.acknowledged = tuple(taken)
            raise error
        return taken

    def _set(self, admin: ShopifyAdmin, targets: list[_Target]) -> dict:
        location = self.location_gid()
        variables = {
            "key": str(uuid.uuid4()),
            "input": {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": f"gid://ims/ChannelSync/{quote(self.channel.code, '')}",
                "quantities": [
                    {
                        "inventoryItemId": target.gid,
                        "locationId": location,
                        "quantity": max(int(target.item.available), 0),
                        "changeFromQuantity": None,
                    }
                    for target in targets
                ],
            },
        }
        data = admin.run(SET_AVAILABLE, variables, cost=SET_COST).data
        payload = data.get("inventorySetQuantities")
        if not isinstance(payload, dict):
            raise DeliveryError("Shopify answered inventorySetQuantities with no result.")
        whole = [
            error
            for index, error in enumerate(payload.get("userErrors") or [])
            if index not in _per_item_positions(payload["userErrors"], len(targets))
        ]
        if whole:
            raise _whole_call_refused(whole)
        return payload

    # -- pull -------------------------------------------------------------------------------
    def orders_since(
        self, since: datetime.datetime | None, *, codes: list[str] = ()
    ) -> list[RemoteOrder]:
        return shopify_orders.orders_since(self, since, codes=codes)

    # -- test connection --------------------------------------------------------------------
    def test_connection(
        self, listings: Sequence[tuple[str, str]] | None = None
    ) -> tuple[bool, str]:
        """Read the shop, the token's scopes and the location in one call, then look up the
        `listings` handed in ((SKU, external id) pairs): each thing that can be wrong is named
        in words."""
        if problem := self._problem():
            return False, problem
        admin = self.admin()
        try:
            answer = admin.run(
                CHECK, {"location": self.location_gid()}, cost=CHECK_COST, partial=True
            )
            problem = shopify_check.answer_problem(self, admin, answer)
            if problem:
                return False, problem
            missing = shopify_check.missing_listings(self, admin, list(listings or []))
        except HttpError as exc:
            return False, http_words(exc, admin.shop, self.timeout)
        except Throttled as exc:
            return False, (
                f"Shopify is rate-limiting this app right now: try again in "
                f"{max(exc.retry_after or 1, 1):.0f} s."
            )
        except DeliveryError as exc:
            return False, exc.detail
        shop = answer.data["shop"]
        where = f"{shop['name']} ({shop['myshopifyDomain']})"
        location = answer.data["location"]["name"]
        if missing:
            shown = "; ".join(f"{sku} ({why})" for sku, why in missing[:10])
            more = f"; and {len(missing) - 10} more" if len(missing) > 10 else ""
            return False, (
                f"Connected to {where}, but {len(missing)} of {len(listings)} listed SKUs are "
                f"not in Shopify: {shown}{more}."
            )
        checked = f"; all {len(listings)} listed SKUs found" if listings else ""
        return True, (
            f"Connected to {where} on API {admin.version}: stock will be set at location "
            f"'{location}'{checked}."
        )


def _quantity_index(field) -> int | None:
    """The quantity a userError's field path points at: ["input", "quantities", "3", ...]."""
    if isinstance(field, list) and len(field) >= 3 and field[:2] == ["input", "quantities"]:
        index = str(field[2])
        return int(index) if index.isdigit() else None
    return None


def _per_item_positions(errors: list, count: int) -> set[int]:
    """Positions (in `errors`) of the userErrors that concern one quantity."""
    return {
        position
        for position, error in enumerate(errors)
        if (index := _quantity_index(error.get("field"))) is not None
        and index < count
        and str(error.get("code") or "") not in WHOLE_CALL_CODES
    }


def _per_item(errors: list, count: int) -> dict[int, tuple[str, str]]:
    """Quantity index -> (code, words) for the userErrors that concern one quantity."""
    refused = {}
    for position in sorted(_per_item_positions(errors, count)):
        error = errors[position]
        code = str(error.get("code") or "")
        message = str(error.get("message") or "refused").strip().rstrip(".")
        refused.setdefault(
            _quantity_index(error["field"]), (code, f"{message} ({code or 'no code'})")
        )
    return refused


def _whole_call_refused(errors: list) -> DeliveryError:
    codes = [str(error.get("code") or "") for error in errors]
    messages = "; ".join(
        f"{str(e.get('message') or '').strip().rstrip('.')} ({code or 'no code'})"
        for e, code in zip(errors, codes, strict=True)
    )
    hint = " Check location_id." if "INVALID_LOCATION" in codes else ""
    retryable = set(codes) <= {"IDEMPOTENCY_CONCURRENT_REQUEST"}
    return DeliveryError(f"Shopify refused the call: {messages}.{hint}", permanent=not retryable)
