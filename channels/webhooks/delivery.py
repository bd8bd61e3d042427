"""One webhook request from a shop, answered: the signature of the raw body is checked before
anything reads it (a bad or missing one: 401, nothing written, not even a log row), then the
body is parsed and handed to the service.

Every signed delivery is answered 200 unless its body can't be read as the shop's order (400),
including an order the IMS can't take yet (kept, retried): a shop that keeps seeing errors
stops sending (WooCommerce disables the webhook after 5 failed deliveries in a row, Shopify
removes an app's subscription after 8 failed retries), and a lost order is worse than a kept one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

from channels.models import SalesChannel
from channels.webhooks import woocommerce
from channels.webhooks.intake import (
    IGNORED,
    REFUSED,
    webhook_delivery_record,
    webhook_order_receive,
)
from channels.webhooks.lines import PayloadError
from channels.webhooks.signature import signature_valid


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


def delivery_answer(
    *, shop: ModuleType, channel: SalesChannel, body: bytes, headers: Mapping[str, str]
) -> Answer:
    """The answer to one request to `channel`'s webhook address for `shop` (the channel's
    connector is that shop's: the view checked)."""
    signature = headers.get(shop.SIGNATURE_HEADER)
    if shop is woocommerce and not signature and woocommerce.is_ping(body):
        return Answer(200, {"ok": True, "detail": "WooCommerce's ping: this address works."})
    secret = str((channel.settings or {}).get("webhook_secret") or "")
    if not secret:
        return _unsigned(
            f"Channel {channel.code} has no webhook_secret setting: set it to the secret "
            f"{shop.LABEL} signs its webhooks with."
        )
    if not signature_valid(body, signature, secret):
        return _unsigned(
            f"The {shop.SIGNATURE_HEADER} header is missing or does not match the body signed "
            f"with channel {channel.code}'s webhook_secret."
        )
    topic = str(headers.get(shop.TOPIC_HEADER) or "").strip()[:60]
    try:
        order = shop.order_of(topic, _json(body))
    except PayloadError as exc:
        detail = f"{shop.LABEL} sent a {topic or 'delivery'} the IMS can't read: {exc}"
        webhook_delivery_record(channel=channel, topic=topic, outcome=REFUSED, detail=detail)
        return Answer(400, {"code": "invalid", "detail": detail})
    if order is None:
        detail = (
            f"Topic '{topic or '(none)'}' is not one the IMS takes: subscribe this address to "
            f"{' and '.join(shop.TOPICS)} only."
        )
        webhook_delivery_record(channel=channel, topic=topic, outcome=IGNORED, detail=detail)
        return Answer(200, {"ok": True, "outcome": IGNORED, "detail": detail})
    outcome = webhook_order_receive(channel=channel, shop=shop.LABEL, topic=topic, order=order)
    return Answer(
        200,
        {
            "ok": True,
            "outcome": outcome.outcome,
            "detail": outcome.detail,
            "order": outcome.order_id,
        },
    )


def _unsigned(detail: str) -> Answer:
    return Answer(401, {"code": "invalid_signature", "detail": detail})


def _json(body: bytes):
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"the body is not JSON ({exc}).") from None
