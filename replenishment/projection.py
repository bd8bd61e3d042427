"""Projected stock as query expressions, for any queryset with `sku` and `warehouse` fields
(reorder rules, alerts): one query annotates every row whatever the page size.

projected = available (on hand - reserved in sellable bins)
          + incoming (ordered - received on open and partially received POs; receiving.selectors)
          + at_dock (units received and not yet put away: they left `incoming` at the receipt and
                     join `available` at put-away, so a delivery never looks like a shortage)
"""

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from inventory.models import BinStock, LocationType, WarehouseStock
from receiving.selectors import incoming_subquery


def available_subquery(sku=None, warehouse=None):
    sku = sku if sku is not None else OuterRef("sku")
    warehouse = warehouse if warehouse is not None else OuterRef("warehouse")
    rows = WarehouseStock.objects.filter(sku=sku, warehouse=warehouse).values(
        units=F("on_hand") - F("reserved")
    )[:1]
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def at_dock_subquery(sku=None, warehouse=None):
    sku = sku if sku is not None else OuterRef("sku")
    warehouse = warehouse if warehouse is not None else OuterRef("warehouse")
    rows = (
        BinStock.objects.filter(
            sku=sku, location__warehouse=warehouse, location__type=LocationType.DOCK
        )
        .values("sku")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def with_projection(queryset: QuerySet, prefix: str = "", *, total: bool = True) -> QuerySet:
    """Annotate `available`, `incoming`, `at_dock` and (unless `total` is False) `projected`
    (names prefixed with `prefix`, e.g. "current_" on alerts, whose own fields hold the figures
    when raised). `projected` repeats the three subqueries (SQL cannot name a sibling column):
    leave it out where Python can add them up."""
    queryset = queryset.annotate(
        **{
            f"{prefix}available": available_subquery(),
            f"{prefix}incoming": incoming_subquery(),
            f"{prefix}at_dock": at_dock_subquery(),
        }
    )
    if not total:
        return queryset
    return queryset.annotate(
        **{
            f"{prefix}projected": F(f"{prefix}available")
            + F(f"{prefix}incoming")
            + F(f"{prefix}at_dock")
        }
    )
