"""Where a channel may send: the rules for a channel's endpoint URL, checked when it is saved
(`endpoint_validate`, a ValidationError naming `endpoint_url`) and again on every connection
(`GuardedHTTPHandler`, `GuardedHTTPSHandler`, installed in the HTTP client's opener), so a host
name that resolved to a public address at save time and to an internal one later (DNS
rebinding) is still refused: the check reads the address the socket actually connected to.

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
import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

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
        resolved = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError):
        # Not resolvable now (a shop still being set up, a DNS hiccup): nothing to refuse yet;
        # every connection checks the address it reaches.
        return None
    for address in sorted(resolved):
        reason = address_problem(address)
        if reason:
            return f"The endpoint URL's host {host} resolves to {address}, {reason}."
    return None


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


def guarded_create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, *args, **kwargs):
    """socket.create_connection, then a check of the address actually reached."""
    sock = socket.create_connection(address, timeout, *args, **kwargs)
    if settings.IMS_ALLOW_PRIVATE_ENDPOINTS:
        return sock
    peer = sock.getpeername()[0]
    reason = address_problem(peer.split("%", 1)[0])
    if reason:
        sock.close()
        raise EndpointRefused(f"{address[0]} connects to {peer}, {reason}; refused")
    return sock


class GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = guarded_create_connection


class GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = guarded_create_connection


class GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        if settings.IMS_ENDPOINTS_HTTPS_ONLY:
            raise EndpointRefused("plain http is refused; use https")
        return self.do_open(GuardedHTTPConnection, req)


class GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(GuardedHTTPSConnection, req, context=self._context)


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
