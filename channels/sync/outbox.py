"""Writing the outbox (inside the stock change's transaction) and waking the deliverer."""

from __future__ import annotations

import logging

from django.db import transaction

from channels.models import Listing, OutboxEntry

logger = logging.getLogger(__name__)


def outbox_record(*, sku_id: int, warehouse_id: int) -> None:
    """Queue "push the current availability of this SKU" for every active channel that sells from
    `warehouse_id` and lists `sku_id`. Runs inside the caller's transaction so the rows commit or
    roll back with the stock change (DESIGN invariant 5). One query, plus one bulk insert when
    some channel lists the SKU."""
    channel_ids = list(
        Listing.objects.filter(
            sku_id=sku_id, channel__active=True, channel__sources__warehouse_id=warehouse_id
        )
        .values_list("channel_id", flat=True)
        .distinct()
    )
    if not channel_ids:
        return
    OutboxEntry.objects.bulk_create(
        [OutboxEntry(channel_id=channel_id, sku_id=sku_id) for channel_id in channel_ids]
    )
    for channel_id in channel_ids:
        sync_enqueue(channel_id)


def sync_enqueue(channel_id: int) -> None:
    """After the surrounding transaction commits, enqueue one delivery task for the channel.

    Once per channel per transaction (a 10-line order enqueues one task, not ten). If the process
    dies between commit and enqueue, the sweep delivers the committed rows."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(
        getattr(func, "ims_sync_channel", None) == channel_id and not func.fired
        for _, func, _ in conn.run_on_commit
    ):
        return  # already queued by this transaction (rolled-back callbacks leave the list)

    def enqueue() -> None:
        enqueue.fired = True
        _async_deliver(channel_id)

    enqueue.ims_sync_channel = channel_id
    enqueue.fired = False
    transaction.on_commit(enqueue)


def _async_deliver(channel_id: int) -> None:
    from django_q.tasks import async_task

    try:
        async_task("channels.tasks.sync_channel", channel_id, group="channel-sync")
    except Exception:
        # The broker being down must not fail a committed change: the sweep delivers the rows.
        logger.warning("could not enqueue channel sync for channel %s", channel_id, exc_info=True)
