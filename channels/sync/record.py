"""Recording what a push achieved, in short transactions fenced by the channel's lease: what the
storefront took leaves the outbox, what it refused is parked, a failure sets the next attempt
(2, 4, 8 s … capped, with jitter; a 429 waits its Retry-After and counts as no failure)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from channels.connectors import DeliveryError, PushItem
from channels.models import (
    ChannelSyncState,
    Listing,
    OutboxEntry,
    OutboxState,
    SalesChannel,
    SyncDelivery,
    SyncStatus,
)
from channels.sync import conf
from channels.sync.lease import lease_renew


@dataclass
class Claim:
    channel: SalesChannel
    entry_ids: list[int]
    oldest: datetime.datetime
    items: list[PushItem]
    listing_ids: dict[str, int] = field(default_factory=dict)  # sku code -> listing id
    entry_skus: dict[int, str] = field(default_factory=dict)  # entry id -> sku code (if listed)


_PUSHED_FIELDS = [
    "last_pushed_available",
    "last_pushed_version",
    "last_pushed_at",
    "sync_status",
    "last_error",
]


@transaction.atomic
def record_progress(
    claim: Claim,
    holder: str,
    *,
    taken: list[PushItem],
    refused: list[tuple[PushItem, DeliveryError]],
    unlisted: list[int],
    started: datetime.datetime,
) -> bool:
    """Items the storefront took leave the outbox (their listings: synced); items it refused
    are parked as failed; entries of SKUs no longer listed are dropped. One transaction,
    fenced by the lease: False (nothing recorded) when another deliverer holds it."""
    if not lease_renew(ChannelSyncState, claim.channel.pk, holder, conf.lease_seconds()):
        return False
    now = timezone.now()
    taken = {item.sku: item for item in taken}
    entries = [e for e, code in claim.entry_skus.items() if code in taken] + unlisted
    OutboxEntry.objects.filter(pk__in=entries).delete()
    if taken:
        # A parked failure of the same SKU is superseded by the value just acknowledged.
        OutboxEntry.objects.filter(
            channel_id=claim.channel.pk, state=OutboxState.FAILED, sku__code__in=list(taken)
        ).delete()
        Listing.objects.bulk_update(
            [
                Listing(
                    pk=claim.listing_ids[item.sku],
                    last_pushed_available=item.available,
                    last_pushed_version=item.version,
                    last_pushed_at=now,
                    sync_status=SyncStatus.SYNCED,
                    last_error="",
                )
                for item in taken.values()
            ],
            _PUSHED_FIELDS,
        )
        ChannelSyncState.objects.filter(channel_id=claim.channel.pk).update(
            failures=0, next_attempt_at=None, last_error="", last_success_at=now
        )
        SyncDelivery.objects.create(
            channel_id=claim.channel.pk,
            started_at=started,
            finished_at=now,
            items=len(taken),
            ok=True,
            lag_ms=max(int((now - claim.oldest).total_seconds() * 1000), 0),
        )
    for item, error in refused:
        _park(claim, [item], error.detail[:500])
    return True


def _park(claim: Claim, items: list[PushItem], detail: str) -> None:
    """Entries of `items` wait as failed, shown on their listings, until a newer change of the
    SKU or a resync."""
    codes = {item.sku for item in items}
    OutboxEntry.objects.filter(
        pk__in=[e for e, code in claim.entry_skus.items() if code in codes]
    ).update(state=OutboxState.FAILED)
    Listing.objects.filter(pk__in=[claim.listing_ids[code] for code in codes]).update(
        sync_status=SyncStatus.FAILED, last_error=detail
    )


def retry_delay(failures: int) -> float:
    """Seconds before attempt `failures + 1`: doubling from the base, capped, with jitter."""
    delay = min(conf.backoff_base_seconds() * 2 ** (failures - 1), conf.backoff_cap_seconds())
    spread = conf.backoff_jitter()
    return delay * random.uniform(1 - spread, 1 + spread)


@transaction.atomic
def record_failure(
    claim: Claim, holder: str, started: datetime.datetime, error: DeliveryError
) -> None:
    """A failed call for `claim.items`. Rate limited (429): the next attempt waits the
    storefront's Retry-After and it counts as no failure (the storefront is up and pacing us).
    Otherwise: retry with backoff; after the last attempt, or on a permanent error, park the
    items as failed until a newer change or a resync."""
    now = timezone.now()
    detail = error.detail[:500]
    state = (
        ChannelSyncState.objects.select_for_update()
        .filter(channel_id=claim.channel.pk, lease_holder=holder)
        .first()
    )
    if state is None:
        return  # the lease lapsed: whoever holds it now decides
    listings = Listing.objects.filter(pk__in=[claim.listing_ids[i.sku] for i in claim.items])
    if error.rate_limited and not error.permanent:
        wait = 1.0 if error.retry_after is None else error.retry_after
        state.next_attempt_at = now + datetime.timedelta(seconds=wait)
    elif error.permanent or state.failures + 1 >= conf.max_attempts():
        _park(claim, claim.items, detail)
        state.failures, state.next_attempt_at = 0, None
    else:
        listings.update(last_error=detail)
        state.failures += 1
        delay = retry_delay(state.failures)
        state.next_attempt_at = now + datetime.timedelta(seconds=delay)
    state.last_error = detail
    state.save(update_fields=["failures", "next_attempt_at", "last_error"])
    SyncDelivery.objects.create(
        channel_id=claim.channel.pk,
        started_at=started,
        finished_at=now,
        items=len(claim.items),
        ok=False,
        lag_ms=max(int((now - claim.oldest).total_seconds() * 1000), 0),
        detail=detail,
    )
