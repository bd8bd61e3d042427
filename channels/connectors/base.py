"""The interface every storefront connector implements.

A connector turns a batch of availability changes into the storefront's own API calls. It never
touches the database: the deliverer (channels/sync) decides what to push and records the result.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PushItem:
    sku: str  # SKU code
    external_id: str  # Listing.external_id
    available: int
    version: int


class DeliveryError(Exception):
    """A push that did not reach the storefront; retried with backoff unless `permanent`."""

    def __init__(self, detail: str, *, permanent: bool = False, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.status = status


class Connector:
    name: str = ""
    # Every outbound HTTP call uses this timeout (seconds).
    timeout: float = 5.0

    def __init__(self, channel):
        self.channel = channel  # SalesChannel

    def push(self, items: list[PushItem]) -> None:
        """Send every item; return only when the storefront acknowledged all of them.

        Raise DeliveryError on any failure (status >= 300, timeout, refused connection).
        """
        raise NotImplementedError

    def test_connection(self) -> tuple[bool, str]:
        """(ok, detail in words) — reach the storefront with the channel's credentials."""
        raise NotImplementedError
