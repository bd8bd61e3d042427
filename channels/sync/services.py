"""Operator actions on channel sync: resync a channel, test its connection, sweep."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from channels.connectors import DeliveryError, connector_for
from channels.models import (
    ChannelSyncState,
    Listing,
    OutboxEntry,
    OutboxState,
    SalesChannel,
    SyncDelivery,
    SyncStatus,
)
from channels.sync.deliver import channels_due
from channels.sync.outbox import delivery_enqueue, outbox_queue_listings

DELIVERY_LOG_DAYS = 7


@transaction.atomic
def channel_resync(*, channel: SalesChannel) -> int:
    """Queue every listing of the channel for a push now, failed ones included, and clear the
    retry backoff. Returns how many listings were queued."""
    OutboxEntry.objects.filter(channel=channel, state=OutboxState.FAILED).delete()
    queued = outbox_queue_listings(channel_id=channel.pk)
    Listing.objects.filter(channel=channel).update(sync_status=SyncStatus.PENDING)
    ChannelSyncState.objects.filter(channel=channel).update(failures=0, next_attempt_at=None)
    return queued


def channel_test_connection(*, channel: SalesChannel) -> tuple[bool, str]:
    """(ok, detail in words) from the channel's connector; never raises. A connector that checks
    listings (`checks_listings`: how many) is handed them, as (SKU, external id) pairs: the
    connectors never read the database."""
    try:
        connector = connector_for(channel)
        limit = int(getattr(connector, "checks_listings", 0))
        if limit:
            listings = channel.listings.order_by("sku__code").values_list(
                "sku__code", "external_id"
            )
            return connector.test_connection(listings=list(listings[:limit]))
        return connector.test_connection()
    except DeliveryError as exc:
        return False, exc.detail
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"


def outbox_sweep() -> list[int]:
    """Enqueue a delivery for every channel with due entries (a lost task, an elapsed backoff)
    and drop delivery-log rows older than a week. Returns the channel ids enqueued."""
    channel_ids = channels_due()
    for channel_id in channel_ids:
        delivery_enqueue(channel_id)
    SyncDelivery.objects.filter(
        finished_at__lt=timezone.now() - datetime.timedelta(days=DELIVERY_LOG_DAYS)
    ).delete()
    return channel_ids
