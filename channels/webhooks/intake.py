"""Orders a shop hands over by webhook, through the normal intake (`order_create`,
`order_cancel`), idempotent on the shop's order id.

Every delivery about one shop order runs in one transaction that first locks that order's
`WebhookOrder` row (inserted if absent, then `SELECT … FOR UPDATE`). So:
- the same delivery five times at once queues on the row: the first takes the order, the others
  find it and change nothing (`known`);
- a cancellation waits for a create in flight and then cancels the order it made, and a
  cancellation that arrives first is recorded on the row, so the late create is not taken;
- lock order is WebhookOrder → Order → (intake's) WarehouseStock rows, the same in every path
  here, and the order pull and the API never take a WebhookOrder lock: no cycle, no deadlock.

An order the IMS can't take (a SKU it doesn't know, not enough stock, a channel switched off)
is `kept` with the reason and its lines, answered as received (200: a shop that sees errors
retries, then disables the webhook — WooCommerce after 5 failed deliveries), and taken again by
`webhook_orders_retry` (every minute) once it can be.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from channels.models import (
    OPEN_ORDER_STATUSES,
    Order,
    OrderStatus,
    SalesChannel,
    WebhookDelivery,
    WebhookOrder,
    WebhookOrderState,
)
from channels.services.intake import order_create
from channels.services.orders import order_cancel
from channels.webhooks.lines import CANCELLED, OPEN, ShopLine, ShopOrder, lines_match
from inventory.errors import StockConflict
from inventory.services import retry_on_contention

TAKEN, KNOWN, KEPT, IGNORED, REFUSED = "taken", "known", "kept", "ignored", "refused"


@dataclass(frozen=True)
class Outcome:
    outcome: str  # taken, known, kept, cancelled, ignored (refused: a body the IMS can't read)
    detail: str  # what happened, in words
    order_id: int | None = None


@retry_on_contention
@transaction.atomic
def webhook_order_receive(
    *, channel: SalesChannel, shop: str, topic: str, order: ShopOrder
) -> Outcome:
    """Apply one signed delivery about `order` and log it (`WebhookDelivery`), in one
    transaction. `shop` is the shop's name for sentences ("Shopify"). Never raises for an order
    the IMS can't take: that is the `kept` outcome."""
    row = _row_locked(channel, order.external_id)
    row.name = order.name or row.name
    if order.status == CANCELLED or row.state != WebhookOrderState.CANCELLED:
        row.shop_state = order.state[:40] or row.shop_state
    if order.status == CANCELLED:
        outcome = _cancel(row, shop)
    elif row.state == WebhookOrderState.CANCELLED:
        outcome = Outcome(
            IGNORED,
            f"{shop} order {_label(row)} was cancelled before this delivery: not taken.",
            row.order_id,
        )
    elif (existing := _ims_order(row)) is not None:
        outcome = _taken(row, existing, created=False)
    elif order.status != OPEN:
        row.state, row.reason, row.lines = WebhookOrderState.IGNORED, order.why[:500], []
        outcome = Outcome(IGNORED, order.why)
    else:
        row.lines = [line.to_json() for line in order.lines]
        outcome = _take(row)
    row.save()
    webhook_delivery_record(
        channel=channel,
        topic=topic,
        external_id=order.external_id,
        outcome=outcome.outcome,
        detail=outcome.detail,
    )
    return outcome


def webhook_delivery_record(
    *, channel: SalesChannel, topic: str, outcome: str, detail: str, external_id: str = ""
) -> WebhookDelivery:
    """Log a signed delivery (the channel page shows the last ones)."""
    return WebhookDelivery.objects.create(
        channel=channel,
        topic=topic[:60],
        external_id=external_id[:100],
        outcome=outcome[:16],
        detail=detail[:500],
    )


@retry_on_contention
@transaction.atomic
def webhook_order_retry(*, row_id: int) -> Outcome | None:
    """Try a kept order again from its stored lines (the retry schedule); None when it is no
    longer kept (taken, cancelled or dropped meanwhile)."""
    row = (
        WebhookOrder.objects.select_for_update(of=("self",))
        .select_related("channel")
        .filter(pk=row_id)
        .first()
    )
    if row is None or row.state != WebhookOrderState.KEPT:
        return None
    existing = _ims_order(row)  # taken meanwhile by the order pull or POST /orders/
    outcome = _taken(row, existing, created=False) if existing is not None else _take(row)
    row.save()
    return outcome


def _row_locked(channel: SalesChannel, external_id: str) -> WebhookOrder:
    # Insert-if-absent, then lock: a concurrent insert of the same order waits on the unique
    # index until the first commits, then inserts nothing and queues for the lock.
    WebhookOrder.objects.bulk_create(
        [WebhookOrder(channel=channel, external_id=external_id)], ignore_conflicts=True
    )
    row = WebhookOrder.objects.select_for_update(of=("self",)).get(
        channel=channel, external_id=external_id
    )
    row.channel = channel
    return row


def _ims_order(row: WebhookOrder) -> Order | None:
    return Order.objects.filter(channel_id=row.channel_id, external_id=row.external_id).first()


def _take(row: WebhookOrder) -> Outcome:
    """Reserve the row's lines through the normal intake; kept with the reason if it can't."""
    row.attempts += 1
    row.last_attempt_at = timezone.now()
    matched = lines_match(row.channel, [ShopLine.from_json(line) for line in row.lines])
    if matched.problem:
        return _keep(row, matched.problem)
    if not matched.requests:
        row.state, row.lines = WebhookOrderState.IGNORED, []
        row.reason = "Nothing in it ships from the IMS (gift cards, digital items): not taken."
        return Outcome(IGNORED, row.reason)
    try:
        order, created = order_create(
            channel=row.channel, external_id=row.external_id, lines=matched.requests
        )
    except StockConflict as exc:  # not enough stock: kept, retried until stock arrives
        return _keep(row, exc.detail)
    except ValidationError as exc:  # e.g. an inactive SKU, a channel switched off
        return _keep(row, "; ".join(exc.messages))
    return _taken(row, order, created=created)


def _keep(row: WebhookOrder, reason: str) -> Outcome:
    row.state, row.reason = WebhookOrderState.KEPT, reason[:500]
    return Outcome(KEPT, f"Kept, to be taken when it can be: {reason}")


def _taken(row: WebhookOrder, order: Order, *, created: bool) -> Outcome:
    row.state, row.order, row.reason, row.lines = WebhookOrderState.TAKEN, order, "", []
    if created:
        return Outcome(TAKEN, f"Taken as IMS order {order.pk}: its units are reserved.", order.pk)
    return Outcome(KNOWN, f"Already taken as IMS order {order.pk}: nothing changed.", order.pk)


def _cancel(row: WebhookOrder, shop: str) -> Outcome:
    """The shop cancelled (or refunded) the order. Recorded on the row first, so a create that
    arrives after this one is not taken; the IMS order, if any, is cancelled (its reserved
    units are available again at once)."""
    row.state, row.reason, row.lines = WebhookOrderState.CANCELLED, "", []
    order = _ims_order(row)
    if order is None:
        return Outcome(
            WebhookOrderState.CANCELLED,
            f"Cancelled on {shop} before the IMS took it: recorded, so it is not taken later.",
        )
    row.order = order
    if order.status == OrderStatus.CANCELLED:
        return Outcome(KNOWN, f"IMS order {order.pk} was already cancelled.", order.pk)
    if order.status not in OPEN_ORDER_STATUSES:
        row.reason = f"Cancelled on {shop} after the IMS shipped it (order {order.pk})."
        return Outcome(IGNORED, f"{row.reason} Nothing to release.", order.pk)
    try:
        order_cancel(order=order, reason=f"Cancelled on {shop} ({row.shop_state or 'cancelled'}).")
    except StockConflict as exc:  # it shipped between the look and the lock
        row.reason = f"Cancelled on {shop}, not here: {exc.detail}"[:500]
        return Outcome(IGNORED, row.reason, order.pk)
    return Outcome(
        WebhookOrderState.CANCELLED,
        f"IMS order {order.pk} cancelled: its reserved units are available again.",
        order.pk,
    )


def _label(row: WebhookOrder) -> str:
    return f"{row.name} ({row.external_id})" if row.name else row.external_id
