"""Replenishment screens: the alerts list (filters, bulk draft POs, dismiss with a reason), the
reorder rules list and the rule editor of one SKU (one rule per warehouse).

Thin: parse, call a selector or one service, render. Lists filter with the FilterSets of
filters.py (shared with the API); an htmx request for the results region (HX-Target) gets that
region only, and without JavaScript the same URLs render whole pages.
"""

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ims.kits.access import can, roles_required
from ims.kits.roles import BUYING, BUYING_READ, warehouse_scope
from ims.kits.screens import PAGE_SIZES, Sorts, paginate, wants_region
from inventory.errors import InvalidState
from inventory.models import Sku
from inventory.selectors.stock import warehouse_list
from receiving.models import Supplier
from replenishment.filters import ReorderRuleFilter, ReplenishmentAlertFilter
from replenishment.forms import BulkAlertsForm, RuleForm, SeasonFormSet
from replenishment.models import AlertStatus
from replenishment.selectors import alert_list, rule_list
from replenishment.services import (
    alerts_dismiss,
    alerts_order,
    reorder_rule_create,
    reorder_rule_delete,
    reorder_rule_update,
)

ALERT_SORTS = Sorts(
    fields={
        "created": ("created_at",),
        "sku": ("sku__code", "warehouse__code"),
        "warehouse": ("warehouse__code", "sku__code"),
        "projected": ("projected",),
        "suggested": ("suggested_quantity",),
        "status": ("status", "created_at"),
    },
    default="-created",
)
RULE_SORTS = Sorts(
    fields={
        "sku": ("sku__code", "warehouse__code"),
        "warehouse": ("warehouse__code", "sku__code"),
        "point": ("reorder_point",),
        "projected": ("projected",),
        "supplier": ("supplier__code", "sku__code"),
        "updated": ("updated_at",),
    },
    default="sku",
)


def _forbidden(request):
    return render(
        request,
        "403.html",
        {"message": "Viewers read alerts and rules; they cannot change them."},
        status=403,
    )


# Alerts ---------------------------------------------------------------------------------------


class AlertScreenFilter(ReplenishmentAlertFilter):
    """The screen offers one status at a time, open unless asked (empty: every status)."""

    status = django_filters.ChoiceFilter(choices=AlertStatus.choices, empty_label="Any status")


def _alert_filter_data(request):
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = AlertStatus.OPEN
    return data


@roles_required(BUYING_READ)
@require_http_methods(["GET", "POST"])
def alert_list_view(request):
    if request.method == "POST" and not can(request, BUYING):
        return _forbidden(request)
    scope = warehouse_scope(request.user, BUYING_READ)
    bulk = BulkAlertsForm(request.POST or None)
    if request.method == "POST" and bulk.is_valid():
        try:
            if bulk.cleaned_data["action"] == "order":
                _order(request, bulk.cleaned_data["ids"], scope)
            else:
                dismissed = alerts_dismiss(
                    ids=bulk.cleaned_data["ids"],
                    reason=bulk.cleaned_data["reason"],
                    actor=request.user,
                    warehouses=scope,
                )
                messages.success(
                    request,
                    f"Dismissed {len(dismissed)} alert{'s' if len(dismissed) != 1 else ''}.",
                )
            return redirect(request.get_full_path())
        except InvalidState as error:
            bulk.add_error(None, error.detail)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                bulk.add_error(field if field in bulk.fields else None, problems)

    filterset = AlertScreenFilter(
        _alert_filter_data(request), queryset=alert_list(warehouses=scope)
    )
    queryset, sort = ALERT_SORTS.apply(filterset.qs, request.GET.get("sort"))
    summary = queryset.order_by().aggregate(
        rows=Count("pk"),
        without_supplier=Count("pk", filter=Q(rule__supplier__isnull=True)),
        units=Coalesce(Sum("suggested_quantity"), 0),
    )
    page = paginate(request, queryset, count=summary["rows"])
    selected = set(bulk.cleaned_data.get("ids") or []) if bulk.is_bound else set()
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "rows": page.object_list,
        "summary": summary,
        "sort": sort,
        "per": page.paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "sorts": [
            ("-created", "Newest first"),
            ("created", "Oldest first"),
            ("sku", "SKU"),
            ("warehouse", "Warehouse"),
            ("projected", "Projected, lowest first"),
            ("-suggested", "Suggested, largest first"),
        ],
        "statuses": AlertStatus.choices,
        "warehouses": warehouse_list(warehouses=scope).only("code", "name"),
        "suppliers": Supplier.objects.order_by("code").only("code", "name"),
        "bulk": bulk,
        "selected": selected,
        "nav_section": "replenishment-alerts",
    }
    if wants_region(request, "alert-results"):
        return render(request, "replenishment/_alert_results.html", context)
    return render(request, "replenishment/alert_list.html", context)


def _order(request, ids: list[int], scope) -> None:
    result = alerts_order(ids=ids, actor=request.user, warehouses=scope)
    for purchase_order in result.purchase_orders:
        lines = purchase_order.lines.count()
        messages.success(
            request,
            f"Drafted {purchase_order.number}: {purchase_order.supplier.code} → "
            f"{purchase_order.warehouse.code}, {lines} line{'s' if lines != 1 else ''}. "
            "Open it from Purchase orders to send it; its quantities count as incoming then.",
        )
    for _alert, reason in result.skipped:
        messages.warning(request, f"Not ordered: {reason} Set a supplier on the reorder rule.")


# Rules ----------------------------------------------------------------------------------------


@roles_required(BUYING_READ)
@require_http_methods(["GET"])
def rule_list_view(request):
    scope = warehouse_scope(request.user, BUYING_READ)
    filterset = ReorderRuleFilter(request.GET or None, queryset=rule_list(warehouses=scope))
    queryset, sort = RULE_SORTS.apply(filterset.qs, request.GET.get("sort"))
    page = paginate(request, queryset, count=queryset.order_by().count())
    today = timezone.localdate()
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "rows": [(rule, rule.in_force(today)) for rule in page.object_list],
        "sort": sort,
        "per": page.paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "sorts": [
            ("sku", "SKU"),
            ("warehouse", "Warehouse"),
            ("projected", "Projected, lowest first"),
            ("-point", "Reorder point, highest first"),
            ("supplier", "Supplier"),
            ("-updated", "Recently changed"),
        ],
        "warehouses": warehouse_list(warehouses=scope).only("code", "name"),
        "suppliers": Supplier.objects.order_by("code").only("code", "name"),
        "nav_section": "replenishment-alerts",
    }
    if wants_region(request, "rule-results"):
        return render(request, "replenishment/_rule_results.html", context)
    return render(request, "replenishment/rule_list.html", context)


def _rule_forms(warehouse, rule, suppliers, data=None):
    prefix = f"wh{warehouse.pk}"
    initial = None
    seasons = []
    if rule is not None:
        initial = {
            "reorder_point": rule.reorder_point,
            "reorder_quantity": rule.reorder_quantity,
            "lead_time_days": rule.lead_time_days,
            "supplier": rule.supplier.code if rule.supplier_id else "",
            "pack_size": rule.pack_size,
        }
        seasons = rule.seasonal
    form = RuleForm(data, initial=initial, suppliers=suppliers, prefix=prefix)
    formset = SeasonFormSet(data, initial=seasons, prefix=f"{prefix}-season")
    return form, formset


@roles_required(BUYING_READ)
@require_http_methods(["GET", "POST"])
def rule_edit_view(request, code):
    if request.method == "POST" and not can(request, BUYING):
        return _forbidden(request)
    scope = warehouse_scope(request.user, BUYING_READ)
    sku = Sku.objects.filter(code=code).first()
    if sku is None:
        message = f"There is no SKU with the code {code}. Check the code, or search stock for it."
        return render(request, "404.html", {"message": message}, status=404)
    warehouses = list(warehouse_list(warehouses=scope))
    suppliers = list(Supplier.objects.order_by("code").only("code", "name"))
    rules = {rule.warehouse_id: rule for rule in rule_list(warehouses=scope).filter(sku=sku)}
    posted = None
    if request.method == "POST":
        posted = next((w for w in warehouses if w.code == request.POST.get("warehouse")), None)
        if posted is None:
            messages.error(request, "Choose a warehouse for the rule.")
            return redirect("reorder-rule-edit", code=sku.code)
        rule = rules.get(posted.pk)
        if request.POST.get("action") == "delete":
            if rule is not None:
                reorder_rule_delete(rule=rule, actor=request.user)
                messages.success(
                    request, f"Removed the reorder rule of {sku.code} in {posted.code}."
                )
            return redirect("reorder-rule-edit", code=sku.code)
        form, formset = _rule_forms(posted, rule, suppliers, request.POST)
        if _save_rule(request, sku, posted, rule, form, formset):
            return redirect(f"{reverse('reorder-rule-edit', args=[sku.code])}#wh-{posted.code}")
    today = timezone.localdate()
    cards = []
    for warehouse in warehouses:
        rule = rules.get(warehouse.pk)
        if posted is not None and warehouse.pk == posted.pk:
            forms_ = (form, formset)
        else:
            forms_ = _rule_forms(warehouse, rule, suppliers)
        cards.append(
            {
                "warehouse": warehouse,
                "rule": rule,
                "threshold": rule.in_force(today) if rule else None,
                "form": forms_[0],
                "seasons": forms_[1],
                "open": posted is not None and warehouse.pk == posted.pk,
            }
        )
    context = {"sku": sku, "cards": cards, "today": today, "nav_section": "replenishment-alerts"}
    status = 400 if posted is not None else 200
    return render(request, "replenishment/rule_edit.html", context, status=status)


def _save_rule(request, sku, warehouse, rule, form, formset) -> bool:
    """Call the service with the forms' values; its errors land next to the fields."""
    if not (form.is_valid() and formset.is_valid()):
        return False
    seasons = [s for s in (f.season() for f in formset.forms) if s]
    values = {**form.cleaned_data, "seasonal": seasons}
    try:
        if rule is None:
            reorder_rule_create(sku=sku, warehouse=warehouse, **values, actor=request.user)
            verb = "Added"
        else:
            reorder_rule_update(rule=rule, **values, actor=request.user)
            verb = "Saved"
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            if field == "seasonal":
                formset.season_errors = problems
            else:
                form.add_error(field if field in form.fields else None, problems)
        return False
    messages.success(request, f"{verb} the reorder rule of {sku.code} in {warehouse.code}.")
    return True
