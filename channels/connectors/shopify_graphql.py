"""Shopify's GraphQL Admin API as the IMS speaks it: one POST of a document to
`{shop}/admin/api/{version}/graphql.json` with the app's `X-Shopify-Access-Token`, its `errors`
and `extensions.cost` read on every answer. Used by the stock push (shopify.py) and the order
pull (shopify_orders.py).

Versions. Shopify releases a stable version each quarter (YYYY-01, -04, -07, -10) and serves each
for at least twelve months; a request for a version it no longer serves is answered by the oldest
one it does, named in the `X-Shopify-API-Version` header (`Answer.version`). The IMS speaks
2026-01 and later: the first versions with `changeFromQuantity` and the `@idempotent` directive
on inventory mutations (from 2026-04 both are required). The default is 2026-10, the newest
stable version when this was written (December 2026), served until at least October 2027.

Throttling. Shopify limits each app on each store by query cost: a bucket of points (2,000 and
100 a second on Standard plans, more on Advanced and Plus) that a query must fit in *before* it
runs, by its requested cost, refunded down to its actual cost after. Every answer reports the
bucket (`extensions.cost.throttleStatus`: maximumAvailable, currentlyAvailable, restoreRate);
the last report is kept in Django's cache, keyed by store and token (one bucket per app and
store, whichever process or channel spends it), so a call whose cost the bucket cannot hold now
is not sent at all: it raises `Throttled`, a DeliveryError with status 429 and `retry_after` =
the seconds the bucket needs to refill by that much. A THROTTLED answer (HTTP 200 with
errors[].extensions.code THROTTLED, or an HTTP 429) raises the same from the bucket it reports.
Nothing here sleeps or retries: the deliverer paces the channel by `retry_after`
(channels/sync/deliver.py), so no process spins against an empty bucket.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass

from django.core.cache import cache

from channels.connectors.base import DeliveryError
from channels.connectors.http import HttpError, call, words

logger = logging.getLogger(__name__)

DEFAULT_API_VERSION = "2026-10"
OLDEST_API_VERSION = "2026-01"
MAX_QUERY_COST = 1000  # Shopify refuses any single query that requests more (MAX_COST_EXCEEDED)
_VERSION = re.compile(r"^\d{4}-(01|04|07|10)$")
BUCKET_SECONDS = 3600  # how long a bucket report is kept; it refills long before that
MIN_WAIT = 0.1  # seconds: never pace tighter than this, whatever the arithmetic says
RETRYABLE_CODES = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"})


def version_problem(version: str) -> str:
    """Why `version` can't be used, in words; "" when it can."""
    if not _VERSION.match(version):
        return (
            f"api_version '{version}' is not a Shopify API version: use a stable release "
            f"YYYY-MM with MM 01, 04, 07 or 10 (default {DEFAULT_API_VERSION})."
        )
    if version < OLDEST_API_VERSION:
        return (
            f"api_version {version} is older than {OLDEST_API_VERSION}, the first version "
            "with changeFromQuantity and @idempotent; use "
            f"{DEFAULT_API_VERSION} (or leave api_version unset)."
        )
    return ""


class Throttled(DeliveryError):
    """Shopify's cost bucket can't take the call now; `retry_after` says when it will."""

    def __init__(self, detail: str, *, retry_after: float):
        super().__init__(detail, status=429, retry_after=retry_after)


class ShopifyError(DeliveryError):
    """Shopify answered with top-level `errors`; `codes` are their `extensions.code` values."""

    def __init__(self, detail: str, *, codes: list[str], permanent: bool):
        super().__init__(detail, permanent=permanent)
        self.codes = codes


@dataclass(frozen=True)
class Bucket:
    maximum: float
    available: float
    rate: float  # points restored per second
    at: float  # time.time() of the report

    def available_now(self, now: float | None = None) -> float:
        elapsed = max((now or time.time()) - self.at, 0.0)
        return min(self.maximum, self.available + elapsed * self.rate)

    def wait_for(self, cost: float) -> float:
        """Seconds until the bucket holds `cost` points (0 when it does now)."""
        missing = cost - self.available_now()
        if missing <= 0:
            return 0.0
        if self.rate <= 0:
            return 1.0
        return max(missing / self.rate, MIN_WAIT)


@dataclass(frozen=True)
class Answer:
    data: dict
    errors: list[dict]
    version: str  # the version Shopify answered with (X-Shopify-API-Version)
    bucket: Bucket | None


@dataclass(frozen=True)
class ShopifyAdmin:
    """One app's access to one store's GraphQL Admin API."""

    shop: str  # https://your-shop.myshopify.com, no trailing slash
    token: str
    version: str
    pool: object = None  # the pooled HTTP client's key (the channel's pk)
    timeout: float = 5.0

    @property
    def url(self) -> str:
        return f"{self.shop}/admin/api/{self.version}/graphql.json"

    @property
    def _bucket_key(self) -> str:
        digest = hashlib.sha256(f"{self.shop}\0{self.token}".encode()).hexdigest()[:40]
        return f"ims:shopify:bucket:{digest}"

    def run(
        self, document: str, variables: dict | None = None, *, cost: int, partial: bool = False
    ) -> Answer:
        """Send `document` (whose requested cost the caller estimates as `cost`) and return the
        answer. Raises Throttled before sending when the last bucket report can't hold `cost`,
        Throttled on a THROTTLED answer, HttpError (a DeliveryError) on any non-2xx answer or
        failed connection, ShopifyError on other `errors` unless `partial` (the connection check
        wants the data of the fields Shopify did answer, and reads the errors itself)."""
        self._check_bucket(cost)
        try:
            answer = call(
                "POST",
                self.url,
                payload={"query": document, "variables": variables or {}},
                headers={"X-Shopify-Access-Token": self.token},
                timeout=self.timeout,
                pool=self.pool,
            )
        except HttpError as exc:
            if exc.status == 429:
                body = exc.json() if isinstance(exc.json(), dict) else {}
                raise self._throttled(self._remember(body), body, cost, exc.retry_after) from exc
            raise
        body = answer.json()
        if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
            raise DeliveryError(
                f"{self.shop} answered HTTP {answer.status}, but not like Shopify's GraphQL "
                "Admin API: check the shop's address (https://your-shop.myshopify.com).",
                permanent=True,
            )
        bucket = self._remember(body)
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        if isinstance(body.get("errors"), str):  # {"errors": "..."}: Shopify's non-GraphQL form
            errors = [{"message": body["errors"]}]
        if "THROTTLED" in error_codes(errors):
            raise self._throttled(bucket, body, cost, None)
        if errors and not partial:
            raise graphql_error(errors)
        version = answer.headers.get("X-Shopify-API-Version") or self.version
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        return Answer(data=data, errors=errors, version=version, bucket=bucket)

    # -- the bucket ---------------------------------------------------------------------------
    def bucket(self) -> Bucket | None:
        """The last bucket report for this app and store, if any process has one."""
        try:
            value = cache.get(self._bucket_key)
        except Exception:  # the cache being down must not stop a push: no report, no pacing
            logger.warning("Shopify bucket report unreadable from the cache", exc_info=True)
            return None
        return Bucket(**value) if isinstance(value, dict) else None

    def _check_bucket(self, cost: int) -> None:
        bucket = self.bucket()
        if bucket is None:
            return
        if cost > bucket.maximum:  # Shopify may shrink a store's limits for a while
            raise DeliveryError(
                f"A call of {cost} points does not fit this app's Shopify bucket of "
                f"{bucket.maximum:g} points on this store; trying again later."
            )
        wait = bucket.wait_for(cost)
        if wait > 0:
            raise Throttled(
                f"Shopify's rate limit: this app's bucket holds "
                f"{math.floor(bucket.available_now())} of the {cost} points the next call needs "
                f"(it refills {bucket.rate:g} a second); going on in {wait:.1f} s.",
                retry_after=wait,
            )

    def _remember(self, body: dict) -> Bucket | None:
        status = _throttle_status(body)
        if status is None:
            return None
        bucket = Bucket(*status, at=time.time())
        try:
            cache.set(self._bucket_key, bucket.__dict__, BUCKET_SECONDS)
        except Exception:
            logger.warning("Shopify bucket report not written to the cache", exc_info=True)
        return bucket

    @staticmethod
    def _throttled(
        bucket: Bucket | None, body: dict, cost: int, retry_after: float | None
    ) -> Throttled:
        requested = _requested_cost(body) or cost
        if bucket is not None:
            wait = max(bucket.wait_for(requested), MIN_WAIT)
        else:
            wait = retry_after if retry_after is not None else 1.0
        return Throttled(
            f"Shopify throttled the call (THROTTLED: {requested} points requested, the bucket "
            f"holds fewer); going on in {wait:.1f} s.",
            retry_after=wait,
        )


# -- errors in words ---------------------------------------------------------------------------


def error_codes(errors: list[dict]) -> list[str]:
    return [str((error.get("extensions") or {}).get("code") or "ERROR") for error in errors]


def graphql_error(errors: list[dict]) -> ShopifyError:
    codes = error_codes(errors)
    messages = "; ".join(str(e.get("message", "")).strip() for e in errors[:3])
    hint = ""
    if "ACCESS_DENIED" in codes:
        hint = (
            " The app's access token lacks a scope: give it write_inventory, read_inventory, "
            "read_locations and read_orders."
        )
    elif "MAX_COST_EXCEEDED" in codes:
        hint = " The query asks for too much at once (a bug in the IMS: please report it)."
    return ShopifyError(
        f"Shopify answered {', '.join(dict.fromkeys(codes))}: {messages}.{hint}",
        codes=codes,
        permanent=not (set(codes) & RETRYABLE_CODES),
    )


def http_words(exc: HttpError, shop: str, timeout: float) -> str:
    """What a failed call says about the channel's address or token, in words."""
    if exc.kind == "timeout":
        return f"{shop} did not answer within {timeout:g} s: is the shop reachable from here?"
    if exc.kind in {"unreachable", "bad_url"}:
        return f"Could not reach {shop}: check the shop's address. ({exc.detail})"
    if exc.kind == "redirect":
        return (
            f"{shop} redirects to {exc.location or 'another address'}: use the shop's "
            "https://<shop>.myshopify.com address."
        )
    status = exc.status or 0
    if status == 401:
        return (
            f"Shopify refused the access token ({words(exc)}): check access_token (the app's "
            "Admin API access token, shpat_…)."
        )
    if status == 402:
        return f"The Shopify store is frozen or unpaid ({words(exc)}): its owner must settle it."
    if status == 403:
        return f"Shopify refused the app ({words(exc)}): is the app still installed on the store?"
    if status == 404:
        return (
            f"{shop} has no Shopify Admin API ({words(exc)}): check the shop's address "
            "(https://your-shop.myshopify.com)."
        )
    if status == 423:
        return f"The Shopify store is locked ({words(exc)})."
    if status >= 500:
        return f"Shopify had a problem ({words(exc)}): try again later."
    return f"Shopify answered {words(exc)}."


# -- internals -------------------------------------------------------------------------------


def _cost(body: dict) -> dict:
    extensions = body.get("extensions")
    cost = extensions.get("cost") if isinstance(extensions, dict) else None
    return cost if isinstance(cost, dict) else {}


def _requested_cost(body: dict) -> int | None:
    value = _cost(body).get("requestedQueryCost")
    return int(value) if isinstance(value, int | float) else None


def _throttle_status(body: dict) -> tuple[float, float, float] | None:
    status = _cost(body).get("throttleStatus")
    if not isinstance(status, dict):
        return None
    try:
        values = tuple(
            float(status[key]) for key in ("maximumAvailable", "currentlyAvailable", "restoreRate")
        )
    except (KeyError, TypeError, ValueError):
        return None
    return values
