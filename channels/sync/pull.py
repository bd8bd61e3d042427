"""Pulling a storefront's own orders into the IMS (connectors with `pulls_orders`, e.g. Vendure).

A sale on the storefront becomes an IMS order through the normal intake (`order_create`), so it
reserves stock here and every other channel is pushed the lower availability; an order cancelled
on the storefront is cancelled here, which releases its units. Both are idempotent on the
storefront's order code (the IMS order's `external_id`), so reading an order twice is harmless:
each pull reads from a little before its cursor (`OVERLAP`) to be sure of not missing one that
changed in the same instant as the last one read.

Orders the IMS can't take (a SKU it doesn't know, not enough stock) are kept in
`ChannelPullState.refused` with the reason, shown on the channel's page, and asked for again on
every pull until they go through or are cancelled on the storefront.

No transaction is held across the storefront's HTTP call: lease (short update) → read the
storefront → one short transaction per order → record.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

from channels.connectors import REGISTRY, DeliveryError, RemoteOrder, connector_for
from channels.models import OPEN_ORDER_STATUSES, ChannelPullState, Order, SalesChannel
from channels.services.intake import OrderLineRequest, order_create
from channels.services.orders import order_cancel
from channels.sync.lease import lease_acquire, lease_release
from inventory.errors import StockConflict
from inventory.models import Sku

logger = logging.getLogger(__name__)

OVERLAP = datetime.timedelta(seconds=60)
LEASE_SECONDS = 120
MAX_REFUSED = 200  # orders kept for retry; the oldest beyond this are dropped (and logged)
CANCELLED_HERE = "Cancelled on the storefront."


@dataclass
class PullResult:
    read: int = 0
    taken: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    error: str = ""
    busy: bool = False
    pulls: bool = True  # False: the channel's connector does not pull orders


def channel_pull(*, channel: SalesChannel, unless_within: float = 0) -> PullResult:
    """Pull the channel's storefront orders once. Never raises for the storefront's failures:
    they are recorded in `last_error` (and returned) and the next pull tries again.
    `unless_within`: seconds; skip (read=0) when the last successful pull is more recent."""
    result = PullResult()
    if not connector_for(channel).pulls_orders:
        result.pulls = False
        return result
    if not channel.active:
        result.error = f"Channel {channel.code} is not active."
        return result
    if (
        unless_within
        and ChannelPullState.objects.filter(
            channel=channel,
            last_pulled_at__gt=timezone.now() - datetime.timedelta(seconds=unless_within),
        ).exists()
    ):
        return result
    holder = uuid.uuid4().hex
    if not lease_acquire(ChannelPullState, channel.pk, holder, LEASE_SECONDS):
        result.busy = True
        return result
    try:
        state = ChannelPullState.objects.get(channel=channel)
        since = state.cursor - OVERLAP if state.cursor else None
        try:
            orders = connector_for(channel).orders_since(since, codes=sorted(state.refused))
        except DeliveryError as exc:
            result.error = exc.detail[:500]
            ChannelPullState.objects.filter(channel=channel).update(last_error=result.error)
            return result
        refused = dict(state.refused)
        codes = {code for remote in orders for code, _ in remote.lines}
        skus = {sku.code: sku for sku in Sku.objects.filter(code__in=codes)}
        for remote in orders:
            refused.pop(remote.code, None)
            outcome, why = _take(channel, remote, skus)
            if outcome == "taken":
                result.taken.append(remote.code)
            elif outcome == "cancelled":
                result.cancelled.append(remote.code)
            elif outcome == "refused":
                refused[remote.code] = why
        result.read = len(orders)
        result.refused = _bounded(refused, channel)
        cursor = max([state.cursor, *(o.updated_at for o in orders)], default=None, key=_key)
        ChannelPullState.objects.filter(channel=channel).update(
            cursor=cursor,
            last_pulled_at=timezone.now(),
            last_error="",
            refused=result.refused,
            orders_taken=state.orders_taken + len(result.taken),
            orders_cancelled=state.orders_cancelled + len(result.cancelled),
        )
        return result
    finally:
        lease_release(ChannelPullState, channel.pk, holder)


def channels_pulling() -> list[SalesChannel]:
    """Active channels whose connector pulls orders."""
    channels = SalesChannel.objects.filter(active=True, connector__in=list(REGISTRY))
    return [channel for channel in channels if connector_for(channel).pulls_orders]


def _take(channel: SalesChannel, remote: RemoteOrder, skus: dict[str, Sku]) -> tuple[str, str]:
    """("taken" | "cancelled" | "known" | "skipped" | "refused", why) for one storefront order;
    `skus` holds every SKU the pulled orders name that the IMS knows, by code."""
    if remote.status == "cancelled":
        order = Order.objects.filter(channel=channel, external_id=remote.code).first()
        if order is None or order.status not in OPEN_ORDER_STATUSES:
            return "skipped", ""
        try:
            order_cancel(order=order, reason=f"{CANCELLED_HERE} ({remote.state})")
        except StockConflict as exc:  # shown on the channel's page and tried again next pull
            return "refused", f"Cancelled on the storefront, not here: {exc.detail}"
        return "cancelled", ""
    if remote.status != "open":
        return "skipped", ""  # shipped or otherwise out of our hands
    unknown = [code or "(no SKU)" for code, _ in remote.lines if code not in skus]
    if unknown:
        return "refused", f"SKU not in the IMS: {', '.join(unknown)}."
    lines = [OrderLineRequest(sku=skus[code], quantity=qty) for code, qty in remote.lines]
    try:
        _, created = order_create(channel=channel, external_id=remote.code, lines=lines)
    except StockConflict as exc:
        return "refused", exc.detail
    except ValidationError as exc:
        return "refused", "; ".join(exc.messages)
    return ("taken" if created else "known"), ""


def _bounded(refused: dict[str, str], channel: SalesChannel) -> dict[str, str]:
    if len(refused) <= MAX_REFUSED:
        return refused
    codes = sorted(refused)
    for code in codes[:-MAX_REFUSED]:
        logger.error("channel %s: gave up retrying storefront order %s", channel, code)
    return {code: refused[code] for code in codes[-MAX_REFUSED:]}


def _key(value: datetime.datetime | None) -> datetime.datetime:
    return value or datetime.datetime.min.replace(tzinfo=datetime.UTC)
