"""The interface every storefront connector implements.

A connector turns a batch of availability changes into the storefront's own API calls. It never
touches the database: the deliverer (channels/sync) decides what to push and records the result.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class PushItem:
    sku: str  # SKU code
    external_id: str  # Listing.external_id
    available: int
    version: int


@dataclass(frozen=True)
class RemoteOrder:
    """An order as a storefront reports it, for connectors that pull orders back."""

    code: str  # the storefront's order code: the IMS order's external_id
    status: str  # "open" (to be shipped), "cancelled", or "other" (shipped, not ours to take)
    state: str  # the storefront's own word for it
    updated_at: datetime.datetime
    lines: tuple[tuple[str, int], ...]  # (SKU code, quantity)


class DeliveryError(Exception):
    """A push that did not reach the storefront; retried with backoff unless `permanent`."""

    def __init__(self, detail: str, *, permanent: bool = False, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.status = status


class Connector:
    name: str = ""
    # Connectors that also pull the storefront's own orders implement `orders_since`.
    pulls_orders: bool = False
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

    def orders_since(
        self, since: datetime.datetime | None, *, codes: list[str] = ()
    ) -> list[RemoteOrder]:
        """Orders changed after `since` (the storefront's clock; None on the first pull) plus
        those named in `codes`, oldest change first. Raise DeliveryError on any failure."""
        raise NotImplementedError
