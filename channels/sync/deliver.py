"""Delivering a channel's outbox: lease → claim (short transaction) → push, one call of at most
`items_per_call` items at a time (no transaction) → record what the storefront took (short
transactions, each one renewing the lease). One deliverer per channel at a time, so versions
reach a storefront in increasing order; an entry leaves the outbox only once the storefront
acknowledged its item, and a later failure never undoes that.

A task pushes for at most `push_budget_seconds`, then hands over to a fresh task. Retries back
off 2, 4, 8 s … up to 10 minutes, with jitter; a wait of up to `wait_seconds` (a short backoff, a
storefront's Retry-After) is waited out by the task holding the lease, outside any transaction,
and longer ones are left to the sweep (every minute)."""

from __future__ import annotations

import datetime
import random
import time
import uuid
from collections import deque
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
    pushes: int = 0  # calls handed to the connector
    items: int = 0  # items the storefront acknowledged
    failed: bool = False  # the last push failed (the entries wait for their retry)
    busy: bool = False  # another deliverer holds the channel
    more: bool = False  # the budget ran out with entries due soon: a fresh task goes on
    lost: bool = False  # the lease lapsed while pushing: this deliverer stopped at once


def channel_deliver(*, channel_id: int, force: bool = False) -> DeliverResult:
    """Push every pending change of the channel, within one task's budget. `force` ignores the
    retry backoff (resync).

    Keeps going while new entries arrive; after releasing the lease it looks once more, because a
    task that found the lease taken has left, trusting the holder to pick its entries up."""
    result = DeliverResult()
    holder = uuid.uuid4().hex
    deadline = time.monotonic() + conf.push_budget_seconds()
    while True:
        if not _lease_acquire(channel_id, holder):
            result.busy = True
            return result
        try:
            out_of_time = _deliver_claims(channel_id, holder, deadline, result, force=force)
        finally:
            _lease_release(channel_id, holder)
        if result.lost or not _pending_soon(channel_id):
            return result
        if out_of_time:
            result.more = True
            return result
        force = False


def _deliver_claims(
    channel_id: int, holder: str, deadline: float, result: DeliverResult, *, force: bool
) -> bool:
    """Claim and push until the outbox is empty, the next attempt is too far off, the lease is
    lost or the budget is spent. True when it stopped for lack of time."""
    while True:
        if time.monotonic() >= deadline:
            return True
        wait = 0.0 if force else _seconds_to_next_attempt(channel_id)
        if wait > conf.wait_seconds():
            return False  # backing off for longer: the sweep picks the channel up when due
        if wait > 0:
            if time.monotonic() + wait >= deadline:
                return True
            time.sleep(wait)  # a short backoff or Retry-After; no transaction is open
        claim = _claim(channel_id, holder, force=force)
        if claim is None:
            return False
        _Push(claim, holder, deadline, result).run()
        if result.lost:
            return False
        force = False  # a failure sets the next attempt: the loop waits for it or stops


def _seconds_to_next_attempt(channel_id: int) -> float:
    next_attempt = (
        ChannelSyncState.objects.filter(channel_id=channel_id)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if next_attempt is None:
        return 0.0
    return max((next_attempt - timezone.now()).total_seconds(), 0.0)


def _due_entries(now: datetime.datetime):
    return OutboxEntry.objects.filter(state=OutboxState.PENDING, channel__active=True).filter(
        Q(channel__sync_state__isnull=True)
        | Q(channel__sync_state__next_attempt_at__isnull=True)
        | Q(channel__sync_state__next_attempt_at__lte=now)
    )


def _pending_soon(channel_id: int) -> bool:
    """Entries whose attempt is due now or within a task's wait (so a task should go on)."""
    soon = timezone.now() + datetime.timedelta(seconds=conf.wait_seconds())
    return _due_entries(soon).filter(channel_id=channel_id).exists()


def channels_due() -> list[int]:
    """Channels with pending entries whose retry backoff (if any) has passed. One query."""
    return list(
        _due_entries(timezone.now())
        .values_list("channel_id", flat=True)
        .distinct()
        .order_by("channel_id")
    )


def _lease_acquire(channel_id: int, holder: str) -> bool:
    return lease_acquire(ChannelSyncState, channel_id, holder, conf.lease_seconds())


def _lease_release(channel_id: int, holder: str) -> None:
    lease_release(ChannelSyncState, channel_id, holder)


def _lease_renew(channel_id: int, holder: str) -> bool:
    """Extend the lease if this holder still has it (inside the caller's transaction). A lease
    that lapsed while its holder was slow is still its own until another deliverer takes it
    (taking it writes a new holder), so only a deliverer that was replaced is fenced: it can
    no longer record or bump versions, and stops."""
    now = timezone.now()
    return bool(
        ChannelSyncState.objects.filter(channel_id=channel_id, lease_holder=holder).update(
            lease_until=now + datetime.timedelta(seconds=conf.lease_seconds())
        )
    )


@transaction.atomic
def _claim(channel_id: int, holder: str, *, force: bool) -> Claim | None:
    """Take the channel's pending entries, bump each listed SKU's version and read what the
    channel may sell *now*. Renewing the lease here fences a deliverer that was replaced: it
    can no longer bump versions."""
    now = timezone.now()
    renewed = ChannelSyncState.objects.filter(channel_id=channel_id, lease_holder=holder)
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


class _Push:
    """Pushing one claim, `items_per_call` items per call. What the storefront took (and what it
    refused item by item) is recorded at least every `record_every_seconds`, and always before
    a failure is recorded or the push stops, so no acknowledgement is lost."""

    def __init__(self, claim: Claim, holder: str, deadline: float, result: DeliverResult):
        self.claim, self.holder, self.deadline, self.result = claim, holder, deadline, result
        self.started = timezone.now()
        self.taken: list[PushItem] = []
        self.refused: list[tuple[PushItem, DeliveryError]] = []
        self.recorded_at = time.monotonic()
        self.unlisted = [e for e in claim.entry_ids if e not in claim.entry_skus]

    def run(self) -> None:
        try:
            connector = connector_for(self.claim.channel)
        except DeliveryError as error:  # an unknown connector: nothing can go
            self._fail(self.claim.items, error)
            return
        pending = deque(self.claim.items)
        per_call = max(int(connector.items_per_call), 1)
        while pending:
            if time.monotonic() >= self.deadline:
                self.result.more = True
                break
            chunk = [pending.popleft() for _ in range(min(per_call, len(pending)))]
            self.result.pushes += 1
            try:
                connector.push(chunk)
            except DeliveryError as error:
                left = self._sort_out(chunk, error)
                if left:
                    self._fail(left + list(pending), error)
                    return
            except Exception as exc:  # a connector bug: retried like an outage, and logged
                self._fail(chunk + list(pending), DeliveryError(f"{type(exc).__name__}: {exc}"))
                return
            else:
                self.taken.extend(chunk)
            due = time.monotonic() - self.recorded_at >= conf.record_every_seconds()
            if due and not self._record():
                return
        self._record()

    def _sort_out(self, chunk: list[PushItem], error: DeliveryError) -> list[PushItem]:
        """Note what of a failed call the storefront took or refused item by item; return the
        items the failure concerns (to be retried, or parked if permanent)."""
        acknowledged, refused = set(error.acknowledged), set(error.failed_skus)
        if refused:  # a batch answered item by item: it took every item it did not refuse
            acknowledged |= {item.sku for item in chunk} - refused
        elif len(chunk) == 1 and error.about_one_item:
            refused = {chunk[0].sku}
        left = []
        for item in chunk:
            if item.sku in acknowledged:
                self.taken.append(item)
            elif item.sku in refused and (error.permanent or error.about_one_item):
                self.refused.append((item, error))
            else:
                left.append(item)
        return left

    def _record(self) -> bool:
        """Record what was taken and refused since the last record, renewing the lease. False
        (nothing recorded) when the lease has lapsed: another deliverer may be pushing."""
        if not (self.taken or self.refused or self.unlisted):
            with transaction.atomic():
                renewed = _lease_renew(self.claim.channel.pk, self.holder)
        else:
            renewed = _record_progress(self)
        self.recorded_at = time.monotonic()
        if not renewed:
            self.result.lost = True
        return renewed

    def _fail(self, items: list[PushItem], error: DeliveryError) -> None:
        if self._record():
            _record_failure(replace(self.claim, items=items), self.holder, self.started, error)
            self.result.failed = True


_PUSHED_FIELDS = [
    "last_pushed_available",
    "last_pushed_version",
    "last_pushed_at",
    "sync_status",
    "last_error",
]


@transaction.atomic
def _record_progress(push: _Push) -> bool:
    """Items the storefront took leave the outbox (their listings: synced); items it refused
    are parked as failed. One transaction, fenced by the lease."""
    claim = push.claim
    if not _lease_renew(claim.channel.pk, push.holder):
        return False
    now = timezone.now()
    taken = {item.sku: item for item in push.taken}
    entries = [e for e, code in claim.entry_skus.items() if code in taken] + push.unlisted
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
            started_at=push.started,
            finished_at=now,
            items=len(taken),
            ok=True,
            lag_ms=max(int((now - claim.oldest).total_seconds() * 1000), 0),
        )
    for item, error in push.refused:
        _park(claim, [item], error.detail[:500])
    push.result.items += len(taken)
    push.result.failed = push.result.failed and not taken
    push.taken, push.refused, push.unlisted = [], [], []
    push.started = now
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
def _record_failure(
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
