"""Inventory screens: velocity and ABC classes.

The velocity list shows how fast each SKU moves in each warehouse: picks and units over 30 and
90 days and the ABC class, as the last recompute stored them (inventory.services.velocity,
nightly). It filters with the API's VelocityFilter plus a free-text SKU search, sorts and
paginates like the stock screen (an htmx request for the results region gets that region), and
charts picks and rows per class. Managers may recompute their warehouses now.
"""

import django_filters
from django.contrib import messages
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from ims.kits.access import can, roles_required
from ims.kits.roles import HANDLE_STOCK, READ_STOCK, warehouse_scope
from ims.kits.screens import PAGE_SIZES, Sorts, list_context, paginate, wants_region
from inventory.filters import VelocityFilter
from inventory.models import AbcClass
from inventory.selectors.stock import velocity_list, warehouse_list
from inventory.selectors.velocity import velocity_classes
from inventory.services.slotting import velocity_and_slotting_recompute
from inventory.services.velocity import abc_thresholds


class VelocityScreenFilter(VelocityFilter):
    """The shared VelocityFilter plus the screens' free-text search (code, name, barcode)."""

    q = django_filters.CharFilter(method="search", label="Search")

    class Meta(VelocityFilter.Meta):
        fields = ["q", *VelocityFilter.Meta.fields]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(sku__code__icontains=value) | Q(sku__name__icontains=value) | Q(sku__barcode=value)
        )


VELOCITY_SORTS = Sorts(
    fields={
        "sku": ("sku__code", "warehouse__code"),
        "name": ("sku__name", "sku__code"),
        "warehouse": ("warehouse__code", "sku__code"),
        "picks_30d": ("picks_30d", "sku__code"),
        "units_30d": ("units_30d", "sku__code"),
        "picks_90d": ("picks_90d", "sku__code"),
        "units_90d": ("units_90d", "sku__code"),
        "abc": ("abc", "sku__code"),
    },
    default="-picks_90d",
)


@roles_required(READ_STOCK)
@require_GET
def velocity_list_view(request):
    scope = warehouse_scope(request.user, READ_STOCK)
    rows = velocity_list(warehouses=scope)
    filterset = VelocityScreenFilter(request.GET or None, queryset=rows)
    queryset, sort = VELOCITY_SORTS.apply(filterset.qs, request.GET.get("sort"))
    # The class figures cover every class of the other filters (the chart compares them); they
    # also give the page count, so the paginator runs no COUNT of its own.
    others = request.GET.copy()
    others.pop("abc", None)
    classes = velocity_classes(VelocityScreenFilter(others or None, queryset=rows).qs)
    chosen = filterset.form.cleaned_data.get("abc") if filterset.is_bound else None
    page = paginate(request, queryset, default_size=PAGE_SIZES[1], count=classes.rows_of(chosen))
    a_share, b_share = abc_thresholds()
    context = list_context(
        page,
        sort=sort,
        form=filterset.form,
        rows=page.object_list,
        classes=classes,
        class_labels=[f"Class {figures.abc}" for figures in classes.classes],
        class_picks=[figures.picks_90d for figures in classes.classes],
        class_rows=[figures.rows for figures in classes.classes],
        abc_choices=AbcClass.choices,
        a_share=a_share,
        b_share=b_share - a_share,
        warehouses=warehouse_list(warehouses=scope).only("code", "name"),
        can_recompute=can(request, HANDLE_STOCK),
        query=request.GET.urlencode(),
        nav_section="velocity-list",
    )
    if wants_region(request, "velocity-results"):
        context["partial"] = True  # also refresh the form's hidden sort field (out of band)
        return render(request, "inventory/_velocity_results.html", context)
    return render(request, "inventory/velocity_list.html", context)


@roles_required(HANDLE_STOCK)
@require_POST
def velocity_recompute_view(request):
    """Recompute velocity, ABC classes and slotting of the warehouses the manager handles (an
    admin: all) now, instead of waiting for the nightly run, and say what came out."""
    scope = warehouse_scope(request.user, HANDLE_STOCK)
    back = _back_to_list(request.POST.get("query", ""))
    if scope is not None and not scope:
        messages.error(
            request, "You manage no warehouse yet, so there is nothing to recompute. Ask an admin."
        )
        return redirect(back)
    counts = velocity_and_slotting_recompute(warehouses=None if scope is None else sorted(scope))
    where = (
        "every warehouse"
        if scope is None
        else ", ".join(warehouse_list(warehouses=scope).values_list("code", flat=True))
    )
    total = sum(counts.values())
    rows = f"{total} SKU row{'s' if total != 1 else ''}"
    by_class = ", ".join(f"{counts.get(abc.value, 0)} {abc.value}" for abc in AbcClass)
    messages.success(
        request,
        f"Velocity recomputed from the ledger for {where}: {rows} ({by_class}).",
    )
    return redirect(back)


def _back_to_list(query: str) -> str:
    """The list with the filters it was showing: only a query string of our own path."""
    query = QueryDict(query).urlencode()
    url = reverse("velocity-list")
    return f"{url}?{query}" if query else url


urlpatterns: list = [
    path("velocity/", velocity_list_view, name="velocity-list"),
    # not "velocity-recompute": the API's name (inventory/api/urls.py)
    path("velocity/recompute/", velocity_recompute_view, name="velocity-recompute-now"),
]
