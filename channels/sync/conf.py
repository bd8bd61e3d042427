"""Sync tuning: Django settings first, then environment (so a test's qcluster subprocess can be
tuned without a settings module of its own), then defaults."""

from __future__ import annotations

import os

from django.conf import settings


def _value(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return float(value)


def lease_seconds() -> float:
    """How long a deliverer owns a channel; renewed while it pushes, so only a crashed
    deliverer's lease lapses."""
    return _value("IMS_SYNC_LEASE_SECONDS", 60)


def push_budget_seconds() -> float:
    """How long one delivery task pushes (waits included) before it hands the rest of the
    channel's outbox to a fresh task: well inside the task timeout (Q_CLUSTER "timeout", 60 s),
    and it frees the worker for other channels' tasks."""
    return _value("IMS_SYNC_PUSH_SECONDS", 20)


def backoff_base_seconds() -> float:
    """First retry delay after a failed push; doubles per failure up to `backoff_cap_seconds`.
    The first retries (2, 4, 8 s) fit inside one task's budget and are waited for there."""
    return _value("IMS_SYNC_BACKOFF_SECONDS", 2)


def backoff_cap_seconds() -> float:
    return _value("IMS_SYNC_BACKOFF_CAP_SECONDS", 600)


def backoff_jitter() -> float:
    """Each delay is spread by ± this share, so channels failing together retry apart."""
    return _value("IMS_SYNC_BACKOFF_JITTER", 0.2)


def max_attempts() -> int:
    """Failed pushes in a row before the entries are parked. With the defaults the 31 delays
    between 32 attempts add up to 2 + 4 + … + 512 s and then 22 times 600 s: about 3 h 57 min."""
    return int(_value("IMS_SYNC_MAX_ATTEMPTS", 32))


def batch_size() -> int:
    """Outbox rows taken per claim (they coalesce to at most this many items)."""
    return int(_value("IMS_SYNC_BATCH", 1000))


def record_every_seconds() -> float:
    """How often, at most, items the storefront took are recorded while a claim is being
    pushed item by item (each record also renews the lease)."""
    return _value("IMS_SYNC_RECORD_SECONDS", 1)


def wait_seconds() -> float:
    """The longest wait a delivery task spends for a channel's next attempt (a short backoff, a
    storefront's Retry-After); longer ones are left to the sweep, so a storefront that is down
    holds no worker for long."""
    return _value("IMS_SYNC_WAIT_SECONDS", 10)
