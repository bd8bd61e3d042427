"""Receipts: a shipment recorded at the dock against a purchase order, line by line.

Invariants kept here:
- Every unit that arrives is on the books at once (one `receive` ledger row per place it lands),
  never sellable on arrival: sound units go to the warehouse's dock, damaged units to quarantine.
- Units that cannot go to the shelves until someone decides — a SKU not on the PO, a lot-tracked
  SKU that came without a lot — are held in quarantine, flagged, with no put-away task.
- `quantity_received` grows by F() updates while the PO row is locked (`select_for_update`), so
  concurrent receipts of one PO are applied one after the other and none is lost.
- Discrepancies are written in the same transaction as the units they describe.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum

from ims.kits.inputs import acting_user, is_whole
from inventory.errors import InvalidState
from inventory.models import Location, LocationType, Lot, Sku, Warehouse
from inventory.services import retry_on_contention, stock_receive, stock_rows_lock
from receiving.errors import LocationMissing
from receiving.models import (
    Discrepancy,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    PutawayTask,
    Receipt,
    ReceiptLine,
)
from receiving.services.discrepancies import MISSING_LOT_PREFIX, Counted, discrepancy_flag
from receiving.services.purchase_orders import (
    MAX_UNITS,
    _lock,
    incoming_moved,
    purchase_order_keys,
)
from receiving.services.putaway import putaway_task_create

# Lot number under which units of a lot-tracked SKU that arrived without one are held.


@dataclass(frozen=True)
class ReceiveLine:
    """One line counted off the truck: `quantity` units, `damaged` of them damaged."""

    sku: Sku
    quantity: int
    lot_number: str | None = None
    expiry: datetime.date | None = None
    damaged: int = 0


@dataclass
class ReceiptResult:
    receipt: Receipt
    lines: list[ReceiptLine] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    tasks: list[PutawayTask] = field(default_factory=list)


def warehouse_place(*, warehouse: Warehouse, type: str) -> Location:
    """The warehouse's receiving dock or quarantine: the first location of that type in tree
    order. A warehouse without one cannot receive (409 `location_missing`)."""
    place = (
        Location.objects.select_related("warehouse")
        .filter(warehouse=warehouse, type=type)
        .order_by("path", "pk")
        .first()
    )
    if place is None:
        label = LocationType(type).label.lower()
        raise LocationMissing(
            f"Warehouse {warehouse.code} has no {label}: add a location of type {type} "
            "before receiving."
        )
    return place


def check_receive_line(line: ReceiveLine) -> dict[str, str]:
    """What is wrong with one line on its own, by field (empty when nothing). Shared by the
    service, the API serializer and the dock form, so all three word errors alike."""
    errors: dict[str, str] = {}
    quantity, damaged = line.quantity, line.damaged
    if not is_whole(quantity, minimum=1):
        errors["quantity"] = "Must be a whole number of units above zero."
    elif quantity > MAX_UNITS:
        errors["quantity"] = f"At most {MAX_UNITS} units per line."
    if not is_whole(damaged, minimum=0):
        errors["damaged"] = "Must be a whole number of units, zero or more."
    elif "quantity" not in errors and damaged > quantity:
        errors["damaged"] = f"Only {quantity} units arrived; {damaged} cannot be damaged."
    lot_number = (line.lot_number or "").strip()
    if lot_number and not line.sku.lot_tracked:
        errors["lot"] = f"{line.sku.code} is not lot-tracked; leave the lot empty."
    elif lot_number.upper().startswith(MISSING_LOT_PREFIX):
        errors["lot"] = f"Lot numbers starting {MISSING_LOT_PREFIX} are reserved for held units."
    elif len(lot_number) > 64:
        errors["lot"] = "At most 64 characters."
    if line.expiry and not line.sku.lot_tracked:
        errors["expiry"] = f"{line.sku.code} is not lot-tracked; leave the expiry empty."
    return errors


def _raise_line_errors(errors: dict[str, str], *, label: str | None) -> None:
    if errors:
        raise ValidationError(
            {name: f"{label}: {message}" if label else message for name, message in errors.items()}
        )


def _require_receivable(purchase_order: PurchaseOrder) -> None:
    if purchase_order.status == PurchaseOrderStatus.DRAFT:
        raise InvalidState(f"{purchase_order.number} is a draft: open it before receiving.")
    if not purchase_order.receivable:
        raise InvalidState(
            f"{purchase_order.number} is {purchase_order.get_status_display().lower()}: "
            "nothing more can be received against it."
        )


@retry_on_contention
@transaction.atomic
def receipt_create(
    *,
    purchase_order: PurchaseOrder,
    lines: list[ReceiveLine],
    actor: AbstractBaseUser | None = None,
    dock: Location | None = None,
    note: str = "",
) -> ReceiptResult:
    """Record a shipment against an open (or partially or fully received) PO, all lines or
    none. Returns the receipt with its lines, the discrepancies flagged and the put-away tasks
    created (one per line with sound units at the dock)."""
    if not lines:
        raise ValidationError({"lines": "A receipt needs at least one line."})
    purchase_order = _lock(purchase_order)
    _require_receivable(purchase_order)
    receipt = Receipt.objects.create(
        purchase_order=purchase_order, received_by=acting_user(actor), note=(note or "")[:200]
    )
    return _receive(purchase_order, receipt, lines, actor=actor, dock=dock)


@retry_on_contention
@transaction.atomic
def receipt_line_add(
    *,
    receipt: Receipt,
    line: ReceiveLine,
    actor: AbstractBaseUser | None = None,
    dock: Location | None = None,
) -> ReceiptResult:
    """Add one more line to a shipment being recorded (the dock screen adds a line per Enter)."""
    purchase_order = _lock(receipt.purchase_order)
    _require_receivable(purchase_order)
    return _receive(purchase_order, receipt, [line], actor=actor, dock=dock)


def _receive(
    purchase_order: PurchaseOrder,
    receipt: Receipt,
    lines: list[ReceiveLine],
    *,
    actor: AbstractBaseUser | None,
    dock: Location | None,
) -> ReceiptResult:
    warehouse = purchase_order.warehouse
    if dock is not None and (dock.warehouse_id != warehouse.pk or dock.type != LocationType.DOCK):
        raise ValidationError({"dock": f"{dock.code} is not a receiving dock of {warehouse.code}."})
    for number, line in enumerate(lines, 1):
        label = f"Line {number} ({line.sku.code})" if len(lines) > 1 else None
        _raise_line_errors(check_receive_line(line), label=label)

    po_lines = {
        line.sku_id: line
        for line in PurchaseOrderLine.objects.filter(purchase_order=purchase_order).order_by("pk")
    }
    result = ReceiptResult(receipt=receipt)
    places: dict[str, Location] = {}

    def place(type: str) -> Location:
        if type not in places:
            places[type] = (
                dock
                if type == LocationType.DOCK and dock
                else warehouse_place(warehouse=warehouse, type=type)
            )
        return places[type]

    _lock_bins(purchase_order, lines, po_lines, place)
    for number, line in enumerate(lines, 1):
        label = f"Line {number} ({line.sku.code})" if len(lines) > 1 else None
        try:
            _receive_line(
                purchase_order, receipt, line, po_lines.get(line.sku.pk), place, actor, result
            )
        except ValidationError as error:
            if label is None or not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                {
                    name: [f"{label}: {m}" for m in messages]
                    for name, messages in error.message_dict.items()
                }
            ) from error
    _advance_status(purchase_order)
    incoming_moved(keys=purchase_order_keys(purchase_order))  # incoming and dock changed
    return result


@dataclass(frozen=True)
class _Destinations:
    """Where one counted line's units land, and under which lot number."""

    lot_number: str
    missing_lot: bool
    held: bool
    to_location: Location | None  # sound units: the dock, or quarantine when held
    damaged_location: Location | None


def _destinations(
    purchase_order: PurchaseOrder, line: ReceiveLine, po_line: PurchaseOrderLine | None, place
) -> _Destinations:
    lot_number = (line.lot_number or "").strip()
    missing_lot = line.sku.lot_tracked and not lot_number
    held = missing_lot or po_line is None
    if missing_lot:
        lot_number = f"{MISSING_LOT_PREFIX}{purchase_order.number}"
    sound = line.quantity - line.damaged
    return _Destinations(
        lot_number=lot_number,
        missing_lot=missing_lot,
        held=held,
        to_location=place(LocationType.QUARANTINE if held else LocationType.DOCK)
        if sound
        else None,
        damaged_location=place(LocationType.QUARANTINE) if line.damaged else None,
    )


def _lock_bins(purchase_order: PurchaseOrder, lines, po_lines, place) -> None:
    """Take the dock and quarantine rows of every line before receiving any (two receipts of
    [A, B] and [B, A] would otherwise each hold one row and wait for the other). Rows of lots
    that do not exist yet are new rows no one else can be holding."""
    targets = []
    for line in lines:
        where = _destinations(purchase_order, line, po_lines.get(line.sku.pk), place)
        targets.extend(
            (line.sku, location, where.lot_number)
            for location in (where.to_location, where.damaged_location)
            if location is not None
        )
    wanted = {(sku.pk, number) for sku, _, number in targets if sku.lot_tracked}
    lots = {
        (lot.sku_id, lot.lot_number): lot.pk
        for lot in Lot.objects.filter(
            sku_id__in={sku_id for sku_id, _ in wanted},
            lot_number__in={number for _, number in wanted},
        )
    }
    keys = []
    for sku, location, number in targets:
        if not sku.lot_tracked:
            keys.append((sku.pk, location.pk, None))
        elif (sku.pk, number) in lots:
            keys.append((sku.pk, location.pk, lots[(sku.pk, number)]))
    if len(keys) > 1:
        stock_rows_lock(bins=keys)


def _receive_line(
    purchase_order: PurchaseOrder,
    receipt: Receipt,
    line: ReceiveLine,
    po_line: PurchaseOrderLine | None,
    place,
    actor: AbstractBaseUser | None,
    result: ReceiptResult,
) -> None:
    """One counted line: its units placed, counted against the PO, flagged where they differ
    from what was ordered, and (sound, not held) given a put-away task."""
    where = _destinations(purchase_order, line, po_line, place)
    receipt_line = _place(purchase_order, receipt, line, po_line, where, actor)
    result.lines.append(receipt_line)
    counted = _count(purchase_order, line, po_line)
    result.discrepancies += discrepancy_flag(
        receipt_line, counted=counted, missing_lot=where.missing_lot, lot_number=where.lot_number
    )
    sound = line.quantity - line.damaged
    if sound and not where.held:
        result.tasks.append(
            putaway_task_create(
                warehouse=purchase_order.warehouse,
                sku=line.sku,
                lot=receipt_line.lot,
                quantity=sound,
                from_location=where.to_location,
                purchase_order=purchase_order,
                receipt_line=receipt_line,
            )
        )


def _place(
    purchase_order: PurchaseOrder,
    receipt: Receipt,
    line: ReceiveLine,
    po_line: PurchaseOrderLine | None,
    where: _Destinations,
    actor: AbstractBaseUser | None,
) -> ReceiptLine:
    """Put the line's units on the books where they landed (one `receive` row per place) and
    record the receipt line."""
    sound = line.quantity - line.damaged
    lot: Lot | None = None
    for quantity, location, reason in (
        (sound, where.to_location, f"receipt {receipt.pk}" + (" (held)" if where.held else "")),
        (line.damaged, where.damaged_location, f"receipt {receipt.pk}: damaged on arrival"),
    ):
        if quantity:
            lot = stock_receive(
                sku=line.sku,
                location=location,
                quantity=quantity,
                lot_number=where.lot_number or None,
                expiry=None if where.missing_lot else line.expiry,
                actor=actor,
                reference=purchase_order.number,
                reason=reason,
            ).lot
    return ReceiptLine.objects.create(
        receipt=receipt,
        po_line=po_line,
        sku=line.sku,
        lot=lot,
        quantity=line.quantity,
        damaged=line.damaged,
        location=where.to_location,
        damaged_location=where.damaged_location,
        held=where.held and bool(sound),
    )


def _count(
    purchase_order: PurchaseOrder, line: ReceiveLine, po_line: PurchaseOrderLine | None
) -> Counted:
    """Add the line to its PO line's received quantity (an F() update under the PO's lock);
    a SKU not on the order counts against nothing."""
    if po_line is None:
        received = (
            ReceiptLine.objects.filter(
                receipt__purchase_order=purchase_order, sku=line.sku, po_line__isnull=True
            ).aggregate(total=Sum("quantity"))["total"]
            or 0
        )
        return Counted(expected=0, received=received, before=0)
    before = po_line.quantity_received
    PurchaseOrderLine.objects.filter(pk=po_line.pk).update(
        quantity_received=F("quantity_received") + line.quantity
    )
    po_line.refresh_from_db(fields=["quantity_received"])
    return Counted(
        expected=po_line.quantity_ordered, received=po_line.quantity_received, before=before
    )


def _advance_status(purchase_order: PurchaseOrder) -> None:
    """open → partially_received → received, from the lines' received quantities."""
    lines = list(
        PurchaseOrderLine.objects.filter(purchase_order=purchase_order).values_list(
            "quantity_ordered", "quantity_received"
        )
    )
    if not any(received for _ordered, received in lines):
        return
    complete = all(received >= ordered for ordered, received in lines)
    status = PurchaseOrderStatus.RECEIVED if complete else PurchaseOrderStatus.PARTIALLY_RECEIVED
    if status != purchase_order.status and purchase_order.can_become(status):
        purchase_order.status = status
        purchase_order.save(update_fields=["status", "updated_at"])
