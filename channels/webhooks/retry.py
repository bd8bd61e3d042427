"""The schedule behind webhook orders (channels.tasks.webhook_orders_task, every minute): kept
orders are tried again, as the order pull retries Vendure's refused orders on every pull, and
the delivery log and rows that no longer matter are pruned."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone

from channels.models import WebhookDelivery, WebhookOrder, WebhookOrderState
from channels.webhooks.intake import KEPT, webhook_order_retry

logger = logging.getLogger(__name__)

RETRY_BATCH = 200  # kept orders tried per run, least recently tried first
DELIVERY_LOG_DAYS = 14
# Rows of taken, ignored or cancelled orders answer repeats and late deliveries (Shopify retries
# a delivery for 4 hours; WooCommerce does not retry): kept this long, then dropped.
SETTLED_ROW_DAYS = 30


@dataclass
class RetryResult:
    tried: int = 0
    taken: list[str] = field(default_factory=list)  # shop order ids
    still_kept: int = 0


def webhook_orders_retry(*, limit: int = RETRY_BATCH) -> RetryResult:
    """Try every kept order again (at most `limit`), each in its own transaction, so one that
    fails (or waits on a lock) holds back no other."""
    result = RetryResult()
    due = (
        WebhookOrder.objects.filter(state=WebhookOrderState.KEPT)
        .order_by(F("last_attempt_at").asc(nulls_first=True), "pk")
        .values_list("pk", "external_id")[:limit]
    )
    for row_id, external_id in list(due):
        try:
            outcome = webhook_order_retry(row_id=row_id)
        except Exception:  # logged; the next run tries again, the others go on
            logger.exception("retrying webhook order %s failed", external_id)
            continue
        if outcome is None:
            continue
        result.tried += 1
        if outcome.outcome == KEPT:
            result.still_kept += 1
        elif outcome.order_id is not None:
            result.taken.append(external_id)
    return result


def webhook_records_prune(*, now: datetime.datetime | None = None) -> int:
    """Drop deliveries older than DELIVERY_LOG_DAYS and settled rows older than
    SETTLED_ROW_DAYS (kept orders stay until taken or cancelled). Returns the rows dropped."""
    now = now or timezone.now()
    deliveries, _ = WebhookDelivery.objects.filter(
        received_at__lt=now - datetime.timedelta(days=DELIVERY_LOG_DAYS)
    ).delete()
    rows, _ = (
        WebhookOrder.objects.exclude(state=WebhookOrderState.KEPT)
        .filter(updated_at__lt=now - datetime.timedelta(days=SETTLED_ROW_DAYS))
        .delete()
    )
    return deliveries + rows
