"""Move tasks: an associate moves the units of one SKU (and lot) from one bin to another — the
halves of the slotting recommendations a manager applies.

Invariants kept here:
- Applying is all-or-nothing: the recommendations asked for are locked (FOR UPDATE, in primary
  key order) and must all be open; each becomes its tasks and is marked `applied`, or, when any
  is refused, nothing is created and nothing marked.
- A swap never overflows a bin: its first task moves into the bin with room for both SKUs at
  once, and the second names it as `after`; a swap neither bin can hold is refused.
- A task moves its units at most once: completion locks the task row and refuses a task that is
  not open (409 `invalid_state`), or whose `after` task is not done yet.
- Completion writes one `move` ledger row (`stock_move`), and only when the source bin still
  holds the units: otherwise it says what the bin holds and changes nothing. The destination's
  Location row is locked before its capacity is checked, so two moves into one bin cannot
  overfill it.
Lock order: SlottingRecommendation or MoveTask → Location → BinStock → WarehouseStock.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from ims.kits.inputs import acting_user, is_whole
from ims.kits.roles import Role
from inventory.errors import InvalidState
from inventory.models import (
    BinStock,
    Location,
    MovementKind,
    MoveTask,
    MoveTaskStatus,
    RecommendationStatus,
    SlottingRecommendation,
    Warehouse,
)
from inventory.services.contention import retry_on_contention
from inventory.services.stock import require_saved, stock_move


@retry_on_contention
@transaction.atomic
def slotting_apply(
    *,
    warehouse: Warehouse,
    ids: list[int] | None = None,
    actor: AbstractBaseUser | None = None,
) -> list[MoveTask]:
    """Turn open recommendations of `warehouse` (the `ids` given, or all of them) into move
    tasks: one for a move into a free bin, two for a swap, ordered so no bin overflows. Each
    recommendation's tasks go to the warehouse's least busy associate (fewest open move tasks),
    or stay unassigned when it has none. All or nothing."""
    require_saved(warehouse, Warehouse, "warehouse")
    recommendations = _lock_open(warehouse, ids)
    plans, refused = [], []
    for recommendation in recommendations:
        halves = _halves(recommendation, actor)
        (refused if isinstance(halves, str) else plans).append(halves)
    if refused:
        raise ValidationError({"ids": refused})
    people = _associates_by_load(warehouse)
    for halves in plans:
        if people:
            person = min(people, key=lambda entry: (entry[0], entry[1].get_username()))
            person[0] += len(halves)
            for task in halves:
                task.assignee = person[1]
    MoveTask.objects.bulk_create([halves[0] for halves in plans])
    # The second halves name the first as `after`, which have their primary keys now.
    MoveTask.objects.bulk_create([halves[1] for halves in plans if len(halves) > 1])
    SlottingRecommendation.objects.filter(pk__in=[r.pk for r in recommendations]).update(
        status=RecommendationStatus.APPLIED
    )
    return [task for halves in plans for task in halves]


def _lock_open(warehouse: Warehouse, ids) -> list[SlottingRecommendation]:
    if ids is not None:
        if not isinstance(ids, list | tuple) or not all(is_whole(pk, minimum=1) for pk in ids):
            raise ValidationError({"ids": "Give the recommendations as a list of their ids."})
        if not ids:
            raise ValidationError({"ids": "Choose at least one recommendation to apply."})
    rows = (
        SlottingRecommendation.objects.select_for_update(of=("self",))
        .select_related("sku", "lot", "from_location", "to_location", "swap_sku", "swap_lot")
        .filter(warehouse=warehouse, status=RecommendationStatus.OPEN)
        .order_by("pk")
    )
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    rows = list(rows)
    if ids is not None:
        missing = sorted(set(ids) - {row.pk for row in rows})
        if missing:
            names = ", ".join(f"#{pk}" for pk in missing)
            raise ValidationError(
                {
                    "ids": f"{warehouse.code} has no open recommendation {names}: it was applied, "
                    "superseded by a newer one, or never existed."
                }
            )
    elif not rows:
        raise ValidationError({"ids": f"{warehouse.code} has no open recommendations to apply."})
    return rows


def _halves(recommendation: SlottingRecommendation, actor) -> list[MoveTask] | str:
    """The recommendation's tasks in the order they must be done, or why it cannot be done."""
    r = recommendation
    fast = MoveTask(
        warehouse_id=r.warehouse_id,
        sku=r.sku,
        lot=r.lot,
        quantity=r.quantity,
        from_location=r.from_location,
        to_location=r.to_location,
        reason=f"Slotting: {r.sku.code} nearer packing (saves {r.walk_saved_per_week}/week)",
        recommendation=r,
        created_by=acting_user(actor),
    )
    if r.swap_sku_id is None or not r.swap_quantity:
        return [fast]
    slow = MoveTask(
        warehouse_id=r.warehouse_id,
        sku=r.swap_sku,
        lot=r.swap_lot,
        quantity=r.swap_quantity,
        from_location=r.to_location,
        to_location=r.from_location,
        reason=f"Slotting: swap with {r.sku.code}, making room nearer packing",
        recommendation=r,
        created_by=acting_user(actor),
    )
    both = r.quantity + r.swap_quantity
    if _holds(r.to_location, both):
        slow.after = fast
        return [fast, slow]
    if _holds(r.from_location, both):
        fast.after = slow
        return [slow, fast]
    return (
        f"Recommendation #{r.pk}: neither {r.to_location.code} ({_capacity(r.to_location)}) nor "
        f"{r.from_location.code} ({_capacity(r.from_location)}) can hold {r.quantity} of "
        f"{r.sku.code} and {r.swap_quantity} of {r.swap_sku.code} at once; swap them by hand "
        "through a spare bin."
    )


def _holds(location: Location, units: int) -> bool:
    return location.capacity is None or location.capacity >= units


def _capacity(location: Location) -> str:
    return f"holds at most {location.capacity}"


def _associates_by_load(warehouse: Warehouse) -> list[list]:
    """[open move tasks, person] for each active associate of the warehouse. One query."""
    people = (
        get_user_model()
        .objects.filter(groups__name=Role.ASSOCIATE, is_active=True, warehouses=warehouse)
        .annotate(
            open_moves=Count(
                "move_tasks", filter=Q(move_tasks__status=MoveTaskStatus.OPEN), distinct=True
            )
        )
        .order_by("open_moves", "username")
    )
    return [[person.open_moves, person] for person in people]


@retry_on_contention
@transaction.atomic
def move_task_complete(
    *, task: MoveTask, quantity: int | None = None, actor: AbstractBaseUser | None = None
) -> MoveTask:
    """Move the task's units (or `quantity` of them, never more) with one `move` ledger row and
    mark it done. Refused, with nothing changed: a task not open or whose `after` task is not
    done (409), a source bin that no longer holds the units (409), a destination without room
    (400 on `to_location`)."""
    require_saved(task, MoveTask, "task")
    task = (
        MoveTask.objects.select_for_update(of=("self",))
        .select_related("warehouse", "sku", "lot", "from_location", "to_location")
        .select_related("after__sku", "after__from_location")
        .get(pk=task.pk)
    )
    if task.status != MoveTaskStatus.OPEN:
        raise InvalidState(f"Move task #{task.pk} is {task.get_status_display().lower()}.")
    if task.after_id and task.after.status != MoveTaskStatus.DONE:
        after = task.after
        raise InvalidState(
            f"Do move #{after.pk} first: {after.sku.code} leaves {after.from_location.code} "
            "to make room."
        )
    quantity = _require_quantity(task, quantity)
    _require_source_holds(task, quantity)
    _lock_room_in(task.to_location, quantity)
    stock_move(
        sku=task.sku,
        from_location=task.from_location,
        to_location=task.to_location,
        quantity=quantity,
        lot_number=task.lot.lot_number if task.lot_id else None,
        actor=actor,
        reason=task.reason or f"move task #{task.pk}",
        reference=f"move task #{task.pk}",
        kind=MovementKind.MOVE,
    )
    task.status = MoveTaskStatus.DONE
    task.moved = quantity
    task.completed_by = acting_user(actor)
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "moved", "completed_by", "completed_at"])
    return task


def _require_quantity(task: MoveTask, quantity) -> int:
    if quantity is None:
        return task.quantity
    if not is_whole(quantity, minimum=1):
        raise ValidationError({"quantity": "Must be a whole number of units above zero."})
    if quantity > task.quantity:
        raise ValidationError(
            {"quantity": f"The task moves {task.quantity} units; {quantity} is more than that."}
        )
    return quantity


def _require_source_holds(task: MoveTask, quantity: int) -> None:
    held = (
        BinStock.objects.filter(sku=task.sku, location=task.from_location, lot=task.lot)
        .values_list("quantity", flat=True)
        .first()
    ) or 0
    if held < quantity:
        lot = f" lot {task.lot.lot_number}" if task.lot_id else ""
        raise InvalidState(
            f"{task.from_location.code} no longer holds {quantity} of {task.sku.code}{lot}: "
            f"it holds {held}. Nothing was moved; count the bin or ask a manager."
        )


def _lock_room_in(target: Location, quantity: int) -> None:
    """Lock the destination bin's row (FOR NO KEY UPDATE: inserts that reference it are not
    blocked) and check `quantity` more units fit its capacity, counting every SKU in it."""
    target = Location.objects.select_for_update(no_key=True).get(pk=target.pk)
    if target.capacity is None:
        return
    held = BinStock.objects.filter(location=target).aggregate(units=Sum("quantity"))["units"] or 0
    if held + quantity > target.capacity:
        raise ValidationError(
            {
                "to_location": f"{target.code} holds {held} of its {target.capacity} units: "
                f"{quantity} more do not fit."
            }
        )
