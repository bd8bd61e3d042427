"""Pick discrepancies: the bin held fewer units than the books said ("ghost stock"), or more.

What a short pick does, inside the confirming transaction:
1. the missing units are re-routed to other bins with free (unplanned) units of the SKU, as new
   open picks for the same associate; whatever no bin can give is released from the order's
   reservation and the line is marked short by that much;
2. the bin is written down to what was found (empty, after the units picked from it) with an
   `adjust` ledger row whose reason starts "Found discrepancy" — except units other open picks
   are planned to take from that bin, which stay on the books until those picks (or the count)
   find them missing too, and never below what is reserved (`reserved <= on_hand` holds);
3. the bin and SKU are queued for a count.
The reservation's missing part is released before the write-down because stock_adjust, rightly,
cannot take reserved units out of a sellable bin.

A pick of more units than the books say the bin holds (the associate has them in hand) first
writes the bin up by the difference, also as a found discrepancy, and queues a count.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Sum

from channels.models import (
    Order,
    OrderLine,
    PickTask,
    PickTaskStatus,
)
from channels.services.picking.bins import bin_lock, bin_options, plan_bins
from channels.services.picking.routing import resequence_picks
from inventory.models import MovementKind, WarehouseStock
from inventory.selectors.accuracy import FOUND_DISCREPANCY  # what ghost stock is found by
from inventory.services import reservation_release, stock_adjust
from inventory.services.counts import count_request


def pick_surplus(
    *, order: Order, task: PickTask, found: int, on_books: int, actor: AbstractBaseUser | None
) -> None:
    """The associate picked `found` units from a bin the books say holds only `on_books`: the
    units exist, so the bin is written up by the difference before the pick."""
    note = (
        f"{FOUND_DISCREPANCY}: pick #{task.pk} found {found} in {task.location.code}, "
        f"the books said {on_books}"
    )
    stock_adjust(
        sku=task.sku,
        location=task.location,
        quantity=found - on_books,
        lot_number=task.lot.lot_number if task.lot else None,
        reason=note,
        actor=actor,
        reference=order.reference,
        kind=MovementKind.ADJUST,
    )
    count_request(
        location=task.location, sku=task.sku, reason=note, reference=order.reference, actor=actor
    )


def pick_short(
    *, order: Order, task: PickTask, found: int, actor: AbstractBaseUser | None
) -> list[PickTask]:
    """Handle the `task.quantity - found` units the bin did not have; returns the re-routed
    picks. Runs inside `pick_task_confirm`'s transaction (order and task rows locked)."""
    missing = task.quantity - found
    key = (task.sku_id, task.warehouse_id)
    bin_quantity = bin_lock(task)  # after the pick of `found`: all of it is missing

    options = bin_options(keys={key}, exclude_location_id=task.location_id).get(key, [])
    plan = plan_bins(options, missing, free_only=True)
    released = missing - sum(take for _, take in plan)
    if released:
        reservation_release(reservation=task.reservation, quantity=released)
        OrderLine.objects.filter(pk=task.line_id).update(
            quantity_short=F("quantity_short") + released
        )

    if bin_quantity:
        _write_down(order, task, found, bin_quantity, actor)

    rerouted = PickTask.objects.bulk_create(
        PickTask(
            order=order,
            line_id=task.line_id,
            reservation_id=task.reservation_id,
            warehouse_id=task.warehouse_id,
            sku_id=task.sku_id,
            lot=row.lot,
            location=row.location,
            quantity=take,
            assignee_id=task.assignee_id,
            rerouted_from=task,
        )
        for row, take in plan
    )
    if rerouted:
        resequence_picks(order.pk, task.warehouse_id)
    return rerouted


def _write_down(
    order: Order, task: PickTask, found: int, bin_quantity: int, actor: AbstractBaseUser | None
) -> None:
    """Write the bin down to what was found, except units other open picks are planned to take
    from it (and never below what is reserved), and queue the bin for a count."""
    # Locked (after the bin: the lock order) so a concurrent short pick's write-down of the
    # same SKU cannot change what is available between this read and this write-down.
    on_hand, reserved = (
        WarehouseStock.objects.select_for_update()
        .filter(sku_id=task.sku_id, warehouse_id=task.warehouse_id)
        .values_list("on_hand", "reserved")[0]
    )
    planned_here = (
        PickTask.objects.filter(
            status=PickTaskStatus.OPEN,
            sku_id=task.sku_id,
            location_id=task.location_id,
            lot_id=task.lot_id,
        )
        .exclude(pk=task.pk)
        .aggregate(units=Sum("quantity"))["units"]
        or 0
    )
    written_off = max(min(bin_quantity - planned_here, on_hand - reserved), 0)
    note = (
        f"{FOUND_DISCREPANCY}: short pick #{task.pk} found {found} of {task.quantity} "
        f"in {task.location.code}"
    )
    if written_off:
        stock_adjust(
            sku=task.sku,
            location=task.location,
            quantity=-written_off,
            lot_number=task.lot.lot_number if task.lot else None,
            reason=f"{note}; bin written down by {written_off}",
            actor=actor,
            reference=order.reference,
            kind=MovementKind.ADJUST,
        )
    held = bin_quantity - written_off
    count_request(
        location=task.location,
        sku=task.sku,
        reason=note
        + (f"; {held} units planned for other picks still on the books" if held else ""),
        reference=order.reference,
        actor=actor,
    )
