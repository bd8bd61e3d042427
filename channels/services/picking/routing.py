"""Who picks what, in which order: an order's tasks in one warehouse go to one associate of that
warehouse (the one with the fewest open picks) and are numbered in walking order."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from channels.models import (
    Order,
    OrderLine,
    OrderStatus,
    PickTask,
    PickTaskStatus,
)
from channels.services.picking.bins import bin_options, plan_bins
from ims.kits.roles import Role
from inventory.errors import InvalidState
from inventory.models import (
    Warehouse,
)


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


def _lock_task(task: PickTask) -> tuple[Order, PickTask]:
    order = Order.objects.select_for_update(no_key=True).get(pk=task.order_id)
    locked = (
        PickTask.objects.select_for_update(no_key=True, of=("self",))
        .select_related("sku", "lot", "location", "warehouse", "reservation", "line")
        .get(pk=task.pk)
    )
    return order, locked
