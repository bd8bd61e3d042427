"""A shop's order as the IMS reads it, whatever the shop (`ShopOrder`, `ShopLine`), and how its
lines become IMS SKUs: by the line's SKU first, then by the channel's listing whose external id
is one of the shop's ids for what was sold (Shopify: the variant or its inventory item;
WooCommerce: "<product>" or "<product>/<variation>", as channels.connectors store them)."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field

from channels.models import Listing, SalesChannel
from channels.services.intake import OrderLineRequest
from inventory.models import Sku

OPEN = "open"  # to be shipped: the IMS takes it
CANCELLED = "cancelled"  # cancelled (or refunded) on the shop: cancelled here too
OTHER = "other"  # not the IMS's to take (unpaid, a draft, shipped by the shop itself)


class PayloadError(ValueError):
    """A signed body that is not an order as the shop sends it; the sentence says what."""


def shop_id(value) -> str | None:
    """Both shops number orders, products and variants with positive integers (JSON numbers;
    digits in a string are accepted too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return value.strip()
    return None


@dataclass(frozen=True)
class ShopLine:
    sku: str  # the shop's SKU for the line, "" when it has none
    quantity: int
    ids: tuple[str, ...] = ()  # the shop's ids for what was sold, as a listing may hold them
    ships: bool = True  # False: nothing physical (gift card, digital item, tip)
    name: str = ""  # what the shop calls it, for the reason shown when it can't be matched

    def to_json(self) -> dict:
        return {**asdict(self), "ids": list(self.ids)}

    @classmethod
    def from_json(cls, data: dict) -> ShopLine:
        return cls(
            sku=str(data.get("sku") or ""),
            quantity=int(data.get("quantity") or 0),
            ids=tuple(str(i) for i in data.get("ids") or ()),
            ships=bool(data.get("ships", True)),
            name=str(data.get("name") or ""),
        )


@dataclass(frozen=True)
class ShopOrder:
    external_id: str  # the shop's order id: the IMS order's external_id
    status: str  # OPEN, CANCELLED or OTHER
    state: str  # the shop's own word for it (WooCommerce's status, Shopify's "cancelled", …)
    lines: tuple[ShopLine, ...] = ()
    name: str = ""  # what the shop shows for it (#1001)
    why: str = ""  # for OTHER: why it is not taken, in words
    updated_at: datetime.datetime | None = None


@dataclass
class Matched:
    requests: list[OrderLineRequest] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # lines that match nothing, in words
    skus: dict[int, str] = field(default_factory=dict)  # line index -> the IMS SKU code

    @property
    def problem(self) -> str:
        if not self.unknown:
            return ""
        return f"SKU not in the IMS: {', '.join(self.unknown)}."


def lines_match(channel: SalesChannel, lines: tuple[ShopLine, ...] | list[ShopLine]) -> Matched:
    """The IMS SKU of every line (two queries whatever the number of lines). A line the IMS
    doesn't know is named in `unknown`, unless it ships nothing (a gift card, a tip): those are
    left out, since the IMS holds physical stock only. Lines of quantity 0 (removed from the
    order) are left out too."""
    lines = [line for line in lines if line.quantity > 0]
    codes = {line.sku for line in lines if line.sku}
    by_code = {sku.code: sku for sku in Sku.objects.filter(code__in=codes)} if codes else {}
    ids = {i for line in lines if line.sku not in by_code for i in line.ids if i}
    by_id = (
        {
            listing.external_id: listing.sku
            for listing in Listing.objects.filter(
                channel=channel, external_id__in=ids
            ).select_related("sku")
        }
        if ids
        else {}
    )
    matched = Matched()
    for index, line in enumerate(lines):
        sku = by_code.get(line.sku) or next((by_id[i] for i in line.ids if i in by_id), None)
        if sku is not None:
            matched.requests.append(OrderLineRequest(sku=sku, quantity=line.quantity))
            matched.skus[index] = sku.code
        elif line.ships:
            matched.unknown.append(_words(line))
    return matched


def _words(line: ShopLine) -> str:
    if line.sku:
        return line.sku
    what = f"'{line.name}'" if line.name else "a line"
    return f"{what} with no SKU (id {line.ids[0]})" if line.ids else f"{what} with no SKU"
