"""The connectors' HTTP client (channels/connectors/http.py) against a real keep-alive HTTP/1.1
server on 127.0.0.1 that counts the TCP connections it accepts: one pooled connection per
channel and process, no redirect followed, timeouts and the MAX_BODY cap, the endpoint guard at
connection time (literal addresses and names that resolve inside), fork safety, no cookies and
no proxies from the environment."""

from __future__ import annotations

import gzip
import json
import logging
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from channels.connectors import endpoints, http

BIG = 50_000_000  # bytes /big offers: far more than MAX_BODY, more than socket buffers hold
GUARD_ON = override_settings(IMS_ALLOW_PRIVATE_ENDPOINTS=False)


class Peer(ThreadingHTTPServer):
    """Answers by path: /ok (JSON, echoes the Cookie header it got), /redirect (302), /slow
    (answers after 5 s, or when stopped), /big (BIG bytes), /bomb (MAX_BODY * 20 zeros,
    gzipped), /gzip (small gzipped JSON), /cookie (sets two cookies)."""

    daemon_threads = True
    block_on_close = False  # kept-alive connections must not hold stop() open

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _PeerHandler)
        self.connections = 0
        self.requests = 0
        self.sent = 0  # bytes of /big the client took before closing
        self.stopping = threading.Event()
        self._counting = threading.Lock()

    def process_request(self, request, client_address):
        with self._counting:
            self.connections += 1
        super().process_request(request, client_address)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def port(self) -> int:
        return self.server_address[1]


class _PeerHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, unlike tests/channels/receivers.py
    disable_nagle_algorithm = True  # as real servers do: no 40 ms delayed-ACK stall per answer

    def do_GET(self):
        self.server.requests += 1
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        if path == "/redirect":
            return self._answer(302, b"", {"Location": "http://127.0.0.1:9/internal"})
        if path == "/slow":
            self.server.stopping.wait(5)
            return self._answer(200, b"{}")
        if path == "/big":
            return self._big()
        if path == "/bomb":
            body = gzip.compress(b"0" * (http.MAX_BODY * 20))
            return self._answer(200, body, {"Content-Encoding": "gzip"})
        if path == "/gzip":
            body = gzip.compress(json.dumps({"ok": True, "pad": "x" * 5000}).encode())
            return self._answer(200, body, {"Content-Encoding": "gzip"})
        if path == "/cookie":
            return self._answer(200, b"{}", {"Set-Cookie": ["a=1; Path=/", "b=2; Path=/"]})
        cookie = self.headers.get("Cookie") or ""
        return self._answer(200, json.dumps({"ok": True, "cookie": cookie}).encode())

    do_POST = do_PUT = do_GET

    def _answer(self, status, body, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            for one in value if isinstance(value, list) else [value]:
                self.send_header(name, one)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _big(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(BIG))
        self.end_headers()
        chunk = b"x" * 65536
        try:
            while self.server.sent < BIG:
                self.wfile.write(chunk)
                self.server.sent += len(chunk)
        except OSError:  # the client closed the connection: it read no further
            self.close_connection = True

    def log_message(self, format, *args):
        pass


@pytest.fixture
def peer():
    http.close_clients()  # no connection left over from another test
    server = Peer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield server
    http.close_clients()
    server.stopping.set()
    server.shutdown()
    server.server_close()


def test_one_connection_per_pool_key(peer):
    for _ in range(50):
        assert http.call("POST", peer.url + "/ok", payload={"n": 1}, pool=7).json()["ok"]
    assert (peer.requests, peer.connections) == (50, 1)
    for _ in range(10):
        http.call("GET", peer.url + "/ok", pool=8)
        http.call("GET", peer.url + "/ok", pool=7)
    assert peer.connections == 2
    http.call("GET", peer.url + "/ok")  # pool=None: the shared client, a third connection
    http.call("GET", peer.url + "/ok", pool=None)
    assert peer.connections == 3


def test_http_request_and_errors_keep_the_connection(peer):
    status, body = http.http_request(peer.url + "/ok", body=b"{}", pool="shop")
    assert status == 200
    assert json.loads(body)["ok"] is True
    with pytest.raises(http.HttpError):
        http.call("GET", peer.url + "/redirect", pool="shop")
    http.call("GET", peer.url + "/ok", pool="shop")
    assert peer.connections == 1


def test_a_redirect_is_not_followed(peer):
    with pytest.raises(http.HttpError) as caught:
        http.call("POST", peer.url + "/redirect", payload={})
    error = caught.value
    assert (error.kind, error.status, error.permanent) == ("redirect", 302, True)
    assert error.location == "http://127.0.0.1:9/internal"
    assert "redirected (HTTP 302) to http://127.0.0.1:9/internal" in error.detail
    assert peer.requests == 1


def test_a_timeout_is_reported_and_does_not_hang(peer):
    started = time.monotonic()
    with pytest.raises(http.HttpError) as caught:
        http.call("GET", peer.url + "/slow", timeout=0.3)
    assert caught.value.kind == "timeout"
    assert not caught.value.permanent
    assert "no answer within 0.3 s" in caught.value.detail
    assert time.monotonic() - started < 4  # well before /slow's 5 s answer


def test_a_huge_answer_is_cut_and_not_read_whole(peer):
    answer = http.call("GET", peer.url + "/big", timeout=10)
    assert len(answer.body) == http.MAX_BODY
    assert answer.json() is None
    time.sleep(0.2)  # let the server notice the closed connection
    assert peer.sent < BIG
    http.call("GET", peer.url + "/ok")  # that connection was dropped, not pooled
    assert peer.connections == 2


def test_gzip_is_decoded_and_a_gzip_bomb_is_capped(peer):
    answer = http.call("GET", peer.url + "/gzip")
    assert answer.json()["ok"] is True
    bomb = http.call("GET", peer.url + "/bomb")
    assert bomb.body == b"0" * http.MAX_BODY


def test_repeated_headers_and_no_cookie_jar(peer):
    answer = http.call("GET", peer.url + "/cookie", pool=1)
    assert answer.headers.get_all("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert answer.headers.get("content-type") == "application/json"
    # A storefront's cookies are not sent back: connectors send a session explicitly.
    assert http.call("GET", peer.url + "/ok", pool=1).json()["cookie"] == ""


def test_proxy_settings_in_the_environment_are_ignored(peer, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    http.close_clients()
    assert http.call("GET", peer.url + "/ok", pool="fresh").json()["ok"] is True
    assert peer.requests == 1


@GUARD_ON
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_guard_refuses_loopback_before_connecting(peer, host):
    with pytest.raises(http.HttpError) as caught:
        http.call("POST", f"http://{host}:{peer.port}/ok", payload={}, pool=3)
    error = caught.value
    assert (error.kind, error.permanent) == ("bad_url", True)
    assert "loopback" in error.detail
    assert peer.connections == 0  # not even a TCP handshake with the internal address


def test_a_name_resolving_to_any_internal_address_is_refused(peer, monkeypatch):
    """A DNS answer mixing a public and an internal address (or rebinding between the save-time
    check and the connection) is refused: the guard resolves once, checks every address and
    connects only to an address it checked."""
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host == "shop.example.com":
            public = real("93.184.215.14", port, *args, **kwargs)
            return public + real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(endpoints.socket, "getaddrinfo", rebinding)
    with GUARD_ON, pytest.raises(http.HttpError) as caught:
        http.call("GET", f"http://shop.example.com:{peer.port}/ok")
    assert "shop.example.com resolves to 127.0.0.1, a loopback address" in caught.value.detail
    assert peer.connections == 0


def test_an_unresolvable_name_is_retryable(peer):
    with GUARD_ON, pytest.raises(http.HttpError) as caught:
        http.call("GET", "http://no-such-host.invalid/ok", timeout=2)
    assert (caught.value.kind, caught.value.permanent) == ("unreachable", False)
    assert "could not connect" in caught.value.detail


def test_a_forked_child_gets_its_own_client(peer):
    parent_client = http.client_for("shop")
    http.call("GET", peer.url + "/ok", pool="shop")
    assert peer.connections == 1
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report in words, exit without pytest's teardown
        try:
            mine = http.client_for("shop")
            assert mine is not parent_client
            assert all(owner == os.getpid() for _, owner in http._clients)
            http.call("GET", peer.url + "/ok", pool="shop")
            os.write(writer, b"ok")
        except BaseException as exc:
            os.write(writer, repr(exc).encode()[:500])
        finally:
            os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    with os.fdopen(reader, "rb") as pipe:
        assert pipe.read() == b"ok"
    assert peer.connections == 2  # the child opened its own connection
    http.call("GET", peer.url + "/ok", pool="shop")  # the parent's is still fine, and reused
    assert http.client_for("shop") is parent_client
    assert peer.connections == 2


def test_close_clients_makes_new_ones(peer):
    first = http.client_for(None)
    http.close_clients()
    assert http.client_for(None) is not first
    assert ("k", os.getpid()) not in http._clients
    http.client_for("k")
    assert ("k", os.getpid()) in http._clients


def test_no_query_string_reaches_the_log(peer, caplog):
    caplog.set_level(logging.DEBUG)
    http.call("GET", peer.url + "/ok", params={"consumer_secret": "cs_top_secret"})
    with pytest.raises(http.HttpError) as caught:
        http.call("GET", peer.url + "/redirect", params={"consumer_secret": "cs_top_secret"})
    assert "cs_top_secret" not in caplog.text
    assert "cs_top_secret" not in caught.value.detail


@pytest.mark.parametrize(
    "url", ["", "ftp://shop.example.com/", "not an address", "http://u:pw@[::1/x?key=s3cret"]
)
def test_an_unusable_address_is_a_permanent_bad_url(url):
    with pytest.raises(http.HttpError) as caught:
        http.call("POST", url, payload={})
    assert (caught.value.kind, caught.value.permanent) == ("bad_url", True)
    assert "s3cret" not in caught.value.detail
    assert "pw" not in caught.value.detail


def test_a_header_that_would_split_the_request_is_refused_unsent(peer):
    with pytest.raises(http.HttpError) as caught:
        http.call("GET", peer.url + "/ok", headers={"X-Token": "t0ken\r\nX-Evil: 1"})
    assert (caught.value.kind, caught.value.permanent) == ("bad_url", True)
    assert "t0ken" not in caught.value.detail
    assert peer.requests == 0
