"""Pick tasks: which bins an order's units come from, who picks them, and confirming picks.

Bins are chosen first-expiry-first, then oldest lot, then lowest travel cost, counting only
units not already planned for other open picks. An order's tasks in one warehouse go to one
associate of that warehouse (the one with the fewest open picks) and are numbered in walking
order. Lock order in every write here: Order → PickTask → Reservation → BinStock →
WarehouseStock (the inventory services take the last three in that order).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from channels.models import (
    Order,
    OrderLine,
    OrderStatus,
    PickTask,
    PickTaskStatus,
)
from channels.services.channels import user_or_none
from ims.kits.roles import Role
from inventory.errors import InvalidState
from inventory.models import (
    SELLABLE_TYPES,
    BinStock,
    Location,
    LocationType,
    Warehouse,
)
from inventory.services import retry_on_contention

_FAR_FUTURE = datetime.date.max
_LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC)


@dataclass
class BinOption:
    row: BinStock
    free: int  # units in the bin not planned for other open picks


def _pick_order_key(option: BinOption):
    lot, location = option.row.lot, option.row.location
    return (
        lot is None or lot.expiry is None,
        (lot.expiry if lot and lot.expiry else _FAR_FUTURE),
        (lot.created_at if lot else _LATEST),
        location.travel_cost,
        location.path,
        option.row.pk,
    )


def bin_options(
    *, keys: set[tuple[int, int]], exclude_location_id: int | None = None
) -> dict[tuple[int, int], list[BinOption]]:
    """For each (sku_id, warehouse_id), the sellable bins holding the SKU, best pick first.
    Two queries whatever the number of keys."""
    if not keys:
        return {}
    sku_ids = {sku_id for sku_id, _ in keys}
    warehouse_ids = {warehouse_id for _, warehouse_id in keys}
    rows = (
        BinStock.objects.filter(
            sku_id__in=sku_ids,
            location__warehouse_id__in=warehouse_ids,
            location__type__in=SELLABLE_TYPES,
            quantity__gt=0,
        )
        .exclude(location_id=exclude_location_id)
        .select_related("location", "lot")
    )
    planned = {
        (sku_id, location_id, lot_id): total
        for sku_id, location_id, lot_id, total in PickTask.objects.filter(
            status=PickTaskStatus.OPEN, sku_id__in=sku_ids, warehouse_id__in=warehouse_ids
        )
        .values_list("sku_id", "location_id", "lot_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    options: dict[tuple[int, int], list[BinOption]] = defaultdict(list)
    for row in rows:
        key = (row.sku_id, row.location.warehouse_id)
        if key not in keys:
            continue
        taken = planned.get((row.sku_id, row.location_id, row.lot_id), 0)
        options[key].append(BinOption(row=row, free=max(row.quantity - taken, 0)))
    for key in options:
        options[key].sort(key=_pick_order_key)
    return options


def plan_bins(
    options: list[BinOption], quantity: int, *, free_only: bool = False
) -> list[tuple[BinStock, int]]:
    """Which bins give `quantity` units: free units first, in pick order. Unless `free_only`,
    units already planned for other picks fill any remainder (the books say they are there; a
    short pick sorts out the rest)."""
    plan: dict[int, list] = {}
    remaining = quantity
    for option in options:
        take = min(option.free, remaining)
        if take:
            plan[option.row.pk] = [option.row, take]
            remaining -= take
        if not remaining:
            break
    if remaining and not free_only:
        for option in options:
            spare = option.row.quantity - (plan.get(option.row.pk, [None, 0])[1])
            take = min(spare, remaining)
            if take:
                plan.setdefault(option.row.pk, [option.row, 0])[1] += take
                remaining -= take
            if not remaining:
                break
    if remaining and not free_only:
        raise InvalidState(
            "The bins hold fewer units than the warehouse's books; run `manage.py stock_audit`."
        )
    return [(row, take) for row, take in plan.values()]


def associate_for(warehouse_id: int):
    """The associate of the warehouse with the fewest open picks (None when it has none)."""
    return (
        get_user_model()
        .objects.filter(warehouses=warehouse_id, is_active=True, groups__name=Role.ASSOCIATE)
        .annotate(
            open_picks=Count(
                "pick_tasks", filter=Q(pick_tasks__status=PickTaskStatus.OPEN), distinct=True
            )
        )
        .order_by("open_picks", "pk")
        .first()
    )


def packing_for(warehouse_id: int) -> Location | None:
    """Where picked units go: the warehouse's packing station nearest the bins' origin."""
    return (
        Location.objects.filter(warehouse_id=warehouse_id, type=LocationType.PACKING)
        .order_by("travel_cost", "pk")
        .first()
    )


def resequence_picks(order_id: int, warehouse_id: int) -> None:
    """Number the order's open tasks in a warehouse 1..n in walking order."""
    tasks = list(
        PickTask.objects.filter(
            order_id=order_id, warehouse_id=warehouse_id, status=PickTaskStatus.OPEN
        )
        .select_related("location")
        .order_by("location__travel_cost", "location__path", "pk")
    )
    for number, task in enumerate(tasks, start=1):
        task.sequence = number
    PickTask.objects.bulk_update(tasks, ["sequence"])


def pick_tasks_create(*, order: Order, lines: list[OrderLine]) -> list[PickTask]:
    """Plan the picks of freshly reserved lines (called inside the intake transaction, which
    holds the lines' WarehouseStock rows, so concurrent plans for a SKU do not collide)."""
    keys = {(line.sku_id, line.warehouse_id) for line in lines}
    options = bin_options(keys=keys)
    assignees = {warehouse_id: associate_for(warehouse_id) for _, warehouse_id in keys}
    tasks = []
    for line in lines:
        for row, take in plan_bins(
            options.get((line.sku_id, line.warehouse_id), []), line.quantity
        ):
            tasks.append(
                PickTask(
                    order=order,
                    line=line,
                    reservation_id=line.reservation_id,
                    warehouse_id=line.warehouse_id,
                    sku_id=line.sku_id,
                    lot=row.lot,
                    location=row.location,
                    quantity=take,
                    assignee=assignees[line.warehouse_id],
                )
            )
    for warehouse_id in {task.warehouse_id for task in tasks}:
        here = sorted(
            (t for t in tasks if t.warehouse_id == warehouse_id),
            key=lambda t: (t.location.travel_cost, t.location.path),
        )
        for number, task in enumerate(here, start=1):
            task.sequence = number
    return PickTask.objects.bulk_create(tasks)


def _lock_task(task: PickTask) -> tuple[Order, PickTask]:
    order = Order.objects.select_for_update(no_key=True).get(pk=task.order_id)
    locked = (
        PickTask.objects.select_for_update(no_key=True, of=("self",))
        .select_related("sku", "lot", "location", "warehouse", "reservation", "line")
        .get(pk=task.pk)
    )
    return order, locked


def order_progress(order: Order) -> str:
    """Move the order along after a pick: picking while any pick is open; picked when none is
    (cancelled if every unit turned out to be missing)."""
    if PickTask.objects.filter(order=order, status=PickTaskStatus.OPEN).exists():
        status, reason = OrderStatus.PICKING, ""
    elif OrderLine.objects.filter(order=order, quantity_picked__gt=0).exists():
        status, reason = OrderStatus.PICKED, ""
    else:
        status, reason = OrderStatus.CANCELLED, "Every line was short: nothing to ship."
    if status != order.status:
        now = timezone.now()
        Order.objects.filter(pk=order.pk).update(
            status=status,
            updated_at=now,
            cancel_reason=reason or order.cancel_reason,
            cancelled_at=now if status == OrderStatus.CANCELLED else None,
        )
        order.status = status
    return status


@retry_on_contention
@transaction.atomic
def pick_task_confirm(
    *, task: PickTask, quantity: int, actor: AbstractBaseUser | None = None
) -> PickTask:
    """Confirm a pick of `quantity` units. The bin, on-hand and reserved fall together (one
    `pick` ledger row; units go to the packing station when the warehouse has one). Fewer
    than asked is a short pick, more than the books hold a surplus: see
    `channels.services.discrepancies`."""
    from channels.services.discrepancies import bin_lock, pick_short, pick_surplus
    from inventory.services import stock_pick

    actor = user_or_none(actor)
    order, task = _lock_task(task)
    if task.status != PickTaskStatus.OPEN:
        raise InvalidState(f"Pick {task.pk} is {task.status}, not open.")
    if order.status not in (OrderStatus.RESERVED, OrderStatus.PICKING):
        raise InvalidState(f"Order {order.pk} is {order.status}: nothing is left to pick.")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
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


@transaction.atomic
def pick_task_assign(*, task: PickTask, assignee: AbstractBaseUser | None) -> PickTask:
    """Give an open pick (and the order's other open picks in that warehouse, which are walked
    together) to another associate of the warehouse, or to nobody."""
    order, task = _lock_task(task)
    if task.status != PickTaskStatus.OPEN:
        raise InvalidState(f"Pick {task.pk} is {task.status}: only open picks are reassigned.")
    if (
        assignee is not None
        and not Warehouse.objects.filter(pk=task.warehouse_id, staff=assignee).exists()
    ):
        raise ValidationError(
            {"assignee": f"{assignee.get_username()} does not work in {task.warehouse.code}."}
        )
    PickTask.objects.filter(
        order=order, warehouse_id=task.warehouse_id, status=PickTaskStatus.OPEN
    ).update(assignee=assignee)
    task.refresh_from_db()
    return task
