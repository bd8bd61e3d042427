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


# Answers that concern the whole channel (credentials, billing), never one item.
CHANNEL_WIDE = frozenset({401, 402, 403})


class DeliveryError(Exception):
    """A push that did not reach the storefront; retried with backoff unless `permanent`.

    What a push that failed part-way still achieved travels with the error, so the deliverer
    loses no progress: `acknowledged` names the SKUs the storefront took before the failure,
    `failed_skus` the ones it refused (a batch answered item by item: the others were taken).
    `retry_after` is the storefront's own wait (seconds) when it said so (HTTP 429).
    """

    def __init__(
        self,
        detail: str,
        *,
        permanent: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.status = status
        self.retry_after = retry_after
        self.acknowledged: tuple[str, ...] = ()
        self.failed_skus: tuple[str, ...] = ()

    @property
    def about_one_item(self) -> bool:
        """A refusal of the item sent (unknown id, invalid value), not of the channel: the other
        items still go."""
        status = self.status or 0
        return self.permanent and 400 <= status < 500 and status not in CHANNEL_WIDE

    @property
    def rate_limited(self) -> bool:
        return self.status == 429


class ItemError(DeliveryError):
    """One item can't be sent as it is (e.g. an external id the storefront can't take); the
    others still go."""

    def __init__(self, detail: str):
        super().__init__(detail, permanent=True)

    @property
    def about_one_item(self) -> bool:
        return True


class Connector:
    name: str = ""
    # Connectors that also pull the storefront's own orders implement `orders_since`.
    pulls_orders: bool = False
    # Every outbound HTTP call uses this timeout (seconds).
    timeout: float = 5.0
    # The most items one `push` call is handed. Storefronts that take one item per request say
    # 1: the deliverer then acknowledges, paces and renews its lease item by item.
    items_per_call: int = 1000

    def __init__(self, channel):
        self.channel = channel  # SalesChannel

    def push(self, items: list[PushItem]) -> None:
        """Send every item (at most `items_per_call`); return only when the storefront
        acknowledged all of them.

        Raise DeliveryError on any failure (status >= 300, timeout, refused connection), with
        `acknowledged` / `failed_skus` set when part of the batch was taken. Never wait out a
        rate limit here: raise it (with `retry_after`) and the deliverer paces the channel.
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
