"""Purchase-order screens: the list (filters, search, sort, pages) and the detail page with its
open / cancel / close actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ims.kits.access import can, roles_required
from ims.kits.roles import BUYING, FLOOR, RECEIVING_READ, in_scope, warehouse_scope
from ims.kits.screens import PAGE_SIZES, paginate, wants_region
from inventory.errors import StockConflict
from inventory.selectors.stock import warehouse_list
from receiving.filters import PurchaseOrderFilter
from receiving.models import PurchaseOrder, PurchaseOrderStatus, Supplier
from receiving.selectors import purchase_order_detail, purchase_order_list
from receiving.services import purchase_order_cancel, purchase_order_close, purchase_order_open
from receiving.views.common import not_found

SORTS = [
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("expected_date", "Expected date"),
    ("-expected_date", "Expected date, latest first"),
    ("number", "PO number"),
    ("supplier", "Supplier"),
    ("warehouse", "Warehouse"),
    ("status", "Status"),
]


@roles_required(RECEIVING_READ)
@require_GET
def purchase_order_list_view(request):
    scope = warehouse_scope(request.user, RECEIVING_READ)
    orders = purchase_order_list(warehouses=scope)
    filterset = PurchaseOrderFilter(request.GET or None, queryset=orders)
    page = paginate(request, filterset.qs, default_size=PAGE_SIZES[1])
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "orders": page.object_list,
        "sort": request.GET.get("sort", ""),
        "sorts": SORTS,
        "per": page.paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "statuses": PurchaseOrderStatus.choices,
        "chosen_statuses": request.GET.getlist("status"),
        "suppliers": Supplier.objects.order_by("code").only("code", "name"),
        "warehouses": warehouse_list(warehouses=scope).only("code", "name"),
        "nav_section": "po-list",
    }
    if wants_region(request, "po-results"):
        return render(request, "receiving/_po_results.html", context)
    return render(request, "receiving/po_list.html", context)


def _purchase_order(request, number: str):
    scope = warehouse_scope(request.user, RECEIVING_READ)
    return purchase_order_detail(warehouses=scope).filter(number=number).first()


@roles_required(RECEIVING_READ)
@require_GET
def purchase_order_detail_view(request, number):
    purchase_order = _purchase_order(request, number)
    if purchase_order is None:
        return not_found(request, f"There is no purchase order {number}.")
    context = {
        "po": purchase_order,
        "lines": purchase_order.lines.all(),
        "receipts": purchase_order.receipts.all(),
        "discrepancies": purchase_order.discrepancies.all(),
        "tasks": purchase_order.putaway_tasks.all(),
        "can_manage": can(request, BUYING),
        "can_receive": can(request, FLOOR) and purchase_order.receivable,
        "nav_section": "po-list",
    }
    return render(request, "receiving/po_detail.html", context)


ACTIONS = {
    "open": (purchase_order_open, "{number} is open: its units now count as incoming."),
    "cancel": (purchase_order_cancel, "{number} is cancelled."),
    "close": (purchase_order_close, "{number} is closed."),
}


@roles_required(BUYING)
@require_POST
def purchase_order_action_view(request, number, action):
    scope = warehouse_scope(request.user, BUYING)
    purchase_order = in_scope(PurchaseOrder.objects.all(), scope).filter(number=number).first()
    if purchase_order is None or action not in ACTIONS:
        return not_found(request, f"There is no purchase order {number}.")
    service, done = ACTIONS[action]
    try:
        result = service(purchase_order=purchase_order, actor=request.user)
    except (StockConflict, ValidationError) as error:
        messages.error(request, getattr(error, "detail", None) or " ".join(error.messages))
        return redirect("po-detail", number=number)
    messages.success(request, done.format(number=number))
    if action == "close":
        _po, short = result
        if short:
            messages.warning(
                request,
                f"{len(short)} line{'s' if len(short) != 1 else ''} closed short: flagged as "
                "discrepancies.",
            )
    return redirect("po-detail", number=number)
