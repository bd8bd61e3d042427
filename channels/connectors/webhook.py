"""The generic signed webhook (API.md "Outbound channel sync")."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

from django.utils import timezone

from channels.connectors.base import Connector, DeliveryError, PushItem
from channels.connectors.http import http_request, json_body


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """X-IMS-Signature value: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does: recompute the HMAC and compare in constant time."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        expected = sign(secret, int(parts["t"]), body)
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(expected, header)


class WebhookConnector(Connector):
    name = "webhook"

    def _post(self, payload: dict) -> None:
        if not self.channel.endpoint_url:
            raise DeliveryError("The channel has no endpoint URL.", permanent=True)
        body = json_body(payload)
        headers = {
            "Content-Type": "application/json",
            "X-IMS-Signature": sign(self.channel.secret or "", int(time.time()), body),
            "X-IMS-Event-Id": payload["event_id"],
        }
        http_request(
            self.channel.endpoint_url,
            body=body,
            headers=headers,
            timeout=self.timeout,
            pool=self.channel.pk,
        )

    def push(self, items: list[PushItem]) -> None:
        self._post(
            {
                "event_id": str(uuid.uuid4()),
                "channel": self.channel.code,
                "items": [
                    {
                        "sku": i.sku,
                        "external_id": i.external_id,
                        "available": i.available,
                        "version": i.version,
                    }
                    for i in items
                ],
                "sent_at": timezone.now().isoformat(),
            }
        )

    def test_connection(self) -> tuple[bool, str]:
        # An empty batch: a receiver acknowledges it like any other event.
        try:
            self.push([])
        except DeliveryError as exc:
            return False, exc.detail
        return True, f"{self.channel.endpoint_url} answered with a 2xx."
