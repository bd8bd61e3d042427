"""Cycle-count screens: the counts list and the "New count" form, and the count schedule by ABC
class. The count sheet an associate counts on is inventory/views/count_sheet.py; the manager's
approvals, inventory/views/count_approvals.py. All three join `urlpatterns` here.

An associate sees the open counts of their warehouse that are theirs or nobody's, to start one;
a manager (or admin) sees every count of their warehouses, filtered and paged, and opens counts
by hand. Thin: parse, call the selector or one service, render; a service's refusal is said
next to the field it names.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ims.kits.access import can, roles_required
from ims.kits.roles import FLOOR, HANDLE_STOCK, warehouse_scope
from ims.kits.screens import PAGE_SIZES, Sorts, list_context, paginate, wants_region
from inventory.errors import StockConflict
from inventory.filters import CycleCountFilter
from inventory.models import CountOrigin, CountStatus
from inventory.selectors.counts import (
    count_associates,
    count_list,
    location_by_scan,
    sku_by_scan,
)
from inventory.selectors.stock import warehouse_list
from inventory.services.count_schedule import count_schedule_generate, count_schedule_plan
from inventory.services.counts import count_create
from inventory.views import count_approvals, count_sheet

COUNT_SORTS = Sorts(
    fields={
        "created": ("created_at",),
        "id": ("id",),
        "status": ("status", "created_at"),
        "warehouse": ("warehouse__code", "created_at"),
        "assignee": ("assignee__username", "created_at"),
    },
    default="-created",
)


class CountCreateForm(forms.Form):
    """A count by hand: a bin, a SKU (every bin holding it) or a zone, by code as printed on
    the labels; given to one of the warehouse's associates, or to whoever takes it first."""

    warehouse = forms.ChoiceField(label="Warehouse")
    location = forms.CharField(label="Bin", required=False, max_length=100)
    sku = forms.CharField(label="SKU", required=False, max_length=64)
    zone = forms.CharField(label="Zone", required=False, max_length=100)
    assignee = forms.CharField(label="Give to", required=False, max_length=150)
    reason = forms.CharField(label="Reason", required=False, max_length=200)

    def __init__(self, *args, warehouses, associates, **kwargs):
        super().__init__(*args, **kwargs)
        self.warehouses = {warehouse.code: warehouse for warehouse in warehouses}
        self.associates = associates
        self.fields["warehouse"].choices = [
            (warehouse.code, f"{warehouse.code} · {warehouse.name}") for warehouse in warehouses
        ]
        if len(warehouses) == 1:
            self.fields["warehouse"].initial = warehouses[0].code

    def clean(self):
        data = super().clean()
        warehouse = self.warehouses.get(data.get("warehouse"))
        if warehouse is None:
            return data
        data["warehouse"] = warehouse
        for name in ("location", "zone"):
            code = (data.get(name) or "").strip()
            data[name] = location_by_scan(warehouse, code) if code else None
            if code and data[name] is None:
                self.add_error(name, f"{warehouse.code} has no location {code}.")
        code = (data.get("sku") or "").strip()
        data["sku"] = sku_by_scan(code) if code else None
        if code and data["sku"] is None:
            self.add_error("sku", f"No SKU has the code or barcode {code}.")
        username = (data.get("assignee") or "").strip()
        people = {p.get_username(): p for p in self.associates.get(warehouse.pk, [])}
        data["assignee"] = people.get(username) if username else None
        if username and data["assignee"] is None:
            self.add_error("assignee", f"{username} is not an associate of {warehouse.code}.")
        return data


@roles_required(FLOOR)
@require_GET
def count_list_view(request):
    if can(request, HANDLE_STOCK):
        return _manager_list(request)
    scope = warehouse_scope(request.user, FLOOR)
    counts = count_list(warehouses=scope, assignee_or_unassigned=request.user).filter(
        status=CountStatus.OPEN
    )
    counts = counts.prefetch_related(None).order_by(
        F("assignee").asc(nulls_last=True), "created_at", "pk"
    )
    page = paginate(request, counts)
    context = list_context(page, counts=page.object_list, nav_section="count-list")
    return render(request, "inventory/count_my_list.html", context)


@roles_required(HANDLE_STOCK)
@require_POST
def count_create_view(request):
    scope = warehouse_scope(request.user, HANDLE_STOCK)
    form = _create_form(scope, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            count = count_create(
                warehouse=data["warehouse"],
                location=data["location"],
                sku=data["sku"],
                zone=data["zone"],
                assignee=data["assignee"],
                reason=data["reason"],
                origin=CountOrigin.MANUAL,
                actor=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except StockConflict as error:
            form.add_error(None, error.detail)
        else:
            lines = count.lines.count()
            who = count.assignee.get_username() if count.assignee else "whoever starts it"
            messages.success(
                request,
                f"Count #{count.pk} opened in {count.warehouse.code}: {lines} "
                f"line{'s' if lines != 1 else ''} to count, for {who}.",
            )
            return redirect("count-list")
    return _manager_list(request, form=form, status=400)


def _create_form(scope, data=None) -> CountCreateForm:
    warehouses = list(warehouse_list(warehouses=scope).only("code", "name"))
    associates = count_associates(warehouses=[w.pk for w in warehouses])
    return CountCreateForm(data, warehouses=warehouses, associates=associates)


def _manager_list(request, *, form: CountCreateForm | None = None, status: int = 200):
    scope = warehouse_scope(request.user, HANDLE_STOCK)
    form = form or _create_form(scope)
    query = request.GET if request.method == "GET" else {}
    filterset = CycleCountFilter(query or None, queryset=count_list(warehouses=scope))
    counts, sort = COUNT_SORTS.apply(filterset.qs.prefetch_related(None), query.get("sort"))
    page = paginate(request, counts, default_size=PAGE_SIZES[0])
    warehouses = list(form.warehouses.values())
    context = list_context(
        page,
        sort=sort,
        counts=page.object_list,
        filter=filterset,
        filter_form=filterset.form,
        form=form,
        warehouses=warehouses,
        associates=[(w, form.associates.get(w.pk, [])) for w in warehouses],
        statuses=CountStatus.choices,
        origins=CountOrigin.choices,
        nav_section="count-list",
    )
    if wants_region(request, "count-results"):
        context["partial"] = True  # also refresh the form's hidden sort field (out of band)
        return render(request, "inventory/_count_results.html", context)
    return render(request, "inventory/count_list.html", context, status=status)


@roles_required(HANDLE_STOCK)
@require_http_methods(["GET", "POST"])
def count_schedule_view(request):
    """How often each ABC class is counted, what is due, and a button that opens today's due
    counts now (the daily schedule does the same)."""
    scope = warehouse_scope(request.user, HANDLE_STOCK)
    warehouses = None if scope is None else sorted(scope)
    if request.method == "POST":
        try:
            opened = count_schedule_generate(warehouses=warehouses, actor=request.user)
        except (ValidationError, StockConflict) as error:
            detail = getattr(error, "detail", None) or " ".join(error.messages)
            messages.error(request, f"No counts were opened: {detail}")
        else:
            total = sum(opened.values())
            per_class = ", ".join(f"{klass} {n}" for klass, n in sorted(opened.items()))
            if total:
                messages.success(
                    request,
                    f"Opened {total} count{'s' if total != 1 else ''} ({per_class}).",
                )
            else:
                messages.info(request, "Nothing is due: every class is counted on time.")
        return redirect("count-schedule")
    plan = count_schedule_plan(warehouses=warehouses)
    groups: dict[str, list[dict]] = {}
    for row in plan:
        groups.setdefault(row["warehouse"], []).append(row)
    context = {
        "groups": list(groups.items()),
        "due_total": sum(row["due"] for row in plan),
        "today_total": sum(row.get("today", 0) for row in plan),
        "nav_section": "count-list",
    }
    return render(request, "inventory/count_schedule.html", context)


urlpatterns: list = [
    path("counts/", count_list_view, name="count-list"),
    path("counts/new/", count_create_view, name="count-create"),
    path("counts/schedule/", count_schedule_view, name="count-schedule"),
    path("counts/approvals/", count_approvals.count_approvals_view, name="count-approvals"),
    path("counts/<int:pk>/", count_sheet.count_detail_view, name="count-detail"),
    path("counts/<int:pk>/scan/", count_sheet.count_scan_view, name="count-scan"),
    path("counts/<int:pk>/approve/", count_approvals.count_approve_view, name="count-approve"),
    path("counts/<int:pk>/recount/", count_approvals.count_recount_view, name="count-recount"),
]
