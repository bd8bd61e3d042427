"""django-q2 entry points of the stock engine. A Schedule row (migration 0010) runs
`velocity_recompute_task` nightly, another (0012) `count_schedule_task` each morning."""

from inventory.services.count_schedule import count_schedule_generate
from inventory.services.slotting import velocity_and_slotting_recompute


def velocity_recompute_task() -> dict[str, int]:
    """Recompute every warehouse's SKU velocity and ABC classes, then its slotting
    recommendations from the new figures; the counts per class."""
    return velocity_and_slotting_recompute()


def count_schedule_task() -> dict[str, int]:
    """Open today's share of the scheduled cycle counts (A weekly, B monthly, C quarterly)."""
    return count_schedule_generate()
