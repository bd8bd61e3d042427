"""Reads for the channel-sync screens, each a constant number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Min, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from channels.models import Listing, OutboxEntry, OutboxState, SalesChannel, SyncDelivery


@dataclass
class ChannelHealth:
    channel: SalesChannel
    pending: int = 0
    failed: int = 0
    oldest_pending: datetime.datetime | None = None
    last_success_at: datetime.datetime | None = None
    next_attempt_at: datetime.datetime | None = None
    last_error: str = ""

    @property
    def oldest_age_seconds(self) -> int | None:
        if self.oldest_pending is None:
            return None
        return max(int((timezone.now() - self.oldest_pending).total_seconds()), 0)

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        if self.next_attempt_at:
            return "retrying"
        if self.pending:
            return "pending"
        return "ok"


def channel_health(channels: QuerySet[SalesChannel] | None = None) -> list[ChannelHealth]:
    """Sync health per channel: pending and failed entries, oldest undelivered change, last
    acknowledged push, retry backoff. Two queries whatever the number of channels."""
    channels = (channels if channels is not None else SalesChannel.objects.all()).select_related(
        "sync_state"
    )
    rows = {c.pk: _health_of(c) for c in channels}
    for channel_id, state, n, oldest in (
        OutboxEntry.objects.filter(channel_id__in=list(rows))
        .values_list("channel_id", "state")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        .order_by()
    ):
        row = rows[channel_id]
        if state == OutboxState.FAILED:
            row.failed = n
        else:
            row.pending, row.oldest_pending = n, oldest
    return list(rows.values())


def _health_of(channel: SalesChannel) -> ChannelHealth:
    row = ChannelHealth(channel)
    state = getattr(channel, "sync_state", None) if _has_state(channel) else None
    if state is not None:
        row.last_success_at = state.last_success_at
        row.next_attempt_at = state.next_attempt_at
        row.last_error = state.last_error
    return row


def _has_state(channel: SalesChannel) -> bool:
    try:
        channel.sync_state  # noqa: B018 — select_related: no query
    except SalesChannel.sync_state.RelatedObjectDoesNotExist:
        return False
    return True


def sync_lag_series(*, channel: SalesChannel, hours: int = 24) -> tuple[list[float], list[str]]:
    """Worst commit-to-acknowledged lag (seconds) per hour over the last `hours`, oldest first;
    hours without a push count 0. One query."""
    now = timezone.now()
    start = (now - datetime.timedelta(hours=hours - 1)).replace(minute=0, second=0, microsecond=0)
    worst = dict(
        SyncDelivery.objects.filter(channel=channel, ok=True, finished_at__gte=start)
        .annotate(hour=TruncHour("finished_at"))
        .values_list("hour")
        .annotate(lag=Max("lag_ms"))
        .order_by()
    )
    values, labels = [], []
    for i in range(hours):
        hour = start + datetime.timedelta(hours=i)
        values.append(round((worst.get(hour) or 0) / 1000, 2))
        labels.append(timezone.localtime(hour).strftime("%H:00"))
    return values, labels


def listing_sync_list() -> QuerySet[Listing]:
    return Listing.objects.select_related("sku", "channel")
