"""The dashboard: the first screen, composed of every app's figures (stock from inventory, docks
from receiving, low stock from replenishment's open alerts), so it lives at the top of ims."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ims.kits.access import roles_required
from ims.kits.roles import READ_STOCK, in_scope, warehouse_scope
from inventory.models import BinStock, LocationType, Sku, WarehouseStock
from inventory.selectors.accuracy import (
    accuracy_by_week,
    ghost_stock_list,
    ghost_stock_summary,
    shrinkage_by_month,
)
from inventory.selectors.dashboard import (
    latest_movements,
    on_hand_series,
    skus_with_nothing_available,
)
from inventory.views.stock import day_labels
from replenishment.models import AlertStatus, ReplenishmentAlert

DASHBOARD_DAYS = 14
DASHBOARD_GHOST_ROWS = 8


@dataclass(frozen=True)
class DashboardFigures:
    skus: int
    on_hand: int
    reserved: int
    at_docks: int
    held_elsewhere: int  # quarantine and packing: physically here, not sellable
    nothing_available: int  # active SKUs with no available unit in any warehouse
    low_stock: int  # active SKUs with an open replenishment alert (at or below reorder point)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def dashboard_figures(*, warehouses=None) -> DashboardFigures:
    """The headline figures, in three aggregate queries; `warehouses` (ids; None: all) narrows
    every figure but the SKU count to those warehouses."""
    anything_available = in_scope(
        WarehouseStock.objects.filter(sku=OuterRef("pk"), on_hand__gt=F("reserved")), warehouses
    )
    open_alert = in_scope(
        ReplenishmentAlert.objects.filter(sku=OuterRef("pk"), status=AlertStatus.OPEN), warehouses
    )
    skus = Sku.objects.filter(active=True).aggregate(
        total=Count("pk"),
        nothing_available=Count("pk", filter=~Q(Exists(anything_available))),
        low_stock=Count("pk", filter=Q(Exists(open_alert))),
    )
    stock = in_scope(WarehouseStock.objects.all(), warehouses).aggregate(
        on_hand=Coalesce(Sum("on_hand"), 0), reserved=Coalesce(Sum("reserved"), 0)
    )
    held = in_scope(
        BinStock.objects.filter(quantity__gt=0), warehouses, "location__warehouse"
    ).aggregate(
        docks=Coalesce(Sum("quantity", filter=Q(location__type=LocationType.DOCK)), 0),
        elsewhere=Coalesce(
            Sum(
                "quantity",
                filter=Q(location__type__in=[LocationType.QUARANTINE, LocationType.PACKING]),
            ),
            0,
        ),
    )
    return DashboardFigures(
        skus=skus["total"],
        on_hand=stock["on_hand"],
        reserved=stock["reserved"],
        at_docks=held["docks"],
        held_elsewhere=held["elsewhere"],
        nothing_available=skus["nothing_available"],
        low_stock=skus["low_stock"],
    )


@roles_required(READ_STOCK)
@require_GET
def dashboard(request):
    scope = warehouse_scope(request.user, READ_STOCK)
    figures = dashboard_figures(warehouses=scope)
    series = on_hand_series(days=DASHBOARD_DAYS, on_hand_now=figures.on_hand, warehouses=scope)
    context = {
        "figures": figures,
        "series": series,
        "chart_values": [point.on_hand for point in series],
        "activity_values": [point.movements for point in series],
        "chart_labels": day_labels(series),
        "movements_today": series[-1].movements,
        "nothing_available": skus_with_nothing_available(warehouses=scope),
        "latest": latest_movements(warehouses=scope),
        "days": DASHBOARD_DAYS,
        **accuracy_context(scope),
    }
    return render(request, "inventory/dashboard.html", context)


def accuracy_context(scope) -> dict:
    """Ghost stock of the last 30 days, count accuracy per week and shrinkage per month, with
    their charts' series: four queries (the rows, the summary, the weeks, the months)."""
    ghost = ghost_stock_summary(warehouses=scope)
    accuracy = accuracy_by_week(warehouses=scope)
    shrinkage = shrinkage_by_month(warehouses=scope)
    return {
        "ghost": ghost,
        "ghost_rows": ghost_stock_list(warehouses=scope, since=ghost.since)[:DASHBOARD_GHOST_ROWS],
        "accuracy": accuracy,
        "accuracy_values": [week.percent for week in accuracy.weeks],
        "accuracy_labels": [f"week of {week.week:%d %b}" for week in accuracy.weeks],
        "shrinkage": shrinkage,
        "shrinkage_units": [month.units for month in shrinkage.months],
        "shrinkage_values": [month.value for month in shrinkage.months],
        "shrinkage_labels": [f"{month.month:%b %Y}" for month in shrinkage.months],
    }
