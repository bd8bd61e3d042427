"""django-q2 entry points of the stock engine. A Schedule row (migration 0010) runs
`velocity_recompute_task` nightly."""

from inventory.services.velocity import velocity_recompute


def velocity_recompute_task() -> dict[str, int]:
    """Recompute every warehouse's SKU velocity and ABC classes; the counts per class."""
    return velocity_recompute()
