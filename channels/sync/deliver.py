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
import time
import uuid
from collections import deque
from dataclasses import dataclass, replace

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
)
from channels.selectors import channel_availability
from channels.sync import conf
from channels.sync.lease import lease_acquire, lease_release
from channels.sync.record import Claim, record_failure, record_progress


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
        renewed = record_progress(
            self.claim,
            self.holder,
            taken=self.taken,
            refused=self.refused,
            unlisted=self.unlisted,
            started=self.started,
        )
        if renewed:
            self.result.items += len({item.sku for item in self.taken})
            self.result.failed = self.result.failed and not self.taken
            self.taken, self.refused, self.unlisted = [], [], []
            self.started = timezone.now()
        self.recorded_at = time.monotonic()
        if not renewed:
            self.result.lost = True
        return renewed

    def _fail(self, items: list[PushItem], error: DeliveryError) -> None:
        if self._record():
            record_failure(replace(self.claim, items=items), self.holder, self.started, error)
            self.result.failed = True
