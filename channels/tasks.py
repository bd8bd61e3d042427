"""django-q2 entry points. Schedule rows run `expire_holds` (migration 0002) and `sync_sweep`
(migration 0003) every minute; `sync_channel` is enqueued after each stock change commits."""

from channels.services import orders_expire
from inventory.services import reservations_expire

EXPIRE_HOLDS_SCHEDULE = "Release expired order holds"


def expire_holds() -> int:
    """Release every expired hold: orders first (cancelled, their picks dropped), then any other
    expired reservation. Returns how many were released."""
    return orders_expire() + reservations_expire()


def sync_channel(channel_id: int) -> int:
    """Deliver the channel's pending outbox entries (enqueued after each stock change commits).
    Returns how many items were pushed."""
    from channels.sync.deliver import channel_deliver

    return channel_deliver(channel_id=channel_id).items


def sync_sweep() -> int:
    """Scheduled every minute (migration 0003): deliveries a lost task left, retries now due."""
    from channels.sync.services import sync_sweep as sweep

    return len(sweep())
