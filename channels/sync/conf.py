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
    """How long a deliverer owns a channel; a crashed deliverer's lease lapses after this."""
    return _value("IMS_SYNC_LEASE_SECONDS", 60)


def backoff_base_seconds() -> float:
    """First retry delay; doubles per failure (120 s base, 8 tries ≈ 4 h 15 min in all)."""
    return _value("IMS_SYNC_BACKOFF_SECONDS", 120)


def max_attempts() -> int:
    return int(_value("IMS_SYNC_MAX_ATTEMPTS", 8))


def batch_size() -> int:
    """Outbox rows taken per push (they coalesce to at most this many items)."""
    return int(_value("IMS_SYNC_BATCH", 1000))
