"""Discrepancies: flagged the moment a receipt differs from the order, resolved by a manager.

Flagging (`discrepancy_flag`, inside the receipt's transaction, so a flag commits with the units
it describes): more than ordered (beyond the tolerance setting), a SKU not on the order, a
lot-tracked SKU without a lot, damaged units.

Resolving: a manager says what was done, and may release held units. Invariants kept here:
- A discrepancy is resolved once, with a note, by someone, at a time (its row is locked; a
  second resolution is 409 `invalid_state`).
- Units held in quarantine (a SKU not on the PO, a lot-tracked SKU without a lot, damaged units
  found fit to sell) reach the shelves only through a put-away task created here, at most once
  per held batch; a lot-less batch is first relabelled to its real lot (two `adjust` ledger rows
  in quarantine: out of the placeholder lot, into the real one).
"""

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ims.kits.inputs import acting_user
from inventory.errors import InvalidState
from inventory.models import BinStock, Lot
from inventory.services import stock_adjust
from receiving.models import Discrepancy, DiscrepancyCode, PutawayTask, ReceiptLine
from receiving.services.putaway import putaway_task_create

# Units of a lot-tracked SKU that arrived without a lot wait under this lot number + the PO's.
MISSING_LOT_PREFIX = "NOLOT-"
HELD_CODES = (DiscrepancyCode.UNEXPECTED_SKU, DiscrepancyCode.MISSING_LOT)
RELEASABLE_CODES = (*HELD_CODES, DiscrepancyCode.DAMAGED)


@dataclass(frozen=True)
class Counted:
    """A receipt line counted against its PO line: ordered, received so far (this line
    included), and received before this line. A SKU not on the order expected nothing."""

    expected: int
    received: int
    before: int


def over_receipt_tolerance() -> Decimal:
    """Percent above the ordered quantity accepted without an over-receipt flag (setting
    RECEIVING_OVER_RECEIPT_TOLERANCE_PERCENT, default 0)."""
    return Decimal(str(getattr(settings, "RECEIVING_OVER_RECEIPT_TOLERANCE_PERCENT", 0) or 0))


def over_receipt_allowance(quantity_ordered: int) -> int:
    """The most units of a line that may arrive before it is flagged as an over-receipt."""
    return quantity_ordered + math.floor(quantity_ordered * over_receipt_tolerance() / 100)


def discrepancy_flag(
    receipt_line: ReceiptLine, *, counted: Counted, missing_lot: bool, lot_number: str
) -> list[Discrepancy]:
    """Flag everything about one receipt line that differs from the order, at once."""
    sku, line = receipt_line.sku, receipt_line
    where = receipt_line.location or receipt_line.damaged_location
    order = receipt_line.receipt.purchase_order
    flags = []
    if receipt_line.po_line is None:
        flags.append(
            _flag(
                receipt_line,
                DiscrepancyCode.UNEXPECTED_SKU,
                counted,
                quantity=line.quantity,
                detail=f"{line.quantity} of {sku.code} arrived but {sku.code} is not on "
                f"{order.number}; held in {where.code}.",
            )
        )
    elif counted.received > over_receipt_allowance(counted.expected):
        flags.append(
            _flag(
                receipt_line,
                DiscrepancyCode.OVER_RECEIPT,
                counted,
                quantity=counted.received - max(counted.before, counted.expected),
                detail=f"{counted.received} of {sku.code} received against {counted.expected} "
                f"ordered: {counted.received - counted.expected} over. Accepted at {where.code}.",
            )
        )
    if missing_lot:
        flags.append(
            _flag(
                receipt_line,
                DiscrepancyCode.MISSING_LOT,
                counted,
                quantity=line.quantity,
                detail=f"{line.quantity} of {sku.code} (lot-tracked) arrived without a lot number; "
                f"held in {where.code} as {lot_number} until the lot is known.",
            )
        )
    if line.damaged:
        flags.append(
            _flag(
                receipt_line,
                DiscrepancyCode.DAMAGED,
                counted,
                quantity=line.damaged,
                location=receipt_line.damaged_location,
                detail=f"{line.damaged} of {line.quantity} {sku.code} arrived damaged; "
                f"they are in {receipt_line.damaged_location.code}.",
            )
        )
    return flags


def _flag(receipt_line: ReceiptLine, code: str, counted: Counted, **values) -> Discrepancy:
    values.setdefault("location", receipt_line.location or receipt_line.damaged_location)
    return Discrepancy.objects.create(
        purchase_order=receipt_line.receipt.purchase_order,
        receipt=receipt_line.receipt,
        receipt_line=receipt_line,
        po_line=receipt_line.po_line,
        code=code,
        sku=receipt_line.sku,
        lot=receipt_line.lot,
        expected=counted.expected,
        received=counted.received,
        **{**values, "detail": values["detail"][:300]},
    )


def _relabel(discrepancy: Discrepancy, lot_number: str, expiry, actor) -> Lot:
    """Give a lot-less batch held in quarantine its real lot number."""
    placeholder = discrepancy.lot
    units = discrepancy.quantity
    reference = discrepancy.purchase_order.number
    reason = f"discrepancy {discrepancy.pk}: lot {lot_number} identified"
    stock_adjust(
        sku=discrepancy.sku,
        location=discrepancy.location,
        quantity=-units,
        lot_number=placeholder.lot_number,
        reason=reason,
        actor=actor,
        reference=reference,
    )
    movement = stock_adjust(
        sku=discrepancy.sku,
        location=discrepancy.location,
        quantity=units,
        lot_number=lot_number,
        expiry=expiry,
        reason=reason,
        actor=actor,
        reference=reference,
    )
    # The sibling flags of the same line (damaged, unexpected) now point at the real lot too.
    Discrepancy.objects.filter(receipt_line=discrepancy.receipt_line, lot=placeholder).update(
        lot=movement.lot
    )
    return movement.lot


@transaction.atomic
def discrepancy_resolve(
    *,
    discrepancy: Discrepancy,
    note: str,
    actor: AbstractBaseUser | None = None,
    release: bool = False,
    lot_number: str | None = None,
    expiry: datetime.date | None = None,
) -> tuple[Discrepancy, PutawayTask | None]:
    """Mark a discrepancy resolved with a note (who and when are recorded). For units held in
    quarantine, `release=True` creates a put-away task for them; a batch that arrived without a
    lot takes its real `lot_number` (and `expiry`) first. Returns the task when one was made."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say how the discrepancy was resolved."})
    discrepancy = (
        Discrepancy.objects.select_for_update(of=("self",))
        .select_related("purchase_order__warehouse", "sku", "lot", "location", "receipt_line")
        .get(pk=discrepancy.pk)
    )
    if discrepancy.resolved:
        raise InvalidState(f"Discrepancy {discrepancy.pk} was already resolved.")
    lot_number = (lot_number or "").strip()
    if lot_number and discrepancy.code != DiscrepancyCode.MISSING_LOT:
        raise ValidationError({"lot": "Only a missing-lot discrepancy takes a lot number."})
    if release and discrepancy.code not in RELEASABLE_CODES:
        raise ValidationError(
            {
                "release": "Only units held in quarantine (not on the PO, without a lot, damaged) "
                "can be released."
            }
        )
    if discrepancy.code == DiscrepancyCode.MISSING_LOT and release and not lot_number:
        raise ValidationError({"lot": "Give the lot number before releasing these units."})

    lot = discrepancy.lot
    if lot_number:
        lot = _relabel(discrepancy, lot_number, expiry, actor)

    task = None
    if release:
        task = _release(discrepancy, lot)

    discrepancy.resolved_at = timezone.now()
    discrepancy.resolved_by = acting_user(actor)
    discrepancy.resolution_note = note
    discrepancy.lot = lot
    discrepancy.save(update_fields=["resolved_at", "resolved_by", "resolution_note", "lot"])
    return discrepancy, task


def _release(discrepancy: Discrepancy, lot: Lot | None) -> PutawayTask:
    line = discrepancy.receipt_line
    if discrepancy.code == DiscrepancyCode.DAMAGED:
        units = discrepancy.quantity
        already = PutawayTask.objects.filter(discrepancy=discrepancy).exists()
    else:
        # Held sound units of the line: one release for the batch, whichever flag releases it.
        units = line.sound if line is not None and line.held else 0
        already = PutawayTask.objects.filter(
            receipt_line=line, discrepancy__code__in=HELD_CODES
        ).exists()
    if already or units <= 0:
        raise InvalidState("These units have already been released (or none are held).")
    if lot is not None and lot.lot_number.startswith(MISSING_LOT_PREFIX):
        raise ValidationError(
            {
                "release": "These units have no lot yet: resolve the line's missing-lot "
                "discrepancy with the lot number first."
            }
        )
    present = (
        BinStock.objects.filter(sku=discrepancy.sku, location=discrepancy.location, lot=lot)
        .values_list("quantity", flat=True)
        .first()
        or 0
    )
    if present < units:
        raise InvalidState(
            f"{discrepancy.location.code} holds {present} of {discrepancy.sku.code}, not the "
            f"{units} to release: they were moved; put them away by hand."
        )
    return putaway_task_create(
        warehouse=discrepancy.purchase_order.warehouse,
        sku=discrepancy.sku,
        lot=lot,
        quantity=units,
        from_location=discrepancy.location,
        purchase_order=discrepancy.purchase_order,
        receipt_line=line,
        discrepancy=discrepancy,
    )
