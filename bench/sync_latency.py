"""Channel sync: commit-to-receiver latency with a real qcluster worker (ORM broker and Redis).

For each broker: a `manage.py qcluster` subprocess on the bench database, a webhook channel whose
endpoint is a local HTTP receiver (tests/channels/receivers.py), then CHANGES stock adjustments,
each on its own SKU, paced at ~RATE per second; latency = first arrival of that SKU at the receiver
minus the moment the adjustment committed. Prints p50/p95/max. Then 1,000 back-to-back
adjustments of one hot SKU: how many pushes carried it (coalescing) and how long until the
receiver held the final value. Environment: BENCH_SYNC_CHANGES (default 300), BENCH_SYNC_RATE
(default 50), BENCH_REDIS_URL (default redis://127.0.0.1:6379/15; the Redis run is skipped with a
line when it is unreachable).
"""

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import bench

CHANGES = int(os.environ.get("BENCH_SYNC_CHANGES", "300"))
RATE = float(os.environ.get("BENCH_SYNC_RATE", "50"))
HOT_CHANGES = 1000
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parent.parent


def _worker(redis_url: str | None) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": bench.database_url(), "Q_WORKERS": "4"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _use_broker(redis_url: str | None) -> None:
    from django_q.conf import Conf

    if redis_url:
        import redis

        redis.from_url(redis_url).flushdb()
        Conf.ORM, Conf.REDIS = None, redis_url
    else:
        Conf.ORM, Conf.REDIS = "default", {}


def _arrivals(receiver, since: int = 0) -> dict[str, float]:
    first: dict[str, float] = {}
    for request in receiver.requests[since:]:
        for item in request.json()["items"]:
            first.setdefault(item["sku"], request.at)
    return first


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def scenario(label: str, redis_url: str | None) -> None:
    from channels.services import channel_create, listing_create
    from inventory.models import LocationType
    from inventory.services import location_create, sku_create, stock_adjust, warehouse_create
    from tests.channels.receivers import Receiver

    bench.reset()
    _use_broker(redis_url)
    warehouse = warehouse_create(code="SYNC", name="Sync bench")
    place = location_create(warehouse=warehouse, code="A-01", type=LocationType.BIN)
    skus = [sku_create(code=f"L-{n:04d}", name=f"Latency {n}") for n in range(CHANGES + 1)]
    hot = sku_create(code="HOT", name="Hot SKU")
    with Receiver() as receiver:
        channel = channel_create(
            code="BENCH",
            name="Bench shop",
            endpoint_url=receiver.url + "/hook",
            secret="bench",
            warehouses=[warehouse],
        )
        for sku in [*skus, hot]:
            listing_create(channel=channel, sku=sku, external_id=sku.code)
        proc = _worker(redis_url)
        try:
            # Warm-up: the cluster is up once a first change arrives.
            stock_adjust(sku=skus[0], location=place, quantity=1, reason="warm-up")
            if not _wait(lambda: "L-0000" in _arrivals(receiver), 60):
                print(f"{label}: the worker delivered nothing within 60 s")
                return
            committed: dict[str, float] = {}
            for sku in skus[1:]:
                stock_adjust(sku=sku, location=place, quantity=5, reason="bench")
                committed[sku.code] = time.time()
                time.sleep(1 / RATE)  # pacing, not waiting for a condition
            _wait(lambda: set(committed) <= set(_arrivals(receiver)), 60)
            first = _arrivals(receiver)
            lags = sorted(first[c] - t for c, t in committed.items() if c in first)
            missing = len(committed) - len(lags)
            q = statistics.quantiles(lags, n=100) if len(lags) > 1 else lags * 99
            print(
                f"{label:<6} {len(lags)} changes at ~{RATE:g}/s: p50 {q[49] * 1000:.0f} ms, "
                f"p95 {q[94] * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms"
                + (f", {missing} never arrived" if missing else "")
            )
            before = len(receiver.requests)
            started = time.time()
            for _ in range(HOT_CHANGES):
                stock_adjust(sku=hot, location=place, quantity=1, reason="hot")
            done = time.time()

            def final_value_arrived() -> bool:
                return any(
                    item["sku"] == "HOT" and item["available"] == HOT_CHANGES
                    for r in receiver.requests[before:]
                    for item in r.json()["items"]
                )

            _wait(final_value_arrived, 60)
            pushes = sum(
                1
                for r in receiver.requests[before:]
                if any(item["sku"] == "HOT" for item in r.json()["items"])
            )
            print(
                f"{label:<6} hot SKU: {HOT_CHANGES} changes in {done - started:.1f}s → "
                f"{pushes} pushes; final value at the receiver "
                f"{(receiver.requests[-1].at - done) * 1000:.0f} ms after the last commit"
            )
        finally:
            _stop(proc)


def run() -> None:
    scenario("ORM", None)
    try:
        import redis

        redis.from_url(REDIS_URL).ping()
    except Exception as exc:
        print(f"Redis at {REDIS_URL} unreachable ({exc}); Redis run skipped")
        return
    scenario("Redis", REDIS_URL)
