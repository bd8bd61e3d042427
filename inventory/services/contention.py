"""Contention is retried, never a 500.

Every multi-row change takes its rows in one order (Reservation → BinStock → WarehouseStock,
each in primary-key order; see `_balances.stock_rows_lock`), so deadlocks should not happen; a
deadlock or serialization failure that still occurs (a lock order not yet pinned, PostgreSQL
choosing a victim) rolls the whole transaction back, and `retry_on_contention` runs it again, a
bounded number of times. Retrying again at once is right: the transaction that won holds the
rows, so the retry waits for it in the database rather than spinning. When it persists, the
caller gets `Contention` (409 `conflict`), with nothing changed.

Only the outermost transaction can be retried: inside a caller's atomic block the decorated
service runs as it is and the error reaches the caller, whose own outermost service retries.
"""

import functools
import logging

from django.db import OperationalError, transaction

from inventory.errors import Contention

logger = logging.getLogger(__name__)

ATTEMPTS = 5
# serialization_failure, deadlock_detected
RETRYABLE_STATES = frozenset({"40001", "40P01"})


def is_contention(error: OperationalError) -> bool:
    """A failure that another transaction caused and a retry may not meet again."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in RETRYABLE_STATES:
        return True
    return "database is locked" in str(error)  # SQLite: another writer held the lock too long


def retry_on_contention(service):
    """Decorate an atomic service (put it above `@transaction.atomic`)."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            return service(*args, **kwargs)
        for attempt in range(1, ATTEMPTS):
            try:
                return service(*args, **kwargs)
            except OperationalError as error:
                if not is_contention(error):
                    raise
                # Each retry is logged: a lock order that lets deadlocks happen shows here.
                logger.warning(
                    "%s: %s; retry %d of %d", service.__qualname__, error, attempt, ATTEMPTS - 1
                )
        try:
            return service(*args, **kwargs)
        except OperationalError as error:
            if not is_contention(error):
                raise
            raise Contention(
                "Other changes to the same stock kept colliding with this one; nothing was "
                "changed. Try again."
            ) from error

    return run
