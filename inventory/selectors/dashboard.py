"""Reads for the manager's overview (dashboard) and the SKU page.

Every function here runs a fixed number of queries, whatever the amount of stock: figures are
aggregates, and the on-hand history is derived from the ledger in one grouped query, walking back
from today's cached balance (on-hand at the end of a day = on-hand now minus what sellable bins
gained since).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from ims.kits.roles import in_scope
from inventory.models import (
    SELLABLE_TYPES,
    BinStock,
    Sku,
    StockMovement,
    Warehouse,
    WarehouseStock,
)
from inventory.selectors.stock import availability_list, movement_list, stock_list

_SELLABLE = [t.value for t in SELLABLE_TYPES]


@dataclass(frozen=True)
class DayPoint:
    day: datetime.date
    on_hand: int  # sellable units at the end of the day
    movements: int  # ledger rows written that day


def _sellable_delta():
    """Signed change a movement makes to sellable on-hand: + into a pickable bin, - out of one."""
    gained = Case(
        When(to_location__type__in=_SELLABLE, then=F("quantity")),
        default=Value(0),
        output_field=IntegerField(),
    )
    lost = Case(
        When(from_location__type__in=_SELLABLE, then=F("quantity")),
        default=Value(0),
        output_field=IntegerField(),
    )
    return gained - lost


def local_today() -> datetime.date:
    return timezone.localdate()


def on_hand_series(
    *,
    days: int,
    on_hand_now: int,
    sku: Sku | None = None,
    warehouse: Warehouse | None = None,
    warehouses=None,
    today: datetime.date | None = None,
) -> list[DayPoint]:
    """Sellable units at the end of each of the last `days` local days (oldest first) and the
    number of movements each day. One query: the ledger grouped by local day."""
    today = today or local_today()
    first = today - datetime.timedelta(days=days - 1)
    since = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    movements = StockMovement.objects.filter(created_at__gte=since)
    if sku is not None:
        movements = movements.filter(sku=sku)
    if warehouse is not None:
        movements = movements.filter(warehouse=warehouse)
    movements = in_scope(movements, warehouses)
    rows = (
        movements.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(net=Coalesce(Sum(_sellable_delta()), 0), count=Count("id"))
        .order_by()
    )
    by_day = {row["day"]: row for row in rows}
    points = []
    level = on_hand_now
    for offset in range(days):
        day = today - datetime.timedelta(days=offset)
        row = by_day.get(day)
        points.append(DayPoint(day=day, on_hand=level, movements=row["count"] if row else 0))
        if row:
            level -= row["net"]  # the level at the end of the previous day
    points.reverse()
    return points


def skus_with_nothing_available(*, limit: int = 8, warehouses=None) -> QuerySet[Sku]:
    """Active SKUs with no available unit anywhere (in `warehouses`), for the dashboard's
    short list."""
    anything_available = in_scope(
        WarehouseStock.objects.filter(sku=OuterRef("pk"), on_hand__gt=F("reserved")), warehouses
    )
    return (
        Sku.objects.filter(active=True)
        .exclude(Exists(anything_available))
        .annotate(reserved_units=Coalesce(Sum("warehouse_stock__reserved"), 0))
        .order_by("code")[:limit]
    )


def latest_movements(*, limit: int = 10, warehouses=None) -> QuerySet[StockMovement]:
    return movement_list(warehouses=warehouses)[:limit]


@dataclass
class WarehouseTotals:
    warehouse: Warehouse
    on_hand: int = 0
    reserved: int = 0
    not_sellable: int = 0  # units at docks, in quarantine or at packing

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass
class SkuOverview:
    sku: Sku
    warehouses: list[WarehouseTotals]
    bins: list[BinStock]
    totals: WarehouseTotals = field(init=False)

    def __post_init__(self):
        self.totals = WarehouseTotals(
            warehouse=None,
            on_hand=sum(w.on_hand for w in self.warehouses),
            reserved=sum(w.reserved for w in self.warehouses),
            not_sellable=sum(w.not_sellable for w in self.warehouses),
        )


def sku_overview(*, sku: Sku, warehouses=None) -> SkuOverview:
    """Totals per warehouse (of `warehouses`, ids; None: all) and the bins holding the SKU, in
    two queries: the warehouse rows, and the bin rows (whose non-sellable units give the 'not
    sellable' column)."""
    per_warehouse: dict[int, WarehouseTotals] = {}
    for row in availability_list(warehouses=warehouses).filter(sku=sku):
        per_warehouse[row.warehouse_id] = WarehouseTotals(
            warehouse=row.warehouse, on_hand=row.on_hand, reserved=row.reserved
        )
    bins = list(
        stock_list(warehouses=warehouses)
        .filter(sku=sku)
        .order_by("location__warehouse__code", "location__path", "lot__expiry", "pk")
    )
    for row in bins:
        warehouse = row.location.warehouse
        totals = per_warehouse.setdefault(warehouse.pk, WarehouseTotals(warehouse=warehouse))
        if not row.location.sellable:
            totals.not_sellable += row.quantity
    ordered = sorted(per_warehouse.values(), key=lambda w: w.warehouse.code)
    return SkuOverview(sku=sku, warehouses=ordered, bins=bins)
