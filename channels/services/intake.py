"""Order intake: an order and all its reservations in one transaction, all-or-nothing.

How it never oversells and never deadlocks:
1. The transaction inserts the Order first; (channel, external_id) is unique, so a concurrent
   copy of the same order waits on that index entry holding no other lock, and then either
   finds the first order (IntegrityError → 200 with it) or, if the first was refused, goes on.
2. It locks every candidate WarehouseStock row (the order's SKUs x the channel's warehouses)
   with one `SELECT ... FOR UPDATE ORDER BY id`: every intake takes its rows in primary-key
   order, so concurrent multi-line orders queue instead of deadlocking.
3. It decides the allocation from the locked values (priority order; split only when no
   warehouse can fill a line alone) and reserves with `stock_reserve`, whose conditional UPDATEs
   stay the guard (`reserved + q <= on_hand`).
Any short line raises InsufficientStock naming every short line; the rollback undoes the order.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from channels.models import OPEN_ORDER_STATUSES, Order, OrderLine, SalesChannel
from channels.services.orders import order_expire
from channels.services.picking import pick_tasks_create
from ims.kits.inputs import acting_user, is_whole
from inventory.errors import InsufficientStock
from inventory.models import Sku, Warehouse, WarehouseStock
from inventory.services import ReserveLine, retry_on_contention, stock_reserve

MAX_LINES = 500
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class OrderLineRequest:
    sku: Sku
    quantity: int


def _merged(lines: list[OrderLineRequest]) -> list[tuple[Sku, int]]:
    """One entry per SKU (repeated SKUs add up), in the order the channel gave them."""
    if not lines:
        raise ValidationError({"lines": "An order needs at least one line."})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": f"An order has at most {MAX_LINES} lines."})
    totals: dict[int, list] = {}
    for number, line in enumerate(lines, start=1):
        quantity = line.quantity
        if not is_whole(quantity, minimum=1):
            raise ValidationError({"lines": f"Line {number}: the quantity must be 1 or more."})
        if not isinstance(line.sku, Sku) or line.sku.pk is None:
            raise ValidationError({"lines": f"Line {number}: unknown SKU."})
        if not line.sku.active:
            raise ValidationError({"lines": f"Line {number}: {line.sku.code} is not active."})
        entry = totals.setdefault(line.sku.pk, [line.sku, 0])
        entry[1] += quantity
        if entry[1] > MAX_QUANTITY:
            raise ValidationError({"lines": f"{line.sku.code}: at most {MAX_QUANTITY} units."})
    return [(sku, quantity) for sku, quantity in totals.values()]


def channel_sources(channel: SalesChannel) -> list[Warehouse]:
    """The warehouses a channel sells from, highest priority first."""
    return [
        source.warehouse
        for source in channel.sources.select_related("warehouse").order_by("priority", "id")
    ]


def order_create(
    *,
    channel: SalesChannel,
    external_id: str,
    lines: list[OrderLineRequest],
    expires_at: datetime.datetime | None = None,
    actor: AbstractBaseUser | None = None,
) -> tuple[Order, bool]:
    """Reserve every line of an order from the channel's warehouses, or nothing. Returns
    (order, created); the same (channel, external_id) again returns the first order with
    created=False and reserves nothing, also when both arrive at the same moment."""
    external_id = (external_id or "").strip()
    if not external_id:
        raise ValidationError({"external_id": "The channel's order id is required."})
    if len(external_id) > 100:
        raise ValidationError({"external_id": "At most 100 characters."})
    existing = Order.objects.filter(channel=channel, external_id=external_id).first()
    if existing is not None:
        return existing, False
    if not channel.active:
        raise ValidationError({"channel": f"Channel {channel.code} is not active."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "A hold must expire in the future."})
    wanted = _merged(lines)
    sources = channel_sources(channel)
    if not sources:
        raise ValidationError({"channel": f"Channel {channel.code} sells from no warehouse."})
    _expire_holds_on(sku_ids=[sku.pk for sku, _ in wanted], warehouses=sources)
    try:
        order = _order_reserve(
            channel=channel,
            external_id=external_id,
            wanted=wanted,
            sources=sources,
            expires_at=expires_at,
            actor=actor,
        )
    except IntegrityError:
        # The same order committed first from another request: return that one.
        first = Order.objects.filter(channel=channel, external_id=external_id).first()
        if first is None:
            raise
        return first, False
    return order, True


def _expire_holds_on(*, sku_ids: list[int], warehouses: list[Warehouse]) -> None:
    """Expired holds stop counting at once: release those on the rows this order needs before
    reading them, each in its own short transaction (so this intake holds no lock meanwhile)."""
    expired = (
        Order.objects.filter(
            expires_at__lte=timezone.now(),
            status__in=OPEN_ORDER_STATUSES,
            lines__sku_id__in=sku_ids,
            lines__warehouse__in=warehouses,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for order_id in list(expired):
        order_expire(order_id=order_id)


def _allocate(
    *, wanted: list[tuple[Sku, int]], sources: list[Warehouse], available: dict
) -> tuple[list[tuple[Sku, Warehouse, int]], list[dict]]:
    """Each line from the first warehouse (in priority order) that can fill it alone; split in
    priority order only when none can. Returns (allocations, short lines)."""
    allocations, short = [], []
    for sku, quantity in wanted:
        amounts = [(wh, max(available.get((sku.pk, wh.pk), 0), 0)) for wh in sources]
        total = sum(amount for _, amount in amounts)
        if total < quantity:
            short.append({"sku": sku.code, "requested": quantity, "available": total})
            continue
        whole = next((wh for wh, amount in amounts if amount >= quantity), None)
        if whole is not None:
            allocations.append((sku, whole, quantity))
            continue
        remaining = quantity
        for wh, amount in amounts:
            take = min(amount, remaining)
            if take:
                allocations.append((sku, wh, take))
                remaining -= take
            if not remaining:
                break
    return allocations, short


def _short_error(short: list[dict]) -> InsufficientStock:
    return InsufficientStock(
        "Not enough stock for "
        + ", ".join(f"{s['sku']} ({s['available']} of {s['requested']} available)" for s in short)
        + "; nothing was reserved.",
        lines=short,
    )


@retry_on_contention
@transaction.atomic
def _order_reserve(
    *,
    channel: SalesChannel,
    external_id: str,
    wanted: list[tuple[Sku, int]],
    sources: list[Warehouse],
    expires_at: datetime.datetime | None,
    actor: AbstractBaseUser | None,
) -> Order:
    order = Order.objects.create(
        channel=channel,
        external_id=external_id,
        expires_at=expires_at,
        created_by=acting_user(actor),
    )
    locked = (
        WarehouseStock.objects.select_for_update()
        .filter(sku_id__in=[sku.pk for sku, _ in wanted], warehouse__in=sources)
        .order_by("pk")
        .values_list("sku_id", "warehouse_id", "on_hand", "reserved")
    )
    available = {(s, w): on_hand - reserved for s, w, on_hand, reserved in locked}
    allocations, short = _allocate(wanted=wanted, sources=sources, available=available)
    if short:
        raise _short_error(short)
    try:
        reservations = stock_reserve(
            lines=[ReserveLine(sku, wh, quantity) for sku, wh, quantity in allocations],
            reference=order.reference,
            expires_at=expires_at,
        )
    except InsufficientStock as exc:
        # Only a database without row locks gets here (the rows above are locked); keep the
        # contract's shape: one entry per short SKU.
        raise _short_error(
            [{k: line[k] for k in ("sku", "requested", "available")} for line in exc.lines]
        ) from exc
    by_key = {(r.sku_id, r.warehouse_id): r for r in reservations}
    order_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=position,
            sku=sku,
            warehouse=wh,
            quantity=quantity,
            reservation=by_key[(sku.pk, wh.pk)],
        )
        for position, (sku, wh, quantity) in enumerate(allocations, start=1)
    )
    pick_tasks_create(order=order, lines=order_lines)
    return order
