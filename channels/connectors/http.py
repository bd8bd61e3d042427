"""The one way connectors talk HTTP: standard library only (urllib), a timeout on every call, JSON
in and out, and every failure turned into a DeliveryError the deliverer knows how to treat.

Permanence: a 4xx other than 408/409/425/429 is permanent (sending the same request again can't
help: bad credentials, unknown id, invalid body); 5xx, 408/409/425/429, timeouts, refused or
dropped connections and DNS failures are retryable (the storefront may come back). Redirects are
*not* followed: urllib would turn a redirected POST into a GET and report success for a push that
changed nothing, so a 3xx is a permanent error naming where the address now points.

The timeout bounds each connect and each read, not the whole exchange; with bodies this small the
difference doesn't matter. No database work happens here, so a slow storefront never holds a
transaction open.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlencode, urlsplit, urlunsplit

from channels.connectors.base import DeliveryError
from channels.connectors.endpoints import GuardedHTTPHandler, GuardedHTTPSHandler, body_excerpt

DEFAULT_TIMEOUT = 5.0
MAX_BODY = 1_000_000  # bytes read from any answer; storefront answers are far smaller
MAX_RETRY_AFTER = 3600.0
RETRYABLE_4XX = frozenset({408, 409, 425, 429})
USER_AGENT = "IMS-channel-sync/1"


class HttpError(DeliveryError):
    """A DeliveryError that also says what kind of failure it was, for words in test_connection.

    kind: "status" (an answer outside 2xx), "redirect", "timeout", "unreachable", "bad_url".
    `retry_after` is the storefront's Retry-After in seconds, when it sent one.
    """

    def __init__(
        self,
        detail: str,
        *,
        kind: str,
        permanent: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
        body: bytes = b"",
        location: str = "",
    ):
        super().__init__(detail, permanent=permanent, status=status, retry_after=retry_after)
        self.kind = kind
        self.body = body
        self.location = location

    def json(self):
        return _json_or_none(self.body)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Message
    body: bytes

    def json(self):
        """The decoded JSON body, or None when the body isn't JSON."""
        return _json_or_none(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx status


# Internal addresses are refused at connection time too (channels/connectors/endpoints.py).
_opener = urllib.request.build_opener(_NoRedirect, GuardedHTTPHandler, GuardedHTTPSHandler)


def call(
    method: str,
    url: str,
    *,
    payload=None,
    params: dict | None = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> HttpResponse:
    """Send one request and return the 2xx answer; raise HttpError (a DeliveryError) otherwise.

    `payload` is JSON-encoded (or pass raw `body`); `params` become the query string; `auth` is
    HTTP basic (user, password). Error details name the method and the URL without its query
    string, so credentials passed in a query never reach a log or a screen.
    """
    shown = f"{method} {_without_query(url)}"
    if params:
        url = f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"
    all_headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
    if payload is not None:
        body = json_body(payload)
        all_headers.setdefault("Content-Type", "application/json")
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        all_headers["Authorization"] = f"Basic {token}"
    try:
        request = urllib.request.Request(url, data=body, method=method, headers=all_headers)
        with _opener.open(request, timeout=timeout) as answer:
            return HttpResponse(answer.status, answer.headers, answer.read(MAX_BODY))
    except urllib.error.HTTPError as exc:
        raise _status_error(shown, exc) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _timeout(shown, timeout) from exc
        raise HttpError(f"{shown}: could not connect ({exc.reason}).", kind="unreachable") from exc
    except TimeoutError as exc:  # a read that outlasted the timeout
        raise _timeout(shown, timeout) from exc
    except ValueError as exc:  # unknown scheme, malformed address (http.client.InvalidURL)
        raise HttpError(
            f"{shown}: not a usable address ({exc}).", kind="bad_url", permanent=True
        ) from exc
    except (OSError, http.client.HTTPException) as exc:  # reset, dropped, garbled answer
        reason = str(exc) or type(exc).__name__
        raise HttpError(f"{shown}: connection failed ({reason}).", kind="unreachable") from exc


def http_request(
    url: str,
    *,
    method: str = "POST",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[int, bytes]:
    """(status, body) for a 2xx answer; DeliveryError for anything else (see `call`)."""
    answer = call(method, url, body=body, headers=headers, timeout=timeout)
    return answer.status, answer.body


def json_body(data) -> bytes:
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()


def join(base: str, path: str) -> str:
    """`base` (a configured endpoint, maybe with a trailing slash) + an absolute API path."""
    return base.rstrip("/") + path


def send_each(items: list, send) -> None:
    """`send(item)` for each item, in order, for storefronts that take one item per call.

    The first failure is raised at once, with `acknowledged` naming the items already set: the
    rest would mostly fail the same way, each after a timeout, and the deliverer decides what
    to do next (skip a refused item, wait out a 429, back off) with nothing set lost."""
    for done, item in enumerate(items):
        try:
            send(item)
        except DeliveryError as exc:
            exc.acknowledged = tuple(sent.sku for sent in items[:done])
            raise


def words(exc: HttpError) -> str:
    """A short reason for a failed call, for people: the storefront's own message if it sent
    one, else the status line."""
    message = _message_in(exc.json()) if exc.body else ""
    if not message and exc.json() is None and not exc.body.lstrip().startswith(b"<"):
        message = exc.body[:4000].decode("utf-8", "replace")  # body_excerpt cuts it short
    message = body_excerpt(message)
    return f"HTTP {exc.status}" + (f": {message}" if message else "")


# -- internals -------------------------------------------------------------------------------


def _status_error(shown: str, exc: urllib.error.HTTPError) -> HttpError:
    status = exc.code
    try:
        body = exc.read(MAX_BODY)
    except (OSError, http.client.HTTPException):
        body = b""
    if 300 <= status < 400:
        location = body_excerpt(exc.headers.get("Location", "")) if exc.headers else ""
        return HttpError(
            f"{shown}: redirected (HTTP {status}) to {location or 'another address'}; "
            "set the channel's address to where it points.",
            kind="redirect",
            permanent=True,
            status=status,
            location=location,
        )
    error = HttpError("", kind="status", status=status, body=body)
    error.permanent = 400 <= status < 500 and status not in RETRYABLE_4XX
    error.retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
    error.detail = f"{shown}: {words(error)}"
    error.args = (error.detail,)
    return error


def _timeout(shown: str, timeout: float) -> HttpError:
    return HttpError(f"{shown}: no answer within {timeout:g} s.", kind="timeout")


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: either a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _json_or_none(body: bytes):
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _message_in(data) -> str:
    """The human part of common API error bodies: Shopify {"errors": ...}, WooCommerce/WordPress
    {"code", "message"}, generic {"error"|"detail"|"message"}."""
    if isinstance(data, dict):
        for key in ("message", "errors", "error", "detail"):
            if key in data:
                value = data[key]
                if isinstance(value, str):
                    return value
                if isinstance(value, list):
                    return "; ".join(str(v) for v in value)
                if isinstance(value, dict):
                    return "; ".join(f"{k}: {v}" for k, v in value.items())
    return ""


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]  # never show user:password@
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
