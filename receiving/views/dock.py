"""The receiving dock: pick the purchase order a truck brought, then record the shipment line by
line (scan or type the SKU, quantity, lot, expiry; Enter adds the line). Each line is received at
once, so discrepancies show the moment they happen; with htmx only the dock panel is redrawn."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ims.kits.access import roles_required
from ims.kits.roles import FLOOR, in_scope, warehouse_scope
from ims.kits.screens import PAGE_SIZES, is_htmx, paginate, wants_region
from inventory.errors import StockConflict
from inventory.models import Sku
from inventory.selectors.stock import warehouse_list
from receiving.filters import PurchaseOrderFilter
from receiving.forms import DockLineForm
from receiving.models import PurchaseOrder, Receipt
from receiving.selectors import receivable_purchase_orders
from receiving.services import receipt_create, receipt_line_add
from receiving.views.common import not_found


@roles_required(FLOOR)
@require_GET
def dock_view(request):
    """Purchase orders the dock can receive against; scanning a PO number opens it."""
    scope = warehouse_scope(request.user, FLOOR)
    scanned = (request.GET.get("scan") or "").strip()
    if scanned:
        match = receivable_purchase_orders(warehouses=scope).filter(number__iexact=scanned).first()
        if match is not None:
            return redirect("receiving-receive", number=match.number)
        messages.error(request, f"No open purchase order has the number {scanned}.")
    orders = receivable_purchase_orders(warehouses=scope)
    filterset = PurchaseOrderFilter(request.GET or None, queryset=orders)
    page = paginate(
        request, filterset.qs.order_by("expected_date", "number"), default_size=PAGE_SIZES[1]
    )
    context = {
        "form": filterset.form,
        "page": page,
        "orders": page.object_list,
        "per": page.paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "warehouses": warehouse_list(warehouses=scope).only("code", "name"),
        "nav_section": "receiving-dock",
    }
    if wants_region(request, "dock-results"):
        return render(request, "receiving/_dock_results.html", context)
    return render(request, "receiving/dock.html", context)


def _receiving_po(request, number: str):
    """The PO by number, if it is in a warehouse the user works the dock of."""
    orders = PurchaseOrder.objects.select_related("supplier", "warehouse")
    scope = warehouse_scope(request.user, FLOOR)
    return in_scope(orders, scope).filter(number=number).first()


def _panel_context(purchase_order, receipt, form, flagged_ids=()):
    lines = purchase_order.lines.select_related("sku").order_by("pk")
    receipt_lines, discrepancies = [], []
    if receipt is not None:
        receipt_lines = receipt.lines.select_related(
            "sku", "lot", "location", "damaged_location"
        ).order_by("-pk")
        discrepancies = receipt.discrepancies.select_related("sku", "lot", "location").order_by(
            "-pk"
        )
    return {
        "po": purchase_order,
        "receipt": receipt,
        "form": form,
        "po_lines": lines,
        "receipt_lines": receipt_lines,
        "discrepancies": discrepancies,
        "flagged_ids": set(flagged_ids),
        "nav_section": "receiving-dock",
    }


@roles_required(FLOOR)
@require_http_methods(["GET", "POST"])
def receive_view(request, number):
    purchase_order = _receiving_po(request, number)
    if purchase_order is None:
        return not_found(request, f"There is no purchase order {number}.")
    receipt_id = request.POST.get("receipt") or request.GET.get("receipt")
    receipt = None
    if receipt_id and str(receipt_id).isdigit():
        receipt = Receipt.objects.filter(pk=receipt_id, purchase_order=purchase_order).first()
    flagged: list[int] = []
    if request.method == "POST":
        form = DockLineForm(request.POST)
        if form.is_valid():
            try:
                if receipt is None:
                    result = receipt_create(
                        purchase_order=purchase_order, lines=[form.line()], actor=request.user
                    )
                else:
                    result = receipt_line_add(receipt=receipt, line=form.line(), actor=request.user)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except StockConflict as error:
                form.add_error(None, error.detail)
            else:
                receipt = result.receipt
                flagged = [d.pk for d in result.discrepancies]
                if not is_htmx(request):
                    url = reverse("receiving-receive", args=[number])
                    return redirect(f"{url}?receipt={receipt.pk}")
                form = DockLineForm(initial={"quantity": 1, "damaged": 0})
        purchase_order.refresh_from_db(fields=["status"])
    else:
        form = DockLineForm(initial={"quantity": 1, "damaged": 0})
    context = _panel_context(purchase_order, receipt, form, flagged)
    if is_htmx(request):
        return render(request, "receiving/_dock_panel.html", context)
    return render(request, "receiving/receive.html", context)


@roles_required(FLOOR)
@require_GET
def dock_sku_lookup_view(request, number):
    """What the dock screen shows once a SKU is scanned: its name, whether it needs a lot, and
    what the PO expects of it. JSON, for the screen's script."""
    purchase_order = _receiving_po(request, number)
    code = (request.GET.get("code") or "").strip()
    if purchase_order is None or not code:
        return JsonResponse({"found": False, "message": "Scan or type a SKU."}, status=404)
    sku = Sku.objects.filter(code=code).first() or Sku.objects.filter(barcode=code).first()
    if sku is None:
        return JsonResponse(
            {"found": False, "message": f"No SKU has the code or barcode {code}."}, status=404
        )
    line = purchase_order.lines.filter(sku=sku).first()
    return JsonResponse(
        {
            "found": True,
            "code": sku.code,
            "name": sku.name,
            "lot_tracked": sku.lot_tracked,
            "on_po": line is not None,
            "ordered": line.quantity_ordered if line else 0,
            "received": line.quantity_received if line else 0,
        }
    )
