"""Domain errors raised by services. Each carries a machine-readable `code` (API.md) and a
sentence; the API turns them into 409 responses, screens show the sentence next to the form."""

from django.core.exceptions import ValidationError

__all__ = ["Contention", "InsufficientStock", "InvalidState", "StockConflict", "ValidationError"]


class StockConflict(Exception):
    """A request that conflicts with the state of stock or of a document (HTTP 409)."""

    code = "conflict"

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InsufficientStock(StockConflict):
    """Not enough units; `lines` names each short line: {sku, requested, available}."""

    code = "insufficient_stock"

    def __init__(self, detail: str, lines: list[dict] | None = None):
        super().__init__(detail, lines=lines or [])
        self.lines = lines or []


class InvalidState(StockConflict):
    code = "invalid_state"


class Contention(StockConflict):
    """Concurrent changes kept colliding (deadlock or serialization failure) after every retry:
    nothing was changed; the client may simply try again (HTTP 409 `conflict`)."""

    code = "conflict"
