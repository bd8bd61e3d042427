"""django-q2 entry points. Schedule rows run `expire_holds_task` (migration 0002),
`sync_sweep_task` (migration 0003), `pull_orders_task` (migration 0004) and
`webhook_orders_task` (migration 0006) every minute (their names since migration 0005);
`sync_channel_task` is enqueued after each stock change commits."""

import datetime
import logging

from channels.connectors import connector_for
from channels.models import ChannelPullState, OrderLine, SalesChannel
from channels.services import orders_expire
from channels.sync.deliver import channel_deliver
from channels.sync.outbox import delivery_enqueue
from channels.sync.pull import channel_pull, channels_pulling
from channels.sync.services import outbox_sweep
from channels.webhooks.retry import webhook_orders_retry, webhook_records_prune
from inventory.services import reservations_expire

logger = logging.getLogger(__name__)

EXPIRE_HOLDS_SCHEDULE = "Release expired order holds"
# A burst of pushes to a pulling channel (Vendure) pulls at most once in this many seconds.
PULL_BEFORE_PUSH_SECONDS = 2.0


def expire_holds_task(now: datetime.datetime | None = None) -> int:
    """Release every expired hold: orders first (cancelled, their picks dropped), then any other
    expired reservation (never an order's: those expire only with their order, so an order
    confirmed while the sweep runs keeps its units). Returns how many were released."""
    order_holds = OrderLine.objects.values("reservation_id")
    return orders_expire(now=now) + reservations_expire(now=now, exclude=order_holds)


def sync_channel_task(channel_id: int) -> int:
    """Deliver the channel's pending outbox entries (enqueued after each stock change commits).
    A channel that also pulls its storefront's orders pulls first (unless it pulled in the last
    PULL_BEFORE_PUSH_SECONDS), so what it is told to sell already has its own newest orders
    taken off. Returns how many items were pushed."""
    channel = SalesChannel.objects.filter(pk=channel_id, active=True).first()
    if channel is not None and connector_for(channel).pulls_orders:
        channel_pull(channel=channel, unless_within=PULL_BEFORE_PUSH_SECONDS)
    result = channel_deliver(channel_id=channel_id)
    if result.more:  # its budget is spent and more is due: a fresh task goes on at once
        delivery_enqueue(channel_id)
    return result.items


def sync_sweep_task() -> int:
    """Scheduled every minute (migration 0003): deliveries a lost task left, retries now due."""
    return len(outbox_sweep())


def pull_orders_task() -> int:
    """Scheduled every minute (migration 0004): pull the storefront orders of every channel
    whose connector can (Vendure). One channel's failure doesn't hold back the others. Returns
    how many new orders were taken."""
    taken = 0
    for channel in channels_pulling():
        try:
            taken += len(channel_pull(channel=channel).taken)
        except Exception as exc:  # logged, and shown on the channel's page until a pull works
            logger.exception("pulling orders of channel %s failed", channel.code)
            ChannelPullState.objects.filter(channel=channel).update(
                last_error=f"{type(exc).__name__}: {exc}"[:500]
            )
    return taken


def webhook_orders_task() -> int:
    """Scheduled every minute (migration 0006): orders a shop sent by webhook that the IMS
    could not take yet are tried again (a SKU created, stock arrived); old delivery log rows
    are pruned. Returns how many kept orders were taken."""
    taken = len(webhook_orders_retry().taken)
    webhook_records_prune()
    return taken
