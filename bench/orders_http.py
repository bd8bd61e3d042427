"""Orders through HTTP: POST /api/v1/orders/ under gunicorn, against a trivial GET baseline.

The app runs under gunicorn (4 workers, gthread, 2 threads each, so keep-alive works) on
127.0.0.1 against the bench database, seeded here: one warehouse, a pool of SKUs with plenty of
stock in bins, a channel, three associates (every order also plans its pick tasks). A load
generator (this process: threads, one keep-alive http.client connection each) first measures
the baseline — the same server answering an authenticated trivial GET
(/api/v1/warehouses/?page_size=1) — then posts single-line orders over the SKU pool for the same
time. Prints requests/s, p50/p95 latency of each and the ratio orders/s ÷ baseline requests/s.
Environment: BENCH_SECONDS (per phase, default 5), BENCH_HTTP_CLIENTS (default 8),
BENCH_HTTP_WORKERS (default 4).
"""

import http.client
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import bench

SKU_POOL = 200
UNITS_PER_SKU = 1_000_000
CLIENTS = int(os.environ.get("BENCH_HTTP_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_HTTP_WORKERS", "4"))
MAX_REQUESTS = 50_000  # per phase: a bound besides the time
ROOT = Path(__file__).resolve().parent.parent


def seed() -> tuple[str, list[str]]:
    """Returns a user token and the SKU codes of the pool."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from channels.services import channel_create
    from ims.kits.roles import Role
    from inventory.models import LocationType
    from inventory.services import location_create, sku_create, stock_receive, warehouse_create

    bench.reset()
    warehouse = warehouse_create(code="BENCH", name="Bench warehouse")
    zone = location_create(warehouse=warehouse, code="A", type=LocationType.ZONE)
    bins = [
        location_create(warehouse=warehouse, code=f"A-{n:02d}", parent=zone, travel_cost=n)
        for n in range(1, 11)
    ]
    location_create(warehouse=warehouse, code="PACK", type=LocationType.PACKING)
    codes = []
    for n in range(SKU_POOL):
        sku = sku_create(code=f"H-{n:04d}", name=f"HTTP bench {n}")
        stock_receive(sku=sku, location=bins[n % len(bins)], quantity=UNITS_PER_SKU)
        codes.append(sku.code)
    channel_create(code="BENCH", name="Bench storefront", warehouses=[warehouse])
    people = get_user_model().objects
    associates = Group.objects.get_or_create(name=Role.ASSOCIATE)[0]
    for n in range(3):
        person = people.create_user(username=f"picker{n}", password="unused-9!")
        person.groups.add(associates)
        warehouse.staff.add(person)
    integrator = people.create_user(username="integrator", password="unused-9!")
    integrator.groups.add(Group.objects.get_or_create(name=Role.MANAGER)[0])
    return Token.objects.create(user=integrator).key, codes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": bench.database_url(),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",  # e.g. WhiteNoise's note that collectstatic never ran
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ims.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 60s")


class Client:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None) -> int:
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return response.status
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def phase(port: int, token: str, make_request) -> dict:
    """CLIENTS threads send make_request(client, thread, n) for bench.SECONDS (and at most
    MAX_REQUESTS in all); returns counts, throughput and latencies."""
    barrier = threading.Barrier(CLIENTS + 1)
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    statuses: list[dict] = [{} for _ in range(CLIENTS)]
    errors: list[BaseException] = []
    per_thread = MAX_REQUESTS // CLIENTS

    def run(index: int) -> None:
        client = Client(port, token)
        try:
            for n in range(3):  # warm the connection and the worker
                make_request(client, index, -1 - n)
            barrier.wait()
            deadline = time.perf_counter() + bench.SECONDS
            n = 0
            while time.perf_counter() < deadline and n < per_thread:
                started = time.perf_counter()
                status = make_request(client, index, n)
                latencies[index].append(time.perf_counter() - started)
                statuses[index][status] = statuses[index].get(status, 0) + 1
                n += 1
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            client.conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    every = sorted(x for per in latencies for x in per)
    counts: dict = {}
    for per in statuses:
        for status, count in per.items():
            counts[status] = counts.get(status, 0) + count
    return {
        "requests": len(every),
        "per_second": len(every) / elapsed,
        "p50_ms": statistics.median(every) * 1000,
        "p95_ms": every[int(len(every) * 0.95) - 1] * 1000,
        "statuses": counts,
    }


def run() -> None:
    token, codes = seed()
    port = free_port()
    server = start_server(port)
    run_id = f"{int(time.time())}"
    sequence = itertools.count()
    try:

        def trivial_get(client, index, n):
            return client.request("GET", "/api/v1/warehouses/?page_size=1")

        def post_order(client, index, n):
            rng = random.Random(index * 1_000_003 + n)
            body = {
                "channel": "BENCH",
                "external_id": f"{run_id}-{next(sequence)}",  # a new order every time
                "lines": [{"sku": rng.choice(codes), "quantity": 1}],
            }
            return client.request("POST", "/api/v1/orders/", json.dumps(body).encode())

        # Alternate the phases, so a machine whose load drifts weighs on both alike.
        rounds = [(phase(port, token, trivial_get), phase(port, token, post_order)) for _ in "ab"]
    finally:
        server.terminate()
        server.wait(timeout=30)

    from channels.models import Order
    from inventory.audit import stock_drift

    print(
        f"gunicorn {WORKERS} workers (gthread x2), {CLIENTS} keep-alive clients, "
        f"2 rounds of {bench.SECONDS:.0f}s per phase, {SKU_POOL} SKUs, on 127.0.0.1"
    )
    ratios = []
    for number, (baseline, orders) in enumerate(rounds, start=1):
        for name, result in (("baseline GET /warehouses/", baseline), ("POST /orders/", orders)):
            print(
                f"  {number}. {name:<26} {result['requests']:>6} requests  "
                f"{result['per_second']:>7.1f}/s  p50 {result['p50_ms']:.1f} ms  "
                f"p95 {result['p95_ms']:.1f} ms  "
                f"statuses {dict(sorted(result['statuses'].items()))}"
            )
        ratios.append(orders["per_second"] / baseline["per_second"])
        print(f"     ratio orders/s ÷ baseline requests/s: {ratios[-1]:.2f}")
    print(f"  ratio orders/s ÷ baseline requests/s (mean of rounds): {statistics.mean(ratios):.2f}")
    created = sum(orders["statuses"].get(201, 0) for _, orders in rounds)
    stored = Order.objects.filter(external_id__startswith=f"{run_id}-", pk__gt=0).count()
    drift = stock_drift()
    print(
        f"  orders stored: {stored} (201s: {created}, warm-up orders: {CLIENTS * 3 * 2}); "
        f"stock_audit: {'clean' if not drift else f'{len(drift)} drift(s)'}"
    )
