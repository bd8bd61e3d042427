"""Recompute every cached balance from the ledger and open reservations, and report drift."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from inventory.models import (
    SELLABLE_TYPES,
    BinStock,
    Location,
    Reservation,
    ReservationStatus,
    StockMovement,
    WarehouseStock,
)


@dataclass(frozen=True)
class Drift:
    table: str
    key: str
    field: str
    cached: int
    expected: int

    def __str__(self) -> str:
        return (
            f"{self.table} {self.key}: {self.field} is {self.cached}, "
            f"the ledger says {self.expected}"
        )


def stock_drift() -> list[Drift]:
    """Every disagreement between BinStock / WarehouseStock and what the ledger and the open
    reservations imply. An empty list means the books balance."""
    bins: dict[tuple, int] = defaultdict(int)
    inbound = (
        StockMovement.objects.filter(to_location__isnull=False)
        .values_list("sku_id", "to_location_id", "lot_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    outbound = (
        StockMovement.objects.filter(from_location__isnull=False)
        .values_list("sku_id", "from_location_id", "lot_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for sku_id, location_id, lot_id, total in inbound:
        bins[(sku_id, location_id, lot_id)] += total
    for sku_id, location_id, lot_id, total in outbound:
        bins[(sku_id, location_id, lot_id)] -= total

    drift: list[Drift] = []
    cached_bins = {
        (row.sku_id, row.location_id, row.lot_id): row.quantity
        for row in BinStock.objects.only("sku_id", "location_id", "lot_id", "quantity")
    }
    for key in sorted(set(bins) | set(cached_bins), key=str):
        cached, expected = cached_bins.get(key, 0), bins.get(key, 0)
        if cached != expected:
            drift.append(
                Drift(
                    "BinStock",
                    f"sku={key[0]} location={key[1]} lot={key[2]}",
                    "quantity",
                    cached,
                    expected,
                )
            )

    location_info = dict(
        Location.objects.values_list("pk", "warehouse_id").filter(type__in=SELLABLE_TYPES)
    )
    on_hand: dict[tuple, int] = defaultdict(int)
    for (sku_id, location_id, _lot), quantity in bins.items():
        if location_id in location_info:
            on_hand[(sku_id, location_info[location_id])] += quantity
    reserved = {
        (sku_id, warehouse_id): total
        for sku_id, warehouse_id, total in Reservation.objects.filter(status=ReservationStatus.OPEN)
        .values_list("sku_id", "warehouse_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    cached_ws = {
        (row.sku_id, row.warehouse_id): (row.on_hand, row.reserved)
        for row in WarehouseStock.objects.only("sku_id", "warehouse_id", "on_hand", "reserved")
    }
    for key in sorted(set(on_hand) | set(reserved) | set(cached_ws), key=str):
        cached_on_hand, cached_reserved = cached_ws.get(key, (0, 0))
        label = f"sku={key[0]} warehouse={key[1]}"
        if cached_on_hand != on_hand.get(key, 0):
            drift.append(
                Drift("WarehouseStock", label, "on_hand", cached_on_hand, on_hand.get(key, 0))
            )
        if cached_reserved != reserved.get(key, 0):
            drift.append(
                Drift("WarehouseStock", label, "reserved", cached_reserved, reserved.get(key, 0))
            )
    return drift
