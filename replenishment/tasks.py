"""django-q2 entry points (schedules: inventory migration 0006). Thin: call one service."""

import logging

from replenishment.notifications import alert_digest_send
from replenishment.services import reorder_sweep

logger = logging.getLogger(__name__)


def alert_digest_task() -> int:
    """Every 15 minutes: one e-mail per purchasing user listing the alerts not yet notified.
    Returns how many alerts the digest carried."""
    digest = alert_digest_send()
    return digest.alert_count if digest else 0


def reorder_sweep_task() -> dict:
    """Daily: raise (or re-arm) what the day's season or a changed rule implies."""
    result = reorder_sweep()
    logger.info(
        "reorder sweep: %s rules checked, %s changed, %s alerts raised",
        result.checked,
        result.changed,
        result.raised,
    )
    return {"checked": result.checked, "changed": result.changed, "raised": result.raised}
