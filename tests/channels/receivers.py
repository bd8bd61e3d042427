"""A real HTTP receiver on 127.0.0.1 for connector and sync tests.

    with Receiver() as rx:                      # random free port, served from a thread
        rx.respond(200, {"ok": True})           # default answer (this is also the default)
        rx.queue(Reply(500), Reply(429, headers={"Retry-After": "0"}))  # answered first, in order
        rx.delay = 0.5                          # or Reply(..., delay=0.5): answer late
        ... push to rx.url ...
        rx.wait_for(3)                          # poll (with a deadline) until 3 requests arrived
        rx.requests[0].json(), rx.requests[0].headers["X-Shopify-Access-Token"]

Every request is recorded (method, path, query, headers, raw body, arrival time) *before* the
reply is delayed, so a test can see a request that the client then gave up on. `responder` may be
a callable `Recorded -> Reply` for answers that depend on the request. Stopping the receiver
cuts every pending delay short, so a slow reply never holds a test run open.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: object = None  # dict/list → JSON; str/bytes sent as is; None → "{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float | None = None  # seconds before answering; None → the receiver's `delay`


@dataclass
class Recorded:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: Message  # case-insensitive lookup: headers["content-type"]
    body: bytes
    at: float  # time.time() on arrival

    def json(self):
        return json.loads(self.body or b"null")

    @property
    def target(self) -> str:
        """ "METHOD /path" — handy in assertions."""
        return f"{self.method} {self.path}"


class Receiver:
    def __init__(self, *, default: Reply | None = None, delay: float = 0.0):
        self.default = default or Reply()
        self.delay = delay
        self.responder: Callable[[Recorded], Reply] | None = None
        self.requests: list[Recorded] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- programming the answers --------------------------------------------------------------
    def respond(self, status: int = 200, body: object = None, **kwargs) -> None:
        """The answer to every request once the queue is empty."""
        self.default = Reply(status, body, **kwargs)

    def queue(self, *replies: Reply | int) -> None:
        """Answers used first, one per request, in order (an int is a bare status)."""
        with self._lock:
            self._queue.extend(Reply(r) if isinstance(r, int) else r for r in replies)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self._queue.clear()

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "start() the receiver first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Receiver:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True  # a reply still sleeping never blocks shutdown
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- reading what arrived ----------------------------------------------------------------
    def wait_for(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        """Poll until at least `count` requests arrived; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
                seen = len(self.requests)
            if time.monotonic() >= deadline:
                raise AssertionError(f"expected {count} requests within {timeout}s, got {seen}")
            time.sleep(0.01)

    # -- called from the server threads ------------------------------------------------------
    def _record_and_choose(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(recorded)
        return self.default


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            split = urlsplit(self.path)
            recorded = Recorded(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query),
                headers=self.headers,
                body=body,
                at=time.time(),
            )
            reply = receiver._record_and_choose(recorded)
            delay = receiver.delay if reply.delay is None else reply.delay
            if delay and receiver._stopping.wait(delay):
                return  # shutting down: drop the connection unanswered
            payload = reply.body
            if payload is None:
                payload = b"{}"
            elif isinstance(payload, str):
                payload = payload.encode()
            elif not isinstance(payload, bytes):
                payload = json.dumps(payload).encode()
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timed out) before the late answer

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format, *args) -> None:
            pass  # keep test output quiet

    return Handler
