"""Shared pieces of the channel-sync tests: a webhook channel per local receiver, the newest
value each receiver holds, and django-q2's sync mode."""

from __future__ import annotations

import pytest

from channels.connectors.webhook import verify
from channels.models import Listing
from tests.channels.helpers import make_channel
from tests.channels.receivers import Receiver


def webhook_channel(code, warehouse, receiver: Receiver, *skus, secret="s3cret", **extra):
    channel = make_channel(
        code,
        warehouse,
        connector="webhook",
        endpoint_url=receiver.url + "/hook",
        secret=secret,
        **extra,
    )
    # Listed as the storefront already holds them: listing_create would queue a first push
    # (test_listing_and_channel_changes_are_pushed covers that), which these tests are not about.
    Listing.objects.bulk_create(
        Listing(channel=channel, sku=sku, external_id=f"{code}-{sku.code}") for sku in skus
    )
    return channel


def newest(receiver: Receiver) -> dict[str, tuple[int, int]]:
    """sku -> (version, available) as a receiver keeping the highest version holds it."""
    held: dict[str, tuple[int, int]] = {}
    for request in list(receiver.requests):
        for item in request.json()["items"]:
            if item["sku"] not in held or item["version"] > held[item["sku"]][0]:
                held[item["sku"]] = (item["version"], item["available"])
    return held


def versions_in_arrival_order(receiver: Receiver) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for request in sorted(receiver.requests, key=lambda r: r.at):
        for item in request.json()["items"]:
            seen.setdefault(item["sku"], []).append(item["version"])
    return seen


def signed_ok(receiver: Receiver, secret: str) -> bool:
    return all(verify(secret, r.headers["X-IMS-Signature"], r.body) for r in receiver.requests)


@pytest.fixture
def q_sync(monkeypatch):
    """django-q2's sync mode: async_task runs the task inline (the real task, no cluster)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def receiver():
    with Receiver() as rx:
        yield rx
