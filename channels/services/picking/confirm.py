"""Confirming a pick. Lock order in every write here: Order → PickTask → Reservation → BinStock →
WarehouseStock (the inventory services take the last three in that order)."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.models import (
    OrderLine,
    OrderStatus,
    PickTask,
    PickTaskStatus,
)
from channels.services.picking.bins import bin_lock, packing_for
from channels.services.picking.routing import _lock_task, order_progress
from channels.services.picking.short import pick_short, pick_surplus
from ims.kits.inputs import acting_user, is_whole
from inventory.errors import InvalidState
from inventory.services import retry_on_contention, stock_pick


@retry_on_contention
@transaction.atomic
def pick_task_confirm(
    *, task: PickTask, quantity: int, actor: AbstractBaseUser | None = None
) -> PickTask:
    """Confirm a pick of `quantity` units. The bin, on-hand and reserved fall together (one
    `pick` ledger row; units go to the packing station when the warehouse has one). Fewer
    than asked is a short pick, more than the books hold a surplus: see
    `channels.services.picking.short`."""
    actor = acting_user(actor)
    order, task = _lock_task(task)
    if task.status != PickTaskStatus.OPEN:
        raise InvalidState(f"Pick {task.pk} is {task.status}, not open.")
    if order.status not in (OrderStatus.RESERVED, OrderStatus.PICKING):
        raise InvalidState(f"Order {order.pk} is {order.status}: nothing is left to pick.")
    if not is_whole(quantity, minimum=0):
        raise ValidationError({"quantity": "Give the units picked: a whole number, 0 or more."})
    if quantity > task.quantity:
        raise ValidationError(
            {"quantity": f"This pick asks for {task.quantity}; confirm at most that many."}
        )
    packing = packing_for(task.warehouse_id)
    if quantity:
        on_books = bin_lock(task, packing)
        if quantity > on_books:
            pick_surplus(order=order, task=task, found=quantity, on_books=on_books, actor=actor)
        stock_pick(
            reservation=task.reservation,
            location=task.location,
            quantity=quantity,
            lot_number=task.lot.lot_number if task.lot else None,
            to_location=packing,
            actor=actor,
            reference=order.reference,
        )
    PickTask.objects.filter(pk=task.pk).update(
        quantity_picked=quantity,
        to_location=packing if quantity else None,
        status=PickTaskStatus.DONE if quantity == task.quantity else PickTaskStatus.SHORT,
        completed_at=timezone.now(),
        completed_by=actor,
    )
    OrderLine.objects.filter(pk=task.line_id).update(
        quantity_picked=F("quantity_picked") + quantity
    )
    if quantity < task.quantity:
        pick_short(order=order, task=task, found=quantity, actor=actor)
    order_progress(order)
    task.refresh_from_db()
    return task
