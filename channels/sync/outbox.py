"""Writing the outbox (inside the stock change's transaction) and waking the deliverer."""

from __future__ import annotations

import logging

from django.db import connection, transaction

from channels.models import ChannelWarehouse, Listing, OutboxEntry, SalesChannel
from inventory.events import AvailabilityListener

logger = logging.getLogger(__name__)


# The active channels that sell a SKU (first parameter) from a warehouse (second), as (sku_id,
# warehouse_id, channel_id). No DISTINCT: a channel lists a SKU once and sells from a warehouse
# once (unique constraints). SQL by hand because it runs on every stock change
# (inventory.events folds it into the one query that finds every listener); the channel
# is checked by a scalar subquery rather than a third join, which PostgreSQL plans in a third of
# the time.
LISTENING_CHANNELS_SQL = f"""
SELECT listing.sku_id, channel_source.warehouse_id, listing.channel_id
  FROM {Listing._meta.db_table} listing
  JOIN {ChannelWarehouse._meta.db_table} channel_source
    ON channel_source.channel_id = listing.channel_id
 WHERE listing.sku_id = %s AND channel_source.warehouse_id = %s
   AND (SELECT sales_channel.active FROM {SalesChannel._meta.db_table} sales_channel
         WHERE sales_channel.id = listing.channel_id)
"""


def _on_availability(*, sku, warehouse, ids: list[int]) -> None:
    outbox_write(sku_id=sku.pk, channel_ids=ids)


# Registered by ChannelsConfig.ready(): every stock change queues a push to the channels that
# list the SKU and sell from the warehouse.
CHANNEL_OUTBOX = AvailabilityListener(
    name="channel", sql=LISTENING_CHANNELS_SQL, handle=_on_availability
)


def outbox_record(*, sku_id: int, warehouse_id: int) -> None:
    """Queue "push the current availability of this SKU" for every active channel that sells from
    `warehouse_id` and lists `sku_id`. Runs inside the caller's transaction so the rows commit or
    roll back with the stock change (DESIGN invariant 5). One query, plus one bulk insert when
    some channel lists the SKU."""
    with connection.cursor() as cursor:
        cursor.execute(LISTENING_CHANNELS_SQL, [sku_id, warehouse_id])
        channel_ids = [channel_id for _, _, channel_id in cursor.fetchall()]
    outbox_write(sku_id=sku_id, channel_ids=channel_ids)


def outbox_write(*, sku_id: int, channel_ids: list[int]) -> None:
    """The second half of outbox_record, for a caller that has found the channels already: one
    OutboxEntry per channel, and one delivery task per channel after commit."""
    if not channel_ids:
        return
    OutboxEntry.objects.bulk_create(
        [OutboxEntry(channel_id=channel_id, sku_id=sku_id) for channel_id in channel_ids]
    )
    for channel_id in channel_ids:
        sync_enqueue(channel_id)


def outbox_queue_listings(*, channel_id: int, sku_ids: list[int] | None = None) -> int:
    """Queue a push of the channel's listings (only those of `sku_ids` if given), inside the
    caller's transaction: for changes that alter what the storefront should show without a
    stock change (a new listing, another buffer or warehouse list, the channel switched on).
    Returns how many were queued."""
    listings = Listing.objects.filter(channel_id=channel_id)
    if sku_ids is not None:
        listings = listings.filter(sku_id__in=sku_ids)
    entries = OutboxEntry.objects.bulk_create(
        OutboxEntry(channel_id=channel_id, sku_id=sku_id)
        for sku_id in listings.values_list("sku_id", flat=True)
    )
    if entries:
        sync_enqueue(channel_id)
    return len(entries)


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
        delivery_enqueue(channel_id)

    enqueue.ims_sync_channel = channel_id
    enqueue.fired = False
    transaction.on_commit(enqueue)


def delivery_enqueue(channel_id: int) -> None:
    from django_q.tasks import async_task

    try:
        async_task("channels.tasks.sync_channel_task", channel_id, group="channel-sync")
    except Exception:
        # The broker being down must not fail a committed change: the sweep delivers the rows.
        logger.warning("could not enqueue channel sync for channel %s", channel_id, exc_info=True)
