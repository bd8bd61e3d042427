"""Suppliers and purchase orders: creation, status transitions, closing short.

A purchase order's status changes only here and in receipts, always with its row locked
(`select_for_update`), so a receipt, a close and a cancel of the same PO never interleave.
"""

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ims.kits.inputs import acting_user, is_whole
from inventory.errors import InvalidState
from inventory.events import incoming_changed
from inventory.models import Sku, Warehouse
from inventory.services import stock_rows_ensure
from receiving.models import (
    Discrepancy,
    DiscrepancyCode,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Supplier,
)

MAX_UNITS = 1_000_000_000


def incoming_moved(*, keys: list[tuple[int, int]]) -> None:
    """What is coming in (or waiting at a dock) changed for these (sku_id, warehouse_id) pairs:
    each gets its availability row, so `/availability/` lists it with nothing on hand yet, and
    the stock engine's incoming listeners (reorder rules) hear of it."""
    stock_rows_ensure(keys=keys)
    incoming_changed(keys=keys)


def purchase_order_keys(purchase_order: PurchaseOrder) -> list[tuple[int, int]]:
    """The (sku_id, warehouse_id) pairs whose incoming quantity the order counts in: what
    `incoming_moved` is told when the order opens, changes, closes or is received."""
    sku_ids = purchase_order.lines.values_list("sku_id", flat=True)
    return [(sku_id, purchase_order.warehouse_id) for sku_id in sku_ids]


@transaction.atomic
def supplier_create(*, code: str, name: str, email: str = "") -> Supplier:
    supplier = Supplier(code=(code or "").strip(), name=(name or "").strip(), email=email or "")
    supplier.full_clean()
    supplier.save()
    return supplier


@transaction.atomic
def supplier_update(*, supplier: Supplier, name: str | None = None, email: str | None = None):
    """Change a supplier's name or e-mail; the code is its natural key and never changes."""
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    if name is not None:
        supplier.name = name.strip()
    if email is not None:
        supplier.email = email.strip()
    supplier.full_clean()
    supplier.save()
    return supplier


@dataclass(frozen=True)
class PurchaseLineRequest:
    """One line of a new purchase order."""

    sku: Sku
    quantity_ordered: int
    unit_cost: Decimal = Decimal("0")


def _check_order_lines(lines: list[PurchaseLineRequest]) -> None:
    if not lines:
        raise ValidationError({"lines": "A purchase order needs at least one line."})
    seen: set[int] = set()
    problems = []
    for number, line in enumerate(lines, 1):
        label = f"Line {number} ({getattr(line.sku, 'code', '?')})"
        quantity = line.quantity_ordered
        if not is_whole(quantity, minimum=1):
            problems.append(f"{label}: the quantity ordered must be a whole number above zero.")
        elif quantity > MAX_UNITS:
            problems.append(f"{label}: at most {MAX_UNITS} units per line.")
        if line.unit_cost is None or Decimal(line.unit_cost) < 0:
            problems.append(f"{label}: the unit cost cannot be negative.")
        if line.sku.pk in seen:
            problems.append(f"{label}: {line.sku.code} is already on the order; one line per SKU.")
        seen.add(line.sku.pk)
    if problems:
        raise ValidationError({"lines": problems})


def _lock(purchase_order: PurchaseOrder) -> PurchaseOrder:
    return (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "warehouse")
        .get(pk=purchase_order.pk)
    )


def _require_transition(purchase_order: PurchaseOrder, status: str, action: str) -> None:
    if not purchase_order.can_become(status):
        raise InvalidState(
            f"{purchase_order.number} is {purchase_order.get_status_display().lower()}: "
            f"it cannot be {action}."
        )


@transaction.atomic
def purchase_order_create(
    *,
    supplier: Supplier,
    warehouse: Warehouse,
    lines: list[PurchaseLineRequest],
    number: str | None = None,
    expected_date: datetime.date | None = None,
    status: str = PurchaseOrderStatus.DRAFT,
    note: str = "",
    actor: AbstractBaseUser | None = None,
) -> PurchaseOrder:
    """A new purchase order, a draft or (status="open") already sent to the supplier. One line
    per SKU. Without a number it is numbered PO-<id>."""
    if status not in (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.OPEN):
        raise ValidationError({"status": "A new purchase order is a draft or open."})
    _check_order_lines(lines)
    number = (number or "").strip()
    if "/" in number or any(ch.isspace() for ch in number):
        raise ValidationError({"number": "A PO number cannot contain '/' or spaces."})
    now = timezone.now()
    purchase_order = PurchaseOrder(
        number=number or f"new-{uuid.uuid4().hex[:24]}",
        supplier=supplier,
        warehouse=warehouse,
        status=status,
        expected_date=expected_date,
        note=note or "",
        created_by=acting_user(actor),
        opened_at=now if status == PurchaseOrderStatus.OPEN else None,
    )
    purchase_order.full_clean()
    purchase_order.save()
    if not number:
        # Numbered from the primary key, so concurrent creations never pick the same number.
        candidate, suffix = f"PO-{purchase_order.pk:06d}", 1
        while PurchaseOrder.objects.filter(number=candidate).exists():
            suffix += 1
            candidate = f"PO-{purchase_order.pk:06d}-{suffix}"
        PurchaseOrder.objects.filter(pk=purchase_order.pk).update(number=candidate)
        purchase_order.number = candidate
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            purchase_order=purchase_order,
            sku=line.sku,
            quantity_ordered=line.quantity_ordered,
            unit_cost=Decimal(line.unit_cost),
        )
        for line in lines
    )
    if status == PurchaseOrderStatus.OPEN:  # incoming rose: reorder rules may re-arm
        incoming_moved(keys=purchase_order_keys(purchase_order))
    return purchase_order


@transaction.atomic
def purchase_order_open(
    *, purchase_order: PurchaseOrder, actor: AbstractBaseUser | None = None
) -> PurchaseOrder:
    """draft → open: the order has gone to the supplier; its quantities count as incoming."""
    purchase_order = _lock(purchase_order)
    _require_transition(purchase_order, PurchaseOrderStatus.OPEN, "opened")
    if not purchase_order.lines.exists():
        raise InvalidState(f"{purchase_order.number} has no lines: add some before opening it.")
    purchase_order.status = PurchaseOrderStatus.OPEN
    purchase_order.opened_at = timezone.now()
    purchase_order.save(update_fields=["status", "opened_at", "updated_at"])
    incoming_moved(keys=purchase_order_keys(purchase_order))  # incoming rose
    return purchase_order


@transaction.atomic
def purchase_order_cancel(
    *, purchase_order: PurchaseOrder, actor: AbstractBaseUser | None = None
) -> PurchaseOrder:
    """draft or open → cancelled, only while nothing has been received against it (a PO with
    receipts is closed instead, which keeps its history and flags what is short)."""
    purchase_order = _lock(purchase_order)
    _require_transition(purchase_order, PurchaseOrderStatus.CANCELLED, "cancelled")
    if purchase_order.receipts.exists():
        raise InvalidState(
            f"{purchase_order.number} has receipts: close it instead of cancelling it."
        )
    purchase_order.status = PurchaseOrderStatus.CANCELLED
    purchase_order.cancelled_at = timezone.now()
    purchase_order.save(update_fields=["status", "cancelled_at", "updated_at"])
    incoming_moved(keys=purchase_order_keys(purchase_order))  # incoming fell
    return purchase_order


@transaction.atomic
def purchase_order_close(
    *, purchase_order: PurchaseOrder, actor: AbstractBaseUser | None = None
) -> tuple[PurchaseOrder, list[Discrepancy]]:
    """open, partially received or received → closed: nothing more is expected. Every line
    received below its ordered quantity is flagged `short` (the supplier owes the rest)."""
    purchase_order = _lock(purchase_order)
    _require_transition(purchase_order, PurchaseOrderStatus.CLOSED, "closed")
    short = [
        Discrepancy(
            purchase_order=purchase_order,
            po_line=line,
            code=DiscrepancyCode.SHORT,
            sku=line.sku,
            expected=line.quantity_ordered,
            received=line.quantity_received,
            quantity=line.quantity_ordered - line.quantity_received,
            detail=(
                f"Closed with {line.quantity_received} of {line.quantity_ordered} "
                f"{line.sku.code} received: {line.quantity_ordered - line.quantity_received} short."
            ),
        )
        for line in purchase_order.lines.select_related("sku").order_by("pk")
        if line.quantity_received < line.quantity_ordered
    ]
    discrepancies = Discrepancy.objects.bulk_create(short)
    purchase_order.status = PurchaseOrderStatus.CLOSED
    purchase_order.closed_at = timezone.now()
    purchase_order.save(update_fields=["status", "closed_at", "updated_at"])
    incoming_moved(keys=purchase_order_keys(purchase_order))  # incoming fell
    return purchase_order, discrepancies
