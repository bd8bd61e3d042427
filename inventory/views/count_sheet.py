"""The count sheet: an associate counts a count's bins on a phone or with a scanner, and submits.

Blind: while the count is open the sheet carries each line's bin, SKU and lot and a quantity
input, nothing else — no snapshot, expected quantity or variance, not even in hidden inputs or
data attributes. The scanner flow (static/js/counts.js) is an enhancement: without JavaScript the
sheet is a plain form, a quantity per line plus rows for units no line expected ("found").
Once submitted the sheet shows the result: to managers what was expected and the variance; to
associates only what they counted and whether it was posted or sent for approval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ims.kits.access import can, roles_required
from ims.kits.roles import FLOOR, HANDLE_STOCK, warehouse_scope
from inventory.errors import StockConflict
from inventory.models import CountLineStatus, CountStatus, CycleCount, CycleCountLine
from inventory.selectors.counts import (
    count_associates,
    count_list,
    count_takes_bin,
    location_by_scan,
    sku_by_scan,
)
from inventory.services.count_posting import CountedLine, count_submit
from inventory.views.count_approvals import not_found, with_values

FOUND_FIELD = re.compile(r"^found-(\d{1,3})-(location|sku|lot|quantity)$")
SERVICE_KEY = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")
MAX_QUANTITY = 10_000_000
FOUND_FIELDS = ("location", "sku", "lot", "quantity")


@dataclass
class SheetRow:
    """One row of the sheet as typed: a line of the count (`line`), or a unit found that no
    line expected (`index`: its number in the form). `errors` by field; "row" for the rest."""

    line: CycleCountLine | None = None
    index: int | None = None
    location: str = ""
    sku: str = ""
    lot: str = ""
    quantity: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    counted: CountedLine | None = None


@dataclass
class Sheet:
    rows: list[SheetRow]
    found: list[SheetRow]
    error: str = ""

    @property
    def valid(self) -> bool:
        return not self.error and not any(row.errors for row in [*self.rows, *self.found])

    @property
    def next_found(self) -> int:
        return max((row.index for row in self.found), default=-1) + 1

    def bins(self) -> list[tuple]:
        """The count's lines by bin, in walking (path) order: (location, rows)."""
        groups: dict[int, tuple] = {}
        for row in self.rows:
            groups.setdefault(row.line.location_id, (row.line.location, []))[1].append(row)
        return list(groups.values())


def _count_for(request, pk: int) -> CycleCount | None:
    """The count, if this person may see it: in their warehouses, and for an associate theirs
    or nobody's (else None: 404, as if it did not exist)."""
    mine = None if can(request, HANDLE_STOCK) else request.user
    scope = warehouse_scope(request.user, FLOOR)
    return count_list(warehouses=scope, assignee_or_unassigned=mine).filter(pk=pk).first()


@roles_required(FLOOR)
@require_http_methods(["GET", "POST"])
def count_detail_view(request, pk):
    count = _count_for(request, pk)
    if count is None:
        return not_found(request, f"There is no count #{pk} for you.")
    lines = list(count.lines.all())
    if request.method == "POST":
        if not count.blind:
            messages.info(request, f"Count #{pk} is already {count.get_status_display().lower()}.")
            return redirect("count-detail", pk=pk)
        sheet = _sheet_from_post(count, lines, request.POST)
        if sheet.valid:
            done = _submit(request, count, sheet)
            if done is not None:
                return done
        return _render_sheet(request, count, sheet, status=400)
    if count.blind:
        return _render_sheet(
            request, count, Sheet(rows=[SheetRow(line=li) for li in lines], found=[])
        )
    return _render_result(request, count, lines)


def _submit(request, count: CycleCount, sheet: Sheet):
    counted = [row.counted for row in [*sheet.rows, *sheet.found]]
    try:
        count = count_submit(count=count, lines=counted, actor=request.user)
    except ValidationError as error:
        _service_errors(sheet, error)
        return None
    except StockConflict as error:
        sheet.error = error.detail
        return None
    if count.status == CountStatus.POSTED:
        messages.success(request, f"Count #{count.pk} posted: the books now say what you counted.")
    elif can(request, HANDLE_STOCK):
        messages.warning(
            request, f"Count #{count.pk} is waiting for approval: some lines differ too much."
        )
    else:
        messages.success(request, f"Count #{count.pk} sent for approval. Thank you!")
    return redirect("count-detail", pk=count.pk)


def _render_sheet(request, count: CycleCount, sheet: Sheet, status: int = 200):
    context = {
        "count": count,
        "sheet": sheet,
        "bins": sheet.bins(),
        "found_rows": [*sheet.found, SheetRow(index=sheet.next_found)],
        "next_found": sheet.next_found + 1,
        "empty_bin": count.location if count.location_id and not sheet.rows else None,
        "nav_section": "count-list",
    }
    return render(request, "inventory/count_detail.html", context, status=status)


def _render_result(request, count: CycleCount, lines: list[CycleCountLine]):
    manager = can(request, HANDLE_STOCK)
    context = {
        "count": count,
        "lines": with_values(lines) if manager else lines,
        "manager": manager,
        "held": sum(1 for line in lines if line.status == CountLineStatus.HELD),
        "nav_section": "count-list",
    }
    if count.status == CountStatus.CANCELLED:
        recount = CycleCount.objects.filter(recount_of=count).values_list("pk", flat=True)
        context["recount_pk"] = recount.first()
    if manager and count.status == CountStatus.PENDING_APPROVAL:
        context["associates"] = count_associates(warehouses=[count.warehouse_id]).get(
            count.warehouse_id, []
        )
    return render(request, "inventory/count_result.html", context)


def _quantity(raw: str) -> tuple[int | None, str]:
    raw = (raw or "").strip()
    if not raw:
        return None, "Enter the units you counted (0 if there are none)."
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_QUANTITY:
        return None, "Enter a whole number of units, 0 or more."
    return int(raw), ""


def _sheet_from_post(count: CycleCount, lines: list[CycleCountLine], post) -> Sheet:
    rows = []
    for line in lines:
        row = SheetRow(line=line, quantity=(post.get(f"line-{line.pk}") or "").strip()[:20])
        quantity, problem = _quantity(row.quantity)
        if problem:
            row.errors["quantity"] = problem
        else:
            lot = line.lot.lot_number if line.lot_id else None
            row.counted = CountedLine(
                location=line.location, sku=line.sku, quantity=quantity, lot_number=lot
            )
        rows.append(row)
    indices = sorted({int(match[1]) for key in post if (match := FOUND_FIELD.match(key))})
    line_bins = {line.location_id for line in lines}
    found = []
    for index in indices:
        values = {
            name: (post.get(f"found-{index}-{name}") or "").strip()[:100] for name in FOUND_FIELDS
        }
        if any(values.values()):
            found.append(_found_row(count, line_bins, SheetRow(index=index, **values)))
    return Sheet(rows=rows, found=found)


def _found_row(count: CycleCount, line_bins: set[int], row: SheetRow) -> SheetRow:
    """Check a found unit's bin, SKU and quantity (the lot is the service's to judge)."""
    location = location_by_scan(count.warehouse, row.location) if row.location else None
    if not row.location:
        row.errors["location"] = "Scan or type the bin the units are in."
    elif location is None:
        row.errors["location"] = f"{count.warehouse.code} has no bin {row.location}."
    elif not count_takes_bin(count, location, line_bins):
        row.errors["location"] = f"Bin {location.code} is not in this count."
    sku = sku_by_scan(row.sku) if row.sku else None
    if not row.sku:
        row.errors["sku"] = "Scan or type the item's code."
    elif sku is None:
        row.errors["sku"] = f"No item has the code or barcode {row.sku}."
    quantity, problem = _quantity(row.quantity)
    if problem:
        row.errors["quantity"] = problem
    if not row.errors:
        row.counted = CountedLine(
            location=location, sku=sku, quantity=quantity, lot_number=row.lot or None
        )
    return row


def _service_errors(sheet: Sheet, error: ValidationError) -> None:
    """Put the service's errors (keyed `lines[i].field`, in the order the lines were sent)
    next to the row and field they name; the rest above the sheet."""
    sent = [*sheet.rows, *sheet.found]
    general = []
    for key, problems in error.message_dict.items():
        match = SERVICE_KEY.match(key)
        text = " ".join(problems)
        if match and int(match[1]) < len(sent):
            row = sent[int(match[1])]
            name = match[2] or "row"
            if row.line is not None and name != "quantity":
                name = "row"  # a line's bin, SKU and lot are not typed: say it on the row
            row.errors[name] = text
        else:
            general.append(text)
    sheet.error = " ".join(general)


@roles_required(FLOOR)
@require_GET
def count_scan_view(request, pk):
    """What a scanned code is, for the sheet's scanner flow: a bin of this count, a SKU, or
    neither (said in words). Nothing about quantities."""
    count = _count_for(request, pk)
    if count is None:
        return JsonResponse({"kind": "error", "message": f"There is no count #{pk}."}, status=404)
    code = (request.GET.get("code") or "").strip()[:100]
    if not code:
        return JsonResponse({"kind": "error", "message": "Scan a bin or an item."})
    location = location_by_scan(count.warehouse, code)
    if location is not None:
        line_bins = {line.location_id for line in count.lines.all()}
        if count_takes_bin(count, location, line_bins):
            return JsonResponse({"kind": "bin", "code": location.code})
        return JsonResponse(
            {"kind": "error", "message": f"Bin {location.code} is not in this count."}
        )
    sku = sku_by_scan(code)
    if sku is not None:
        answer = {"kind": "sku", "code": sku.code, "name": sku.name}
        return JsonResponse(
            {**answer, "barcode": sku.barcode or "", "lot_tracked": sku.lot_tracked}
        )
    return JsonResponse({"kind": "error", "message": f"No bin or item has the code {code}."})
