"""Where a channel may send: the rules for a channel's endpoint URL, checked when it is saved
(`endpoint_validate`, a ValidationError naming `endpoint_url`) and again on every new connection
(`GuardedTransport`, the transport of every HTTP client in channels/connectors/http.py), so a
host name that resolved to a public address at save time and to an internal one later (DNS
rebinding) is still refused.

At connection time `GuardedBackend` (an httpcore network backend) resolves the host itself,
refuses it when any address it resolves to breaks the rules, and connects to the vetted IP
address, so the address checked is the address connected to (no second lookup for a rebinding
DNS server to answer differently). TLS still verifies the certificate for the host name: httpcore
passes the URL's host to the TLS handshake, not the address connected to.

- http or https only; https only when settings.IMS_ENDPOINTS_HTTPS_ONLY (production).
- No query string or fragment, not even an empty `?`: connectors append API paths to the
  endpoint, and a `?` would turn that path into a query string on some other URL.
- Unless settings.IMS_ALLOW_PRIVATE_ENDPOINTS (development and tests, whose peers run on
  127.0.0.1), no address that isn't global: loopback, private (10/8, 172.16/12, 192.168/16,
  fc00::/7), link-local (169.254/16 — cloud metadata — and fe80::/10), shared (100.64/10),
  unspecified (0.0.0.0, ::), multicast and reserved ranges, IPv4-mapped forms of these.

`body_excerpt` is how any storefront's answer may be shown: short, whitespace folded, markup
and control characters escaped.
"""

from __future__ import annotations

import html
import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

EXCERPT_CHARS = 200


class EndpointRefused(ValueError):
    """An address the rules above refuse. A ValueError, so the HTTP client reports it as an
    unusable address (permanent: sending again cannot help)."""


# -- save time ---------------------------------------------------------------------------------


def endpoint_validate(url: str) -> None:
    """Raise ValidationError({"endpoint_url": ...}) when `url` breaks a rule; "" is allowed (a
    channel with no endpoint yet)."""
    problem = endpoint_problem(url)
    if problem:
        raise ValidationError({"endpoint_url": problem})


def endpoint_problem(url: str) -> str | None:
    """The broken rule in words, or None."""
    if not url:
        return None
    if "?" in url or "#" in url:
        return "The endpoint URL may not have a query string or a fragment (no '?' or '#')."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "The endpoint URL is not a valid address."
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "The endpoint URL must be an http(s) address with a host name."
    if parts.scheme != "https" and settings.IMS_ENDPOINTS_HTTPS_ONLY:
        return "The endpoint URL must use https."
    if settings.IMS_ALLOW_PRIVATE_ENDPOINTS:
        return None
    return _host_problem(parts.hostname, port or (443 if parts.scheme == "https" else 80))


def _host_problem(host: str, port: int) -> str | None:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        reason = address_problem(literal)
        return f"The endpoint URL points at {host}, {reason}." if reason else None
    try:
        resolved = resolve(host, port)
    except (OSError, UnicodeError):
        # Not resolvable now (a shop still being set up, a DNS hiccup): nothing to refuse yet;
        # every connection checks the address it reaches.
        return None
    for address in sorted(resolved):
        reason = address_problem(address)
        if reason:
            return f"The endpoint URL's host {host} resolves to {address}, {reason}."
    return None


def resolve(host: str, port: int) -> list[str]:
    """The IP addresses `host` resolves to, in the resolver's order, without duplicates (a
    literal address resolves to itself). socket.gaierror when it doesn't resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# -- addresses -----------------------------------------------------------------------------------


def address_problem(address) -> str | None:
    """Why an IP address may not be sent to, in words ("a loopback address"), or None."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast or ip.is_reserved:
        return "a reserved or multicast address"
    if ip.is_private or not ip.is_global:
        return "a private address"
    return None


# -- connection time -----------------------------------------------------------------------------


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's blocking network backend, connecting only to addresses the rules allow.

    The host is resolved here, refused when *any* of its addresses is internal (as at save time:
    a name that answers with a public and a private address is refused, whichever one a connect
    would reach), and connected to by IP address, trying each in turn like
    socket.create_connection. The peer of the connected socket is checked once more before
    anything is sent. Refusals are EndpointRefused; a name that doesn't resolve is a ConnectError
    (retryable: DNS may come back)."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if settings.IMS_ALLOW_PRIVATE_ENDPOINTS:
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} does not resolve ({exc})") from exc
        for address in addresses:
            reason = address_problem(address.split("%", 1)[0])
            if reason:
                shown = f"{host} is" if address == host else f"{host} resolves to {address},"
                raise EndpointRefused(f"{shown} {reason}: refused")
        failure: Exception = httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:
            try:
                stream = super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            _check_peer(stream, host)
            return stream
        raise failure


def _check_peer(stream: httpcore.NetworkStream, host: str) -> None:
    peer = stream.get_extra_info("socket").getpeername()[0]
    reason = address_problem(peer.split("%", 1)[0])
    if reason:
        stream.close()
        raise EndpointRefused(f"{host} connects to {peer}, {reason}: refused")


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (its pooling, keep-alive and error mapping) over GuardedBackend,
    refusing plain http when IMS_ENDPOINTS_HTTPS_ONLY.

    httpx doesn't take a network backend (yet), so the transport's connection pool is rebuilt
    with one; if a later httpx keeps its pool elsewhere this fails loudly instead of sending
    unguarded."""

    def __init__(self, *, limits: httpx.Limits):
        super().__init__(limits=limits, trust_env=False, retries=0)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError("httpx.HTTPTransport changed: the endpoint guard can't be installed")
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https" and settings.IMS_ENDPOINTS_HTTPS_ONLY:
            raise EndpointRefused("plain http is refused; use https")
        return super().handle_request(request)


# -- showing answers -----------------------------------------------------------------------------


def body_excerpt(body: bytes | str, limit: int = EXCERPT_CHARS) -> str:
    """At most `limit` characters of a storefront's answer, safe to log or show: whitespace
    folded, control characters as \\xNN, markup escaped, '…' when cut."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = " ".join(text.split())
    cut = len(text) > limit
    text = text[:limit]
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return html.escape(text, quote=False) + ("…" if cut else "")
