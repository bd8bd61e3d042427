"""Receiving reads, shaped once: incoming quantities, velocity and bin suggestions, and the
querysets behind every receiving list and page (each a constant number of queries)."""

import math

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from ims.kits.roles import in_scope
from inventory.models import (
    BinStock,
    Location,
    LocationType,
    Lot,
    Sku,
    SkuVelocity,
    Warehouse,
)
from receiving.models import (
    INCOMING_STATUSES,
    RECEIVABLE_STATUSES,
    Discrepancy,
    PurchaseOrder,
    PurchaseOrderLine,
    PutawayStatus,
    PutawayTask,
    Receipt,
    ReceiptLine,
)

# Incoming ---------------------------------------------------------------------------------------


def _open_quantity() -> Expression:
    # An over-received line expects nothing more; it must not cancel another line's shortfall.
    return Greatest(F("quantity_ordered") - F("quantity_received"), Value(0))


def incoming_lines() -> QuerySet[PurchaseOrderLine]:
    """PO lines still expected: on open or partially received orders."""
    return PurchaseOrderLine.objects.filter(purchase_order__status__in=INCOMING_STATUSES)


def incoming_by_sku_warehouse(*, sku_ids=None, warehouse_ids=None) -> dict[tuple[int, int], int]:
    """Open purchase-order quantity (ordered - received, per line, never below zero) on open and
    partially received POs, keyed by (sku_id, warehouse_id). One query."""
    lines = incoming_lines()
    if sku_ids is not None:
        lines = lines.filter(sku_id__in=list(sku_ids))
    if warehouse_ids is not None:
        lines = lines.filter(purchase_order__warehouse_id__in=list(warehouse_ids))
    rows = (
        lines.values_list("sku_id", "purchase_order__warehouse_id")
        .annotate(units=Sum(_open_quantity()))
        .order_by()
    )
    return {(sku_id, warehouse_id): units for sku_id, warehouse_id, units in rows if units}


def incoming_subquery(sku=None, warehouse=None) -> Expression:
    """The same figure as an expression for a queryset with one row per SKU and warehouse (e.g.
    WarehouseStock): `.annotate(incoming=incoming_subquery())`. `sku` and `warehouse` default to
    OuterRef("sku") and OuterRef("warehouse")."""
    sku = sku if sku is not None else OuterRef("sku")
    warehouse = warehouse if warehouse is not None else OuterRef("warehouse")
    total = (
        incoming_lines()
        .filter(sku=sku, purchase_order__warehouse=warehouse)
        .values("sku")
        .annotate(units=Sum(_open_quantity()))
        .values("units")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def unit_cost_subquery(sku: Expression) -> Expression:
    """The SKU's unit cost on its most recent purchase-order line with a cost (NULL if none):
    what a unit is worth when a count or a found discrepancy values a variance."""
    last = (
        PurchaseOrderLine.objects.filter(sku_id=sku, unit_cost__gt=0)
        .order_by("-purchase_order__created_at", "-pk")
        .values("unit_cost")[:1]
    )
    return Subquery(last, output_field=DecimalField(max_digits=12, decimal_places=4))


# Velocity and bin suggestions -------------------------------------------------------------------


def velocity_by_sku(*, warehouse: Warehouse) -> dict[int, int]:
    """Units picked per SKU in the warehouse over the last 30 days, as stored by the last
    velocity recompute (`SkuVelocity.units_30d`; inventory.services.velocity), for the SKUs that
    moved at all. One query; the ledger is not read."""
    rows = SkuVelocity.objects.filter(warehouse=warehouse, units_30d__gt=0).values_list(
        "sku_id", "units_30d"
    )
    return dict(rows)


def velocity_rank(*, warehouse: Warehouse, sku: Sku) -> float:
    """Where the SKU stands among the warehouse's movers, from 0.0 (the fastest) towards 1.0.

    The rank is the share of picked SKUs that moved strictly more units than this one in the last
    30 days, by the stored velocity (the figures of `velocity_by_sku`): a pick counts once
    velocity is next recomputed. A SKU with no picks ranks behind every SKU with some. When the
    warehouse has no picks at all yet, every SKU ranks 0.0 (nothing to tell them apart: take the
    nearest bin).
    One aggregate query, however many SKUs the warehouse holds."""
    mine = SkuVelocity.objects.filter(warehouse=warehouse, sku=sku).values("units_30d")[:1]
    mine_units = Coalesce(Subquery(mine, output_field=IntegerField()), Value(0))
    figures = SkuVelocity.objects.filter(warehouse=warehouse, units_30d__gt=0).aggregate(
        picked=Count("pk"),
        faster=Count("pk", filter=Q(units_30d__gt=mine_units)),
        mine=Count("pk", filter=Q(sku=sku)),
    )
    if not figures["picked"]:
        return 0.0
    population = figures["picked"] + (0 if figures["mine"] else 1)
    return figures["faster"] / population


def _bins_with_load(warehouse: Warehouse, exclude_task: PutawayTask | None = None):
    stock_units = (
        BinStock.objects.filter(location=OuterRef("pk"))
        .values("location")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    pending = PutawayTask.objects.filter(
        suggested_location=OuterRef("pk"), status=PutawayStatus.OPEN
    )
    if exclude_task is not None:
        pending = pending.exclude(pk=exclude_task.pk)
    pending_units = (
        pending.values("suggested_location").annotate(units=Sum("quantity")).values("units")
    )
    return Location.objects.filter(warehouse=warehouse, type=LocationType.BIN).annotate(
        load=Coalesce(Subquery(stock_units, output_field=IntegerField()), Value(0))
        + Coalesce(Subquery(pending_units, output_field=IntegerField()), Value(0))
    )


def putaway_suggestion(
    *,
    warehouse: Warehouse,
    sku: Sku,
    lot: Lot | None,
    quantity: int,
) -> Location | None:
    """The bin to suggest for `quantity` units of `sku` (and `lot`), or None when no bin of the
    warehouse has room.

    1. A bin that already holds this SKU and lot (or is about to: an open task is headed there),
       nearest the packing stations first.
    2. For a lot-tracked SKU, a bin holding the SKU in another lot.
    3. A free bin (nothing in it, nothing headed there), chosen by velocity: free bins are sorted
       by travel cost and the SKU takes the one at its velocity rank — the fastest mover the
       nearest free bin, a SKU faster than half the others the bin halfway along, a slow mover
       one near the far end (`velocity_rank`, by the stored velocity). Until the warehouse has
       picks: the nearest.
    4. Failing all, a shared bin with room, by the same rank.
    A bin's `capacity`, when set, counts the units of every SKU in it plus those of open tasks
    headed there; bins without room for `quantity` are never suggested."""
    bins = _bins_with_load(warehouse).filter(
        Q(capacity__isnull=True) | Q(capacity__gte=F("load") + quantity)
    )
    order = ("travel_cost", "path", "pk")
    holding = BinStock.objects.filter(location=OuterRef("pk"), sku=sku, quantity__gt=0)
    headed = PutawayTask.objects.filter(
        suggested_location=OuterRef("pk"), sku=sku, status=PutawayStatus.OPEN
    )
    same_lot = bins.filter(
        Q(Exists(holding.filter(lot=lot))) | Q(Exists(headed.filter(lot=lot)))
    ).order_by(*order)
    found = same_lot.first()
    if found is None and lot is not None:
        found = bins.filter(Q(Exists(holding)) | Q(Exists(headed))).order_by(*order).first()
    if found is not None:
        return found
    rank = velocity_rank(warehouse=warehouse, sku=sku)
    for candidates in (bins.filter(load=0), bins):
        count = candidates.count()
        if count:
            return candidates.order_by(*order)[min(math.floor(rank * count), count - 1)]
    return None


# Lists and pages --------------------------------------------------------------------------------


def _count_of(queryset, field: str) -> Expression:
    counted = queryset.values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _sum_of(queryset, field: str, summed: str) -> Expression:
    totals = queryset.values(field).annotate(n=Sum(summed)).values("n")
    return Coalesce(Subquery(totals, output_field=IntegerField()), Value(0))


def purchase_order_list(*, warehouses=None) -> QuerySet[PurchaseOrder]:
    """Purchase orders with supplier and warehouse joined, lines prefetched (SKU joined) and the
    list's figures annotated: line count, units ordered and received, open discrepancies."""
    lines = PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk"))
    open_discrepancies = Discrepancy.objects.filter(
        purchase_order=OuterRef("pk"), resolved_at__isnull=True
    )
    queryset = (
        PurchaseOrder.objects.select_related("supplier", "warehouse")
        .prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("sku"))
        )
        .annotate(
            line_count=_count_of(lines, "purchase_order"),
            units_ordered=_sum_of(lines, "purchase_order", "quantity_ordered"),
            units_received=_sum_of(lines, "purchase_order", "quantity_received"),
            open_discrepancies=_count_of(open_discrepancies, "purchase_order"),
        )
        .order_by("-created_at", "-id")
    )
    return in_scope(queryset, warehouses, "warehouse")


def purchase_order_detail(*, warehouses=None) -> QuerySet[PurchaseOrder]:
    """One purchase order with everything its page and API detail show, in a fixed number of
    queries: lines, receipts with their lines, discrepancies, put-away tasks."""
    return purchase_order_list(warehouses=warehouses).prefetch_related(
        Prefetch(
            "receipts",
            queryset=Receipt.objects.select_related("received_by").prefetch_related(
                Prefetch(
                    "lines",
                    queryset=ReceiptLine.objects.select_related(
                        "sku", "lot", "location", "damaged_location"
                    ),
                )
            ),
        ),
        Prefetch("discrepancies", queryset=discrepancy_list()),
        Prefetch("putaway_tasks", queryset=putaway_task_list().order_by("status", "id")),
    )


def receivable_purchase_orders(*, warehouses=None) -> QuerySet[PurchaseOrder]:
    """What the dock can receive against: open, partially received and received POs."""
    return purchase_order_list(warehouses=warehouses).filter(status__in=RECEIVABLE_STATUSES)


def discrepancy_list(*, warehouses=None) -> QuerySet[Discrepancy]:
    queryset = Discrepancy.objects.select_related(
        "purchase_order__supplier",
        "purchase_order__warehouse",
        "sku",
        "lot",
        "location",
        "resolved_by",
    ).order_by("-created_at", "-id")
    return in_scope(queryset, warehouses, "purchase_order__warehouse")


def putaway_task_list(*, warehouses=None) -> QuerySet[PutawayTask]:
    queryset = PutawayTask.objects.select_related(
        "warehouse",
        "sku",
        "lot",
        "from_location",
        "suggested_location",
        "location",
        "purchase_order",
        "completed_by",
    ).order_by("created_at", "id")
    return in_scope(queryset, warehouses, "warehouse")


def putaway_queue(*, warehouses=None) -> QuerySet[PutawayTask]:
    """Open tasks in walking order (the suggested bin's travel cost) in `warehouses` (ids;
    None: all)."""
    tasks = putaway_task_list(warehouses=warehouses).filter(status=PutawayStatus.OPEN)
    return tasks.order_by(
        F("suggested_location__travel_cost").asc(nulls_last=True), "created_at", "id"
    )


# Dashboard --------------------------------------------------------------------------------------


def receiving_figures(*, warehouse_ids=None) -> dict[str, int]:
    """Headline figures for the dashboard, in three aggregate queries: open discrepancies,
    open put-away tasks and the units they carry, and purchase orders still expected (and how
    many of them are overdue)."""
    discrepancies = Discrepancy.objects.filter(resolved_at__isnull=True)
    tasks = PutawayTask.objects.filter(status=PutawayStatus.OPEN)
    orders = PurchaseOrder.objects.filter(status__in=INCOMING_STATUSES)
    if warehouse_ids is not None:
        discrepancies = discrepancies.filter(purchase_order__warehouse_id__in=list(warehouse_ids))
        tasks = tasks.filter(warehouse_id__in=list(warehouse_ids))
        orders = orders.filter(warehouse_id__in=list(warehouse_ids))
    task_figures = tasks.aggregate(count=Count("pk"), units=Coalesce(Sum("quantity"), 0))
    order_figures = orders.aggregate(
        count=Count("pk"),
        overdue=Count("pk", filter=Q(expected_date__lt=timezone.localdate())),
    )
    return {
        "open_discrepancies": discrepancies.count(),
        "open_putaway_tasks": task_figures["count"],
        "units_awaiting_putaway": task_figures["units"],
        "purchase_orders_expected": order_figures["count"],
        "purchase_orders_overdue": order_figures["overdue"],
    }


def open_discrepancies_count(*, warehouse_ids=None) -> int:
    discrepancies = Discrepancy.objects.filter(resolved_at__isnull=True)
    if warehouse_ids is not None:
        discrepancies = discrepancies.filter(purchase_order__warehouse_id__in=list(warehouse_ids))
    return discrepancies.count()


def open_putaway_tasks_count(*, warehouse_ids=None) -> int:
    tasks = PutawayTask.objects.filter(status=PutawayStatus.OPEN)
    if warehouse_ids is not None:
        tasks = tasks.filter(warehouse_id__in=list(warehouse_ids))
    return tasks.count()
