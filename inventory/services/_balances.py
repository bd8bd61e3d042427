"""Low-level balance changes shared by the stock services.

Every function here runs inside the caller's transaction and changes a quantity with one
conditional UPDATE (never read-modify-write in Python). Callers apply bin rows before warehouse
rows, each group in primary-key order, so concurrent services take row locks in one fixed order
and never deadlock: Reservation → BinStock → WarehouseStock.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from inventory.errors import InsufficientStock
from inventory.models import BinStock, Location, Lot, Sku, Warehouse, WarehouseStock
from inventory.services._sql import database, hot_cursor


@dataclass(frozen=True)
class BinDelta:
    sku: Sku
    location: Location
    lot: Lot | None
    quantity: int  # signed


def bin_row(*, sku: Sku, location: Location, lot: Lot | None) -> BinStock:
    row, _ = BinStock.objects.get_or_create(sku=sku, location=location, lot=lot)
    return row


def warehouse_row(*, sku: Sku, warehouse: Warehouse) -> WarehouseStock:
    row, _ = WarehouseStock.objects.get_or_create(sku=sku, warehouse=warehouse)
    return row


def apply_bin_deltas(deltas: Iterable[BinDelta]) -> None:
    """Apply signed changes to bin rows in primary-key order; a decrement that would go below
    zero raises InsufficientStock (the transaction then rolls back whatever came before)."""
    rows = [(bin_row(sku=d.sku, location=d.location, lot=d.lot), d) for d in deltas]
    for row, delta in sorted(rows, key=lambda pair: pair[0].pk):
        if delta.quantity >= 0:
            BinStock.objects.filter(pk=row.pk).update(
                quantity=F("quantity") + delta.quantity, updated_at=Now()
            )
            continue
        need = -delta.quantity
        if not BinStock.objects.filter(pk=row.pk, quantity__gte=need).update(
            quantity=F("quantity") - need, updated_at=Now()
        ):
            have = BinStock.objects.filter(pk=row.pk).values_list("quantity", flat=True).first()
            raise InsufficientStock(
                f"{delta.location.code} holds {have} of {delta.sku.code}"
                f"{f' lot {delta.lot.lot_number}' if delta.lot else ''}, not {need}.",
                lines=[{"sku": delta.sku.code, "requested": need, "available": have or 0}],
            )


def on_hand_add(*, sku: Sku, warehouse: Warehouse, quantity: int) -> None:
    row = warehouse_row(sku=sku, warehouse=warehouse)
    WarehouseStock.objects.filter(pk=row.pk).update(
        on_hand=F("on_hand") + quantity, updated_at=Now()
    )


def on_hand_remove(*, sku: Sku, warehouse: Warehouse, quantity: int) -> None:
    """Take sellable units out of the warehouse; units promised to orders cannot be taken."""
    row = warehouse_row(sku=sku, warehouse=warehouse)
    if not WarehouseStock.objects.filter(pk=row.pk, on_hand__gte=F("reserved") + quantity).update(
        on_hand=F("on_hand") - quantity, updated_at=Now()
    ):
        available = available_of(sku_id=sku.pk, warehouse_id=warehouse.pk)
        raise InsufficientStock(
            f"Only {available} of {sku.code} are available in {warehouse.code} "
            f"(the rest is reserved); cannot take {quantity}.",
            lines=[{"sku": sku.code, "requested": quantity, "available": available}],
        )


# The reservation guard runs on every order line: hand-written SQL (the statement Django would
# write for `filter(...).update(reserved=F("reserved") + q)`) spares compiling a query per call.
_RESERVE_SQL = f"""
UPDATE {WarehouseStock._meta.db_table}
   SET reserved = reserved + %s, updated_at = %s
 WHERE sku_id = %s AND warehouse_id = %s AND on_hand >= reserved + %s
"""


def reserve(*, sku_id: int, warehouse_id: int, quantity: int) -> bool:
    """The reservation guard: one conditional UPDATE; False when not enough is available
    (including when the SKU has never had stock there: no row is created for a refusal)."""
    db = database()
    updated_at = db.ops.adapt_datetimefield_value(timezone.now())
    with hot_cursor(db) as cursor:
        cursor.execute(_RESERVE_SQL, [quantity, updated_at, sku_id, warehouse_id, quantity])
        return cursor.rowcount == 1


BinKey = tuple[int, int, int | None]  # (sku_id, location_id, lot_id)


def stock_rows_lock(
    *, bins: Iterable[BinKey] = (), warehouses: Iterable[tuple[int, int]] = ()
) -> dict[BinKey, int]:
    """Take every row a change will touch before it touches any: the bin rows (missing ones are
    made first, in (sku, location, lot) order, so two changes creating rows never wait on each
    other's inserts in opposite orders), then the existing warehouse rows, each group locked in
    primary-key order. Returns each bin's quantity. A caller that changes rows one service call
    at a time (a receipt of several lines, a shipment of several SKUs) calls this first, so the
    later updates only touch rows it already holds."""
    bin_keys = sorted(set(bins), key=lambda key: (key[0], key[1], key[2] or 0))
    pks = [
        BinStock.objects.get_or_create(sku_id=sku_id, location_id=location_id, lot_id=lot_id)[0].pk
        for sku_id, location_id, lot_id in bin_keys
    ]
    quantities = {
        (sku_id, location_id, lot_id): quantity
        for sku_id, location_id, lot_id, quantity in BinStock.objects.select_for_update(no_key=True)
        .filter(pk__in=pks)
        .order_by("pk")
        .values_list("sku_id", "location_id", "lot_id", "quantity")
    }
    warehouse_keys = set(warehouses)
    if warehouse_keys:
        condition = Q()
        for sku_id, warehouse_id in warehouse_keys:
            condition |= Q(sku_id=sku_id, warehouse_id=warehouse_id)
        list(
            WarehouseStock.objects.select_for_update(no_key=True)
            .filter(condition)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return quantities


def stock_rows_ensure(*, keys: Iterable[tuple[int, int]]) -> None:
    """Give each (sku_id, warehouse_id) pair its WarehouseStock row (nothing on hand) if it has
    none yet: receiving calls it for pairs with units coming or at a dock, so the availability
    list shows them before any unit is sellable. Inserted in key order, so two callers never wait
    on each other's inserts in opposite orders; existing rows are left alone (not even locked)."""
    WarehouseStock.objects.bulk_create(
        [WarehouseStock(sku_id=sku_id, warehouse_id=wh_id) for sku_id, wh_id in sorted(set(keys))],
        ignore_conflicts=True,
    )


def warehouse_lock_order(keys: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """(sku_id, warehouse_id) keys sorted by the primary key of their WarehouseStock row, the one
    order in which every transaction takes several of these rows. A single key needs no query.
    Keys without a row come first: they are refused without locking anything."""
    keys = list(keys)
    if len(keys) < 2:
        return keys
    condition = Q()
    for sku_id, warehouse_id in keys:
        condition |= Q(sku_id=sku_id, warehouse_id=warehouse_id)
    pks = {
        (sku_id, warehouse_id): pk
        for pk, sku_id, warehouse_id in WarehouseStock.objects.filter(condition).values_list(
            "pk", "sku_id", "warehouse_id"
        )
    }
    return sorted(keys, key=lambda key: pks.get(key, 0))


def unreserve_row(*, sku: Sku, warehouse: Warehouse, quantity: int) -> None:
    updated = WarehouseStock.objects.filter(
        sku=sku, warehouse=warehouse, reserved__gte=quantity
    ).update(reserved=F("reserved") - quantity, updated_at=Now())
    if not updated:  # the ledger and reservations disagree: refuse rather than corrupt
        raise InsufficientStock(
            f"{sku.code} in {warehouse.code} has fewer than {quantity} units reserved.",
            lines=[{"sku": sku.code, "requested": quantity, "available": 0}],
        )


def pick_row(*, sku: Sku, warehouse: Warehouse, quantity: int) -> None:
    """A pick takes reserved units: on-hand and reserved fall together."""
    updated = WarehouseStock.objects.filter(
        sku=sku, warehouse=warehouse, reserved__gte=quantity, on_hand__gte=quantity
    ).update(on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity, updated_at=Now())
    if not updated:
        raise InsufficientStock(
            f"{sku.code} in {warehouse.code} has fewer than {quantity} units reserved.",
            lines=[{"sku": sku.code, "requested": quantity, "available": 0}],
        )


def available_of(*, sku_id: int, warehouse_id: int) -> int:
    values = (
        WarehouseStock.objects.filter(sku_id=sku_id, warehouse_id=warehouse_id)
        .values_list("on_hand", "reserved")
        .first()
    )
    return values[0] - values[1] if values else 0
