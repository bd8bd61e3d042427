"""Delivering a channel's outbox: lease → claim (short transaction) → push (no transaction) →
record (short transaction). One deliverer per channel at a time, so versions reach a storefront
in increasing order; entries are deleted only after the storefront acknowledged them."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from channels.connectors import DeliveryError, PushItem, connector_for
from channels.models import (
    ChannelSyncState,
    Listing,
    OutboxEntry,
    OutboxState,
    SalesChannel,
    SyncDelivery,
    SyncStatus,
)
from channels.selectors import channel_availability
from channels.sync import conf
from channels.sync.lease import lease_acquire, lease_release


@dataclass
class Claim:
    channel: SalesChannel
    entry_ids: list[int]
    oldest: datetime.datetime
    items: list[PushItem]
    listing_ids: dict[str, int] = field(default_factory=dict)  # sku code -> listing id
    entry_skus: dict[int, str] = field(default_factory=dict)  # entry id -> sku code (if listed)


@dataclass
class DeliverResult:
    pushes: int = 0
    items: int = 0
    failed: bool = False
    busy: bool = False  # another deliverer holds the channel


def channel_deliver(*, channel_id: int, force: bool = False) -> DeliverResult:
    """Push every pending change of the channel. `force` ignores the retry backoff (resync).

    Keeps going while new entries arrive; after releasing the lease it looks once more, because a
    task that found the lease taken has left, trusting the holder to pick its entries up."""
    result = DeliverResult()
    holder = uuid.uuid4().hex
    while True:
        if not _lease_acquire(channel_id, holder):
            result.busy = True
            return result
        try:
            while True:
                claim = _claim(channel_id, holder, force=force)
                if claim is None:
                    break
                ok = _push(claim)
                result.pushes += 1
                result.items += len(claim.items)
                if not ok:
                    result.failed = True
                    break
        finally:
            _lease_release(channel_id, holder)
        if result.failed or not _due(channel_id):
            return result
        force = False


def _due(channel_id: int) -> bool:
    now = timezone.now()
    return (
        OutboxEntry.objects.filter(
            channel_id=channel_id, state=OutboxState.PENDING, channel__active=True
        )
        .filter(
            Q(channel__sync_state__isnull=True)
            | Q(channel__sync_state__next_attempt_at__isnull=True)
            | Q(channel__sync_state__next_attempt_at__lte=now)
        )
        .exists()
    )


def channels_due() -> list[int]:
    """Channels with pending entries whose retry backoff (if any) has passed. One query."""
    now = timezone.now()
    return list(
        OutboxEntry.objects.filter(state=OutboxState.PENDING, channel__active=True)
        .filter(
            Q(channel__sync_state__isnull=True)
            | Q(channel__sync_state__next_attempt_at__isnull=True)
            | Q(channel__sync_state__next_attempt_at__lte=now)
        )
        .values_list("channel_id", flat=True)
        .distinct()
        .order_by("channel_id")
    )


def _lease_acquire(channel_id: int, holder: str) -> bool:
    return lease_acquire(ChannelSyncState, channel_id, holder, conf.lease_seconds())


def _lease_release(channel_id: int, holder: str) -> None:
    lease_release(ChannelSyncState, channel_id, holder)


@transaction.atomic
def _claim(channel_id: int, holder: str, *, force: bool) -> Claim | None:
    """Take the channel's pending entries, bump each listed SKU's version and read what the
    channel may sell *now*. Renewing the lease here fences a deliverer whose lease lapsed: it
    can no longer bump versions."""
    now = timezone.now()
    renewed = ChannelSyncState.objects.filter(
        channel_id=channel_id, lease_holder=holder, lease_until__gte=now
    )
    if not force:
        renewed = renewed.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    if not renewed.update(lease_until=now + datetime.timedelta(seconds=conf.lease_seconds())):
        return None
    rows = list(
        OutboxEntry.objects.filter(channel_id=channel_id, state=OutboxState.PENDING)
        .order_by("id")
        .values_list("id", "sku_id", "created_at")[: conf.batch_size()]
    )
    if not rows:
        return None
    channel = SalesChannel.objects.get(pk=channel_id)
    if not channel.active:
        return None  # switched off: its entries wait (and show as pending) until it's back
    sku_ids = sorted({sku_id for _, sku_id, _ in rows})
    listings = Listing.objects.filter(channel_id=channel_id, sku_id__in=sku_ids)
    listings.update(version=F("version") + 1)
    listed = list(
        listings.order_by("sku_id").values_list(
            "id", "sku_id", "sku__code", "external_id", "version"
        )
    )
    available = channel_availability(channel=channel, sku_ids=[row[1] for row in listed])
    codes = {sku_id: code for _, sku_id, code, _, _ in listed}
    return Claim(
        channel=channel,
        entry_ids=[row[0] for row in rows],
        oldest=min(row[2] for row in rows),
        items=[
            PushItem(
                sku=code, external_id=external_id, available=available[sku_id], version=version
            )
            for _, sku_id, code, external_id, version in listed
        ],
        listing_ids={code: listing_id for listing_id, _, code, _, _ in listed},
        entry_skus={entry_id: codes[sku_id] for entry_id, sku_id, _ in rows if sku_id in codes},
    )


def _push(claim: Claim) -> bool:
    started = timezone.now()
    error: DeliveryError | None = None
    if claim.items:  # entries of SKUs no longer listed are simply dropped
        try:
            connector_for(claim.channel).push(claim.items)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:
            error = DeliveryError(f"{type(exc).__name__}: {exc}")
    if error is None:
        _record_success(claim, started)
        return True
    refused = set(getattr(error, "failed_skus", None) or ())
    if error.permanent and refused and refused != {item.sku for item in claim.items}:
        # The storefront took the others: they are synced; only the refused ones are parked.
        taken, parked = _split(claim, refused)
        _record_success(taken, started)
        _record_failure(parked, started, error)
        return True
    _record_failure(claim, started, error)
    return False


def _split(claim: Claim, refused: set[str]) -> tuple[Claim, Claim]:
    """(the part of the claim the storefront took, the part it refused), by SKU code."""

    def part(keep) -> Claim:
        return replace(
            claim,
            entry_ids=[e for e in claim.entry_ids if keep(claim.entry_skus.get(e))],
            items=[item for item in claim.items if keep(item.sku)],
            listing_ids={code: pk for code, pk in claim.listing_ids.items() if keep(code)},
            entry_skus={e: code for e, code in claim.entry_skus.items() if keep(code)},
        )

    return part(lambda code: code not in refused), part(lambda code: code in refused)


@transaction.atomic
def _record_success(claim: Claim, started: datetime.datetime) -> None:
    now = timezone.now()
    OutboxEntry.objects.filter(pk__in=claim.entry_ids).delete()
    # A parked failure of the same SKU is superseded by the value just acknowledged.
    OutboxEntry.objects.filter(
        channel_id=claim.channel.pk,
        state=OutboxState.FAILED,
        sku__code__in=[item.sku for item in claim.items],
    ).delete()
    listings = [
        Listing(
            pk=claim.listing_ids[item.sku],
            last_pushed_available=item.available,
            last_pushed_version=item.version,
            last_pushed_at=now,
            sync_status=SyncStatus.SYNCED,
            last_error="",
        )
        for item in claim.items
    ]
    Listing.objects.bulk_update(
        listings,
        [
            "last_pushed_available",
            "last_pushed_version",
            "last_pushed_at",
            "sync_status",
            "last_error",
        ],
    )
    ChannelSyncState.objects.filter(channel_id=claim.channel.pk).update(
        failures=0, next_attempt_at=None, last_error="", last_success_at=now
    )
    if claim.items:
        SyncDelivery.objects.create(
            channel_id=claim.channel.pk,
            started_at=started,
            finished_at=now,
            items=len(claim.items),
            ok=True,
            lag_ms=max(int((now - claim.oldest).total_seconds() * 1000), 0),
        )


@transaction.atomic
def _record_failure(claim: Claim, started: datetime.datetime, error: DeliveryError) -> None:
    """Retry with exponential backoff; after the last attempt (or a permanent error) park the
    entries as failed, visible on the listing, until a newer change or a resync."""
    now = timezone.now()
    detail = error.detail[:500]
    state = ChannelSyncState.objects.select_for_update().get(channel_id=claim.channel.pk)
    failures = state.failures + 1
    listings = Listing.objects.filter(pk__in=claim.listing_ids.values())
    if error.permanent or failures >= conf.max_attempts():
        OutboxEntry.objects.filter(pk__in=claim.entry_ids).update(state=OutboxState.FAILED)
        listings.update(sync_status=SyncStatus.FAILED, last_error=detail)
        state.failures, state.next_attempt_at = 0, None
    else:
        listings.update(last_error=detail)
        delay = conf.backoff_base_seconds() * 2 ** (failures - 1)
        state.failures, state.next_attempt_at = failures, now + datetime.timedelta(seconds=delay)
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
