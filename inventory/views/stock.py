"""Inventory screens: stock search and the SKU page.

Thin: parse the query string, call selectors, render. Lists filter with the FilterSets of
inventory/filters.py (shared with the API). A request sent by htmx for one region of a page
(header HX-Target) gets that region only; without JavaScript the same URL renders the full page.
"""

import django_filters
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ims.kits.access import roles_required
from ims.kits.roles import READ_STOCK, warehouse_scope
from ims.kits.screens import PAGE_SIZES, Sorts, list_context, paginate, wants_region
from inventory.filters import StockFilter
from inventory.models import LocationType, Sku
from inventory.selectors.accuracy import ghost_stock_list
from inventory.selectors.dashboard import (
    on_hand_series,
    sku_overview,
)
from inventory.selectors.stock import movement_list, stock_list, warehouse_list

SKU_HISTORY_DAYS = 30
SKU_GHOST_ROWS = 10


class StockScreenFilter(StockFilter):
    """The stock screen's filters: the shared StockFilter plus the location type, which the
    screen offers as a drop-down (zones hold no stock, so they are not offered)."""

    type = django_filters.ChoiceFilter(
        field_name="location__type",
        choices=[(t.value, t.label) for t in LocationType if t != LocationType.ZONE],
        label="Location type",
    )


STOCK_SORTS = Sorts(
    fields={
        "sku": ("sku__code",),
        "name": ("sku__name", "sku__code"),
        "warehouse": ("location__warehouse__code", "location__path"),
        "location": ("location__warehouse__code", "location__path"),
        "lot": ("lot__lot_number",),
        "expiry": ("lot__expiry",),
        "quantity": ("quantity",),
    },
    default="sku",
)


def day_labels(points) -> list[str]:
    """Chart labels for a day series: \"03 Dec\"."""
    return [point.day.strftime("%d %b") for point in points]


@roles_required(READ_STOCK)
@require_GET
def stock_search(request):
    scope = warehouse_scope(request.user, READ_STOCK)
    filterset = StockScreenFilter(request.GET or None, queryset=stock_list(warehouses=scope))
    queryset, sort = STOCK_SORTS.apply(filterset.qs, request.GET.get("sort"))
    # One query for the count and the units of the whole result, instead of the paginator's count.
    summary = queryset.order_by().aggregate(rows=Count("pk"), units=Coalesce(Sum("quantity"), 0))
    page = paginate(request, queryset, default_size=PAGE_SIZES[1], count=summary["rows"])
    context = list_context(
        page,
        sort=sort,
        filter=filterset,
        form=filterset.form,
        rows=page.object_list,
        units=summary["units"],
        warehouses=warehouse_list(warehouses=scope).only("code", "name"),
        location_types=StockScreenFilter.base_filters["type"].extra["choices"],
        nav_section="stock-search",
    )
    if wants_region(request, "stock-results"):
        context["partial"] = True  # also refresh the form's hidden sort field (out of band)
        return render(request, "inventory/_stock_results.html", context)
    return render(request, "inventory/stock_search.html", context)


@roles_required(READ_STOCK)
@require_GET
def sku_detail(request, code):
    scope = warehouse_scope(request.user, READ_STOCK)
    sku = Sku.objects.filter(code=code).first()
    if sku is None:
        message = f"There is no SKU with the code {code}. Check the code, or search stock for it."
        return render(request, "404.html", {"message": message}, status=404)
    overview = sku_overview(sku=sku, warehouses=scope)
    series = on_hand_series(
        days=SKU_HISTORY_DAYS, on_hand_now=overview.totals.on_hand, sku=sku, warehouses=scope
    )
    ledger = Paginator(movement_list(warehouses=scope).filter(sku=sku), PAGE_SIZES[0]).get_page(
        request.GET.get("page")
    )
    context = {
        "sku": sku,
        "overview": overview,
        "series": series,
        "chart_values": [point.on_hand for point in series],
        "chart_labels": day_labels(series),
        "days": SKU_HISTORY_DAYS,
        "ledger": ledger,
        "ghost_stock": ghost_stock_list(warehouses=scope, sku=sku)[:SKU_GHOST_ROWS],
        # lots can outlive a switch of lot tracking, so show the columns whenever a bin has one
        "show_lots": sku.lot_tracked or any(row.lot_id for row in overview.bins),
        "nav_section": "stock-search",
    }
    if wants_region(request, "ledger"):
        return render(request, "inventory/_sku_ledger.html", context)
    return render(request, "inventory/sku_detail.html", context)
