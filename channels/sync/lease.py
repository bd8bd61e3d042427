"""A per-channel lease on a state row (`ChannelSyncState` for pushes, `ChannelPullState` for
pulls): one holder at a time, taken with a conditional UPDATE and lapsing by itself, so a crashed
holder never blocks the channel for longer than the lease."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone


def lease_acquire(model, channel_id: int, holder: str, seconds: float) -> bool:
    """Take the channel's lease on `model`'s row (created if missing) unless another holder's
    lease is still running."""
    model.objects.bulk_create([model(channel_id=channel_id)], ignore_conflicts=True)
    now = timezone.now()
    return bool(
        model.objects.filter(channel_id=channel_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_holder=holder, lease_until=now + datetime.timedelta(seconds=seconds))
    )


def lease_release(model, channel_id: int, holder: str) -> None:
    model.objects.filter(channel_id=channel_id, lease_holder=holder).update(
        lease_holder="", lease_until=None
    )


def lease_renew(model, channel_id: int, holder: str, seconds: float) -> bool:
    """Extend the lease if this holder still has it (inside the caller's transaction). A lease
    that lapsed while its holder was slow is still its own until another holder takes it
    (taking it writes a new holder), so only a holder that was replaced is refused."""
    return bool(
        model.objects.filter(channel_id=channel_id, lease_holder=holder).update(
            lease_until=timezone.now() + datetime.timedelta(seconds=seconds)
        )
    )
