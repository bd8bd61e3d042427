"""Reads of slotting recommendations and move tasks, scoped to the caller's warehouses (and, for
associates, to their own and unassigned move tasks). Each is one query for its rows."""

from django.db.models import Q, QuerySet

from ims.kits.roles import in_scope
from inventory.models import MoveTask, MoveTaskStatus, RecommendationStatus, SlottingRecommendation


def recommendation_list(*, warehouses=None, status=RecommendationStatus.OPEN) -> QuerySet:
    """Recommendations (open ones by default), most walking saved first, with the SKUs, lots
    and bins they name already joined."""
    rows = SlottingRecommendation.objects.select_related(
        "warehouse", "sku", "lot", "from_location", "to_location", "swap_sku", "swap_lot"
    ).order_by("-walk_saved_per_week", "pk")
    if status:
        rows = rows.filter(status=status)
    return in_scope(rows, warehouses)


def move_task_list(*, warehouses=None, assignee_or_unassigned=None) -> QuerySet[MoveTask]:
    """Move tasks, open ones first, then in the order they were made (a swap's first half
    before its second). `assignee_or_unassigned`: a user whose own and unassigned tasks are the
    only ones shown (an associate's view)."""
    tasks = MoveTask.objects.select_related(
        "warehouse", "sku", "lot", "from_location", "to_location", "assignee", "after"
    ).order_by("-status", "pk")
    if assignee_or_unassigned is not None:
        tasks = tasks.filter(Q(assignee=assignee_or_unassigned) | Q(assignee__isnull=True))
    return in_scope(tasks, warehouses)


def open_move_tasks_for(user, *, warehouses=None) -> QuerySet[MoveTask]:
    """What an associate walks: their own and unassigned open move tasks, nearest source bin
    first, each swap's first half before its second."""
    return (
        move_task_list(warehouses=warehouses, assignee_or_unassigned=user)
        .filter(status=MoveTaskStatus.OPEN)
        .order_by("from_location__travel_cost", "from_location__code", "pk")
    )
