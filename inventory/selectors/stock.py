"""Stock reads: bin-level stock, availability per SKU and warehouse, the movement ledger."""

from django.db.models import F, QuerySet

from ims.kits.roles import in_scope
from inventory import events
from inventory.models import (
    BinStock,
    Location,
    SkuVelocity,
    StockMovement,
    Warehouse,
    WarehouseStock,
)


def warehouse_list(*, warehouses=None) -> QuerySet[Warehouse]:
    """Warehouses, narrowed to `warehouses` (ids; None: all) as every selector here is."""
    return in_scope(Warehouse.objects.order_by("code"), warehouses, "pk")


def location_list(*, warehouses=None) -> QuerySet[Location]:
    return in_scope(
        Location.objects.select_related("warehouse", "parent").order_by("warehouse__code", "path"),
        warehouses,
    )


def stock_list(*, include_empty: bool = False, warehouses=None) -> QuerySet[BinStock]:
    """Units per SKU, location and lot. Rows emptied by moves stay in the table (they are the
    conditional-update targets); they are hidden unless `include_empty`."""
    queryset = BinStock.objects.select_related("sku", "location__warehouse", "lot").order_by(
        "sku__code", "location__warehouse__code", "location__path", "lot__lot_number", "pk"
    )
    queryset = in_scope(queryset, warehouses, "location__warehouse")
    if not include_empty:
        queryset = queryset.filter(quantity__gt=0)
    return queryset


def availability_list(*, warehouses=None) -> QuerySet[WarehouseStock]:
    """Per SKU and warehouse: on_hand, reserved, `available` (on_hand - reserved) and
    `incoming` (open purchase-order quantity), all annotated in the one list query; only the
    `warehouses` given (ids; None: all)."""
    rows = (
        WarehouseStock.objects.select_related("sku", "warehouse")
        .annotate(
            available_units=F("on_hand") - F("reserved"),
            incoming=events.incoming_quantity(),
        )
        .order_by("sku__code", "warehouse__code", "pk")
    )
    return in_scope(rows, warehouses)


def movement_list(*, warehouses=None) -> QuerySet[StockMovement]:
    """The ledger, newest first, with everything its rows name already joined."""
    movements = StockMovement.objects.select_related(
        "sku", "warehouse", "lot", "from_location", "to_location", "actor"
    ).order_by("-created_at", "-id")
    return in_scope(movements, warehouses)


def velocity_list(*, warehouses=None) -> QuerySet[SkuVelocity]:
    """Stored SKU velocity, busiest first, in `warehouses` (ids; None: all)."""
    rows = SkuVelocity.objects.select_related("sku", "warehouse").order_by(
        "warehouse__code", "-picks_90d", "sku__code", "pk"
    )
    return in_scope(rows, warehouses)
