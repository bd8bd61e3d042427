"""Which bins an order's units come from: first-expiry-first, then oldest lot, then lowest travel
cost, counting only units not already planned for other open picks; and locking a pick's bin."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from channels.models import (
    PickTask,
    PickTaskStatus,
)
from inventory.errors import InvalidState
from inventory.models import (
    SELLABLE_TYPES,
    BinStock,
    Location,
    LocationType,
    Reservation,
)
from inventory.services import stock_rows_lock

_FAR_FUTURE = datetime.date.max


_LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC)


@dataclass
class BinOption:
    row: BinStock
    free: int  # units in the bin not planned for other open picks


def _pick_order_key(option: BinOption):
    lot, location = option.row.lot, option.row.location
    return (
        lot is None or lot.expiry is None,
        (lot.expiry if lot and lot.expiry else _FAR_FUTURE),
        (lot.created_at if lot else _LATEST),
        location.travel_cost,
        location.path,
        option.row.pk,
    )


def bin_options(
    *, keys: set[tuple[int, int]], exclude_location_id: int | None = None
) -> dict[tuple[int, int], list[BinOption]]:
    """For each (sku_id, warehouse_id), the sellable bins holding the SKU, best pick first.
    Two queries whatever the number of keys."""
    if not keys:
        return {}
    sku_ids = {sku_id for sku_id, _ in keys}
    warehouse_ids = {warehouse_id for _, warehouse_id in keys}
    rows = (
        BinStock.objects.filter(
            sku_id__in=sku_ids,
            location__warehouse_id__in=warehouse_ids,
            location__type__in=SELLABLE_TYPES,
            quantity__gt=0,
        )
        .exclude(location_id=exclude_location_id)
        .select_related("location", "lot")
    )
    planned = {
        (sku_id, location_id, lot_id): total
        for sku_id, location_id, lot_id, total in PickTask.objects.filter(
            status=PickTaskStatus.OPEN, sku_id__in=sku_ids, warehouse_id__in=warehouse_ids
        )
        .values_list("sku_id", "location_id", "lot_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    options: dict[tuple[int, int], list[BinOption]] = defaultdict(list)
    for row in rows:
        key = (row.sku_id, row.location.warehouse_id)
        if key not in keys:
            continue
        taken = planned.get((row.sku_id, row.location_id, row.lot_id), 0)
        options[key].append(BinOption(row=row, free=max(row.quantity - taken, 0)))
    for key in options:
        options[key].sort(key=_pick_order_key)
    return options


def plan_bins(
    options: list[BinOption], quantity: int, *, free_only: bool = False
) -> list[tuple[BinStock, int]]:
    """Which bins give `quantity` units: free units first, in pick order. Unless `free_only`,
    units already planned for other picks fill any remainder (the books say they are there; a
    short pick sorts out the rest)."""
    plan: dict[int, list] = {}
    remaining = quantity
    for option in options:
        take = min(option.free, remaining)
        if take:
            plan[option.row.pk] = [option.row, take]
            remaining -= take
        if not remaining:
            break
    if remaining and not free_only:
        for option in options:
            spare = option.row.quantity - (plan.get(option.row.pk, [None, 0])[1])
            take = min(spare, remaining)
            if take:
                plan.setdefault(option.row.pk, [option.row, 0])[1] += take
                remaining -= take
            if not remaining:
                break
    if remaining and not free_only:
        raise InvalidState(
            "The bins hold fewer units than the warehouse's books; run `manage.py stock_audit`."
        )
    return [(row, take) for row, take in plan.values()]


def packing_for(warehouse_id: int) -> Location | None:
    """Where picked units go: the warehouse's packing station nearest the bins' origin."""
    return (
        Location.objects.filter(warehouse_id=warehouse_id, type=LocationType.PACKING)
        .order_by("travel_cost", "pk")
        .first()
    )


def bin_lock(task: PickTask, packing: Location | None = None) -> int:
    """Lock the pick's reservation, then every bin row the pick touches (its bin and, when the
    warehouse has one, the packing station's row) in primary-key order, the one lock order of
    DESIGN.md; the bin's quantity. Taking the bin alone first would deadlock with a put-back
    moving the same SKU from packing to this bin when the packing row's key is lower."""
    Reservation.objects.select_for_update(of=("self",)).filter(pk=task.reservation_id).first()
    key = (task.sku_id, task.location_id, task.lot_id)
    keys = [key] if packing is None else [key, (task.sku_id, packing.pk, task.lot_id)]
    return stock_rows_lock(bins=keys).get(key, 0)
