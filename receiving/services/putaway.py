"""Put-away: from the dock (or quarantine, once released) into a sellable bin.

Invariants kept here:
- A task moves its units at most once: completion locks the task row (`select_for_update`) and
  refuses a task that is no longer open, so two associates confirming the same task at once
  move the units once (the second gets 409 `invalid_state`).
- Completing writes exactly one `putaway` ledger row (`stock_move`), which raises on-hand: the
  units become sellable in the same transaction.
- A bin's capacity (when it has one) counts the units of every SKU in it; completion locks the
  bin's Location row before checking, so two put-aways into one bin cannot overfill it.
Lock order: PutawayTask → Location → BinStock → WarehouseStock.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ims.kits.inputs import acting_user, is_whole
from inventory.errors import InvalidState
from inventory.models import BinStock, Location, LocationType, Lot, MovementKind, Sku, Warehouse
from inventory.services import retry_on_contention, stock_move
from receiving.models import (
    Discrepancy,
    PurchaseOrder,
    PutawayStatus,
    PutawayTask,
    ReceiptLine,
)
from receiving.selectors import putaway_suggestion


def putaway_task_create(
    *,
    warehouse: Warehouse,
    sku: Sku,
    lot: Lot | None,
    quantity: int,
    from_location: Location,
    purchase_order: PurchaseOrder | None = None,
    receipt_line: ReceiptLine | None = None,
    discrepancy: Discrepancy | None = None,
    remainder_of: PutawayTask | None = None,
) -> PutawayTask:
    """A task for `quantity` units waiting at `from_location`, with a suggested bin. Runs inside
    the caller's transaction (a receipt, a release from quarantine, a partial completion)."""
    suggested = putaway_suggestion(warehouse=warehouse, sku=sku, lot=lot, quantity=quantity)
    return PutawayTask.objects.create(
        warehouse=warehouse,
        sku=sku,
        lot=lot,
        quantity=quantity,
        from_location=from_location,
        suggested_location=suggested,
        purchase_order=purchase_order,
        receipt_line=receipt_line,
        discrepancy=discrepancy,
        remainder_of=remainder_of,
    )


def _bin_for(task: PutawayTask, location: Location | None) -> Location:
    location = location or task.suggested_location
    if location is None:
        raise ValidationError(
            {"location": "No bin was suggested for this task: scan the bin the units went into."}
        )
    if location.warehouse_id != task.warehouse_id:
        raise ValidationError(
            {"location": f"{location.code} is not in warehouse {task.warehouse.code}."}
        )
    if location.type != LocationType.BIN:
        raise ValidationError(
            {
                "location": f"{location.code} is a {location.get_type_display().lower()}, "
                "not a bin: put-away goes into a sellable bin."
            }
        )
    return location


@retry_on_contention
@transaction.atomic
def putaway_complete(
    *,
    task: PutawayTask,
    location: Location | None = None,
    quantity: int | None = None,
    actor: AbstractBaseUser | None = None,
) -> tuple[PutawayTask, PutawayTask | None]:
    """Move the task's units (all, or `quantity` of them) into `location` (default: the
    suggestion) with one `putaway` ledger row, making them sellable. A partial completion
    closes this task for the units moved and opens a new one for the rest, returned second."""
    task = (
        PutawayTask.objects.select_for_update(of=("self",))
        .select_related("warehouse", "sku", "lot", "from_location", "suggested_location")
        .select_related("purchase_order")
        .get(pk=task.pk)
    )
    if task.status != PutawayStatus.OPEN:
        raise InvalidState(f"Put-away task {task.pk} is {task.get_status_display().lower()}.")
    target = _bin_for(task, location)
    quantity = _require_quantity(task, quantity)
    target = _lock_room_in(target, quantity)
    reference = task.purchase_order.number if task.purchase_order_id else f"putaway-{task.pk}"
    stock_move(
        sku=task.sku,
        from_location=task.from_location,
        to_location=target,
        quantity=quantity,
        lot_number=task.lot.lot_number if task.lot_id else None,
        actor=actor,
        reason=f"put-away task {task.pk}",
        reference=reference,
        kind=MovementKind.PUTAWAY,
    )
    remaining = task.quantity - quantity
    task.status = PutawayStatus.DONE
    task.location = target
    task.quantity = quantity
    task.completed_at = timezone.now()
    task.completed_by = acting_user(actor)
    task.save(update_fields=["status", "location", "quantity", "completed_at", "completed_by"])
    return task, _remainder(task, remaining) if remaining else None


def _require_quantity(task: PutawayTask, quantity: int | None) -> int:
    """All of the task's units by default; a part of them, never more."""
    if quantity is None:
        return task.quantity
    if not is_whole(quantity, minimum=1):
        raise ValidationError({"quantity": "Must be a whole number of units above zero."})
    if quantity > task.quantity:
        raise ValidationError(
            {"quantity": f"The task has {task.quantity} units; {quantity} cannot be put away."}
        )
    return quantity


def _lock_room_in(target: Location, quantity: int) -> Location:
    """Lock the bin and check `quantity` more units fit its capacity (if it has one).

    The bin row alone, and FOR NO KEY UPDATE: locking its warehouse too (a plain FOR UPDATE
    over the join) would block every receipt's inserts that reference the warehouse, and
    deadlock with one that already holds the dock rows this put-away moves from."""
    target = (
        Location.objects.select_for_update(no_key=True, of=("self",))
        .select_related("warehouse")
        .get(pk=target.pk)
    )
    if target.capacity is not None:
        held = (
            BinStock.objects.filter(location=target).aggregate(units=Sum("quantity"))["units"] or 0
        )
        if held + quantity > target.capacity:
            raise ValidationError(
                {
                    "location": f"{target.code} holds {held} of its {target.capacity} units: "
                    f"{quantity} more do not fit."
                }
            )
    return target


def _remainder(task: PutawayTask, remaining: int) -> PutawayTask:
    """A new open task for the units a partial put-away left at the dock."""
    return putaway_task_create(
        warehouse=task.warehouse,
        sku=task.sku,
        lot=task.lot,
        quantity=remaining,
        from_location=task.from_location,
        purchase_order=task.purchase_order,
        receipt_line=task.receipt_line,
        discrepancy=task.discrepancy,
        remainder_of=task,
    )


@retry_on_contention
@transaction.atomic
def putaway_cancel(*, task: PutawayTask, actor: AbstractBaseUser | None = None) -> PutawayTask:
    """Drop an open task without moving anything (the units stay where they are, on the books;
    a manager then moves or adjusts them)."""
    task = PutawayTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
    if task.status != PutawayStatus.OPEN:
        raise InvalidState(f"Put-away task {task.pk} is {task.get_status_display().lower()}.")
    task.status = PutawayStatus.CANCELLED
    task.completed_at = timezone.now()
    task.completed_by = acting_user(actor)
    task.save(update_fields=["status", "completed_at", "completed_by"])
    return task
