"""The discrepancy list: what arrived differently from what was ordered, open ones first, and
a manager's resolve form on each row (htmx redraws the row; without it, the page reloads)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ims.kits.access import can, roles_required
from ims.kits.roles import BUYING_READ, HANDLE_STOCK, warehouse_scope
from ims.kits.screens import PAGE_SIZES, is_htmx, paginate, wants_region
from inventory.errors import StockConflict
from inventory.selectors.stock import warehouse_list
from receiving.filters import DiscrepancyFilter
from receiving.forms import ResolveForm
from receiving.models import DiscrepancyCode
from receiving.selectors import discrepancy_list
from receiving.services import discrepancy_resolve
from receiving.services.discrepancies import RELEASABLE_CODES
from receiving.views.common import back_to, not_found

SORTS = [
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("code", "Kind"),
    ("sku", "SKU"),
    ("purchase_order", "PO number"),
    ("-quantity", "Most units first"),
]


def _row_context(request, discrepancy, form=None):
    return {
        "d": discrepancy,
        "resolve_form": form,
        "can_resolve": can(request, HANDLE_STOCK),
        "releasable": RELEASABLE_CODES,
    }


@roles_required(BUYING_READ)
@require_GET
def discrepancy_list_view(request):
    data = request.GET.copy() if request.GET else QueryDict(mutable=True)
    if "resolved" not in data:
        data["resolved"] = "false"  # open ones unless asked otherwise
    scope = warehouse_scope(request.user, BUYING_READ)
    filterset = DiscrepancyFilter(data, queryset=discrepancy_list(warehouses=scope))
    page = paginate(request, filterset.qs, default_size=PAGE_SIZES[1])
    context = {
        "form": filterset.form,
        "page": page,
        "rows": page.object_list,
        "resolved": data.get("resolved"),
        "codes": DiscrepancyCode.choices,
        "chosen_codes": data.getlist("code"),
        "sort": request.GET.get("sort", ""),
        "sorts": SORTS,
        "per": page.paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "warehouses": warehouse_list(warehouses=scope).only("code", "name"),
        "can_resolve": can(request, HANDLE_STOCK),
        "releasable": RELEASABLE_CODES,
        "nav_section": "discrepancy-list",
    }
    if wants_region(request, "discrepancy-results"):
        return render(request, "receiving/_discrepancy_results.html", context)
    return render(request, "receiving/discrepancy_list.html", context)


@roles_required(HANDLE_STOCK)
@require_POST
def discrepancy_resolve_view(request, pk):
    scope = warehouse_scope(request.user, HANDLE_STOCK)
    discrepancy = discrepancy_list(warehouses=scope).filter(pk=pk).first()
    if discrepancy is None:
        return not_found(request, f"There is no discrepancy {pk}.")
    form = ResolveForm(request.POST)
    task = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            _resolved, task = discrepancy_resolve(
                discrepancy=discrepancy,
                note=data["note"],
                release=data["release"],
                lot_number=data["lot"],
                expiry=data["expiry"],
                actor=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except StockConflict as error:
            form.add_error(None, error.detail)
    if not form.errors:
        discrepancy = discrepancy_list().get(pk=pk)
        message = f"Discrepancy {pk} resolved."
        if task is not None:
            message += f" Put-away task {task.pk} sends the units to the shelves."
        if not is_htmx(request):
            messages.success(request, message)
            return back_to(request, "discrepancy-list")
        context = _row_context(request, discrepancy)
        context["just_resolved"] = message
        return render(request, "receiving/_discrepancy_row.html", context)
    if not is_htmx(request):
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return back_to(request, "discrepancy-list")
    return render(
        request, "receiving/_discrepancy_row.html", _row_context(request, discrepancy, form)
    )
