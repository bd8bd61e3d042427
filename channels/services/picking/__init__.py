"""Pick tasks: which bins an order's units come from (`bins`), who picks them in which order
(`routing`), confirming picks (`confirm`) and what a pick finds that the books did not say
(`short`: short picks and surpluses)."""

from channels.services.picking.bins import bin_lock, bin_options, packing_for, plan_bins
from channels.services.picking.confirm import pick_task_confirm
from channels.services.picking.routing import (
    associate_for,
    order_progress,
    pick_task_assign,
    pick_tasks_create,
    resequence_picks,
)
from channels.services.picking.short import FOUND_DISCREPANCY, pick_short, pick_surplus

__all__ = [
    "FOUND_DISCREPANCY",
    "associate_for",
    "bin_lock",
    "bin_options",
    "order_progress",
    "packing_for",
    "pick_short",
    "pick_surplus",
    "pick_task_assign",
    "pick_task_confirm",
    "pick_tasks_create",
    "plan_bins",
    "resequence_picks",
]
