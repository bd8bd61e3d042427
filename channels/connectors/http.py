"""The one way connectors talk HTTP: httpx, one pooled client per channel and process, a timeout
on every call, JSON in and out, and every failure turned into a DeliveryError the deliverer knows
how to treat.

Clients: `call(..., pool=key)` uses the httpx.Client of that key (connectors pass their channel's
pk; None is a shared client) in this process, so a channel's calls reuse kept-alive connections
instead of a TCP and TLS handshake per item. A forked process (a django-q2 worker) never reuses
its parent's clients: they are keyed by process id and forgotten in the child. Every client
connects through channels/connectors/endpoints.py's GuardedTransport (no internal addresses
outside development and tests, checked on each new connection), follows no redirects, ignores
proxy settings from the environment and keeps no cookies (a storefront's session cookie would
otherwise ride along on every later call of the channel).

Permanence: a 4xx other than 408/409/425/429 is permanent (sending the same request again can't
help: bad credentials, unknown id, invalid body); 5xx, 408/409/425/429, timeouts, refused or
dropped connections and DNS failures are retryable (the storefront may come back). Redirects are
*not* followed: a redirected POST would become a GET and report success for a push that changed
nothing, so a 3xx is a permanent error naming where the address now points.

The timeout bounds each connect, each read, each write and the wait for a pooled connection, not
the whole exchange; with bodies this small the difference doesn't matter. At most MAX_BODY bytes
of an answer are read (and, gzipped, decompressed); the rest is left unread and the connection
closed. No database work happens here, so a slow storefront never holds a transaction open.
"""

from __future__ import annotations

import email.utils
import http.cookiejar
import json
import logging
import os
import re
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from channels.connectors.base import DeliveryError
from channels.connectors.endpoints import EndpointRefused, GuardedTransport, body_excerpt

DEFAULT_TIMEOUT = 5.0
MAX_BODY = 1_000_000  # bytes read from any answer; storefront answers are far smaller
MAX_RETRY_AFTER = 3600.0
RETRYABLE_4XX = frozenset({408, 409, 425, 429})
USER_AGENT = "IMS-channel-sync/1"
# A worker pushes one channel at a time; web threads may test a channel meanwhile. Idle
# connections are checked before reuse, so a storefront that closed one costs nothing.
LIMITS = httpx.Limits(max_connections=8, max_keepalive_connections=4, keepalive_expiry=30.0)
MAX_CLIENTS = 64  # per process; the least recently used one is closed beyond that

# httpx logs every request's full URL at INFO, query string included: WooCommerce's
# consumer_secret (auth_in_query) would land in the log. Failures are reported by the callers.
logging.getLogger("httpx").setLevel(logging.WARNING)


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
    headers: Message  # case-insensitive .get(name), .get_all(name) for repeated headers
    body: bytes

    def json(self):
        """The decoded JSON body, or None when the body isn't JSON."""
        return _json_or_none(self.body)


# -- clients ---------------------------------------------------------------------------------

_clients: OrderedDict[tuple, httpx.Client] = OrderedDict()  # (pool key, pid) -> client
_clients_lock = threading.Lock()


def client_for(pool=None) -> httpx.Client:
    """This process's client for `pool` (any hashable; None is the shared one), made once."""
    key = (pool, os.getpid())
    evicted = None
    with _clients_lock:
        found = _clients.get(key)
        if found is not None:
            _clients.move_to_end(key)
            return found
        found = _clients[key] = _new_client()
        if len(_clients) > MAX_CLIENTS:
            _, evicted = _clients.popitem(last=False)
    if evicted is not None:
        evicted.close()
    return found


def close_clients() -> None:
    """Close this process's clients (tests, worker shutdown); the next call makes new ones."""
    pid = os.getpid()
    with _clients_lock:
        mine = [c for (_, owner), c in _clients.items() if owner == pid]
        _clients.clear()
    for client in mine:
        client.close()


def _new_client() -> httpx.Client:
    return httpx.Client(
        transport=GuardedTransport(limits=LIMITS),
        timeout=_timeout(DEFAULT_TIMEOUT),
        follow_redirects=False,
        trust_env=False,
        cookies=_NoCookies(),
        # gzip only: the one encoding decoded here, with the MAX_BODY cap (see _read_body).
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"},
    )


class _NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing (and doesn't parse what it won't keep)."""

    def extract_cookies(self, response, request) -> None:
        pass

    def set_cookie(self, cookie) -> None:
        pass


def _forget_parent_clients() -> None:
    """In a forked child: the parent's sockets are not ours to use or close, and its lock may
    have been held by another thread at the fork."""
    global _clients_lock
    _clients_lock = threading.Lock()
    _clients.clear()


os.register_at_fork(after_in_child=_forget_parent_clients)


# -- calls -----------------------------------------------------------------------------------


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
    pool=None,
) -> HttpResponse:
    """Send one request and return the 2xx answer; raise HttpError (a DeliveryError) otherwise.

    `payload` is JSON-encoded (or pass raw `body`); `params` become the query string; `auth` is
    HTTP basic (user, password); `pool` picks the pooled client (see the module docstring).
    Error details name the method and the URL without its query string, so credentials passed
    in a query never reach a log or a screen.
    """
    shown = f"{method} {_without_query(url)}"
    all_headers = {"Accept": "application/json", **(headers or {})}
    if payload is not None:
        body = json_body(payload)
        all_headers.setdefault("Content-Type", "application/json")
    try:
        if params:
            url = f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"
        with client_for(pool).stream(
            method, url, content=body, headers=all_headers, auth=auth, timeout=_timeout(timeout)
        ) as answer:
            answer_body = _read_body(answer, shown)  # read whole, the connection is reused
    except (ValueError, httpx.InvalidURL, httpx.TransportError) as exc:
        raise _failure(shown, exc, timeout) from exc
    if 300 <= answer.status_code < 400:
        raise _redirect(shown, answer)
    if not 200 <= answer.status_code < 300:
        raise _status_error(shown, answer.status_code, answer.headers, answer_body)
    return HttpResponse(answer.status_code, _message(answer.headers), answer_body)


def http_request(
    url: str,
    *,
    method: str = "POST",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    pool=None,
) -> tuple[int, bytes]:
    """(status, body) for a 2xx answer; DeliveryError for anything else (see `call`)."""
    answer = call(method, url, body=body, headers=headers, timeout=timeout, pool=pool)
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


def _failure(shown: str, exc: Exception, timeout: float) -> HttpError:
    """The HttpError for a call that got no answer (or one that isn't HTTP)."""
    if isinstance(exc, EndpointRefused | httpx.InvalidURL | httpx.UnsupportedProtocol):
        return HttpError(f"{shown}: not a usable address ({exc}).", kind="bad_url", permanent=True)
    if isinstance(exc, httpx.TimeoutException):
        return HttpError(f"{shown}: no answer within {timeout:g} s.", kind="timeout")
    if isinstance(exc, httpx.ConnectError):
        return HttpError(f"{shown}: could not connect ({exc}).", kind="unreachable")
    if isinstance(exc, httpx.LocalProtocolError):  # h11's words would quote the bad header
        return HttpError(
            f"{shown}: not a usable request (a header or the address holds characters HTTP "
            "doesn't allow).",
            kind="bad_url",
            permanent=True,
        )
    if isinstance(exc, httpx.TransportError):  # reset, dropped, garbled answer
        reason = str(exc) or type(exc).__name__
        return HttpError(f"{shown}: connection failed ({reason}).", kind="unreachable")
    # A header that isn't ASCII, a malformed address httpx let by; the words could quote a
    # credential, so only the kind of error is shown.
    return HttpError(
        f"{shown}: not a usable address or header ({type(exc).__name__}).",
        kind="bad_url",
        permanent=True,
    )


def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(connect=seconds, read=seconds, write=seconds, pool=seconds)


def _read_body(answer: httpx.Response, shown: str) -> bytes:
    """At most MAX_BODY bytes of the answer, gunzipped when it is gzipped (at most MAX_BODY
    bytes out of it too: a small bomb can't grow past the cap). What is past the cap is never
    read: leaving the `stream` block then closes the connection instead of pooling it."""
    encoding = answer.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in {"identity", "gzip", "x-gzip"}:
        raise HttpError(f"{shown}: answered in {encoding!r}, not asked for.", kind="unreachable")
    inflate = zlib.decompressobj(wbits=31) if encoding != "identity" else None
    parts, size = [], 0
    try:
        for chunk in answer.iter_raw():
            room = MAX_BODY - size
            part = inflate.decompress(chunk, room) if inflate else chunk[:room]
            parts.append(part)
            size += len(part)
            if size >= MAX_BODY:
                break
        if inflate and size < MAX_BODY:
            parts.append(inflate.flush()[: MAX_BODY - size])
    except zlib.error as exc:
        raise HttpError(f"{shown}: a garbled gzip answer ({exc}).", kind="unreachable") from exc
    return b"".join(parts)


def _message(headers: httpx.Headers) -> Message:
    message = Message()
    for name, value in headers.multi_items():
        message[name] = value
    return message


def _redirect(shown: str, answer: httpx.Response) -> HttpError:
    location = body_excerpt(answer.headers.get("Location", ""))
    return HttpError(
        f"{shown}: redirected (HTTP {answer.status_code}) to {location or 'another address'}; "
        "set the channel's address to where it points.",
        kind="redirect",
        permanent=True,
        status=answer.status_code,
        location=location,
    )


def _status_error(shown: str, status: int, headers: httpx.Headers, body: bytes) -> HttpError:
    error = HttpError("", kind="status", status=status, body=body)
    error.permanent = 400 <= status < 500 and status not in RETRYABLE_4XX
    error.retry_after = _retry_after(headers.get("Retry-After"))
    error.detail = f"{shown}: {words(error)}"
    error.args = (error.detail,)
    return error


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
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1/": shown as typed, less any query and user:password@
        return re.sub(r"//[^/]*@", "//", re.split(r"[?#]", url, maxsplit=1)[0])
    netloc = parts.netloc.rpartition("@")[2]  # never show user:password@
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
