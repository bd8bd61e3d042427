"""Reservation throughput: stock_reserve against raw SQL of the same shape.

Two scenarios, each run by the service and by the raw baseline with the same threads for the same
time: every thread reserving 1 unit of one hot SKU (all contend for one WarehouseStock row), and
every thread reserving 1 unit of one of 1,000 SKUs chosen at random. The raw baseline is what the
service writes, hand-coded over psycopg: the conditional UPDATE of the warehouse row and the INSERT
of the reservation, in one transaction (autocommit off).

The two target rows (hot SKU, 1,000 SKUs) use SKUs that nothing listens to, so both sides do the
same work: the service's availability hook still runs its lookup (riding along in the INSERT
statement on PostgreSQL) and finds nothing. Two more rows show the hook doing real work, against
the same raw baseline (which does none of it, so those ratios are not the target): 1,000 other
SKUs of which one in ten is listed on an active channel (each reservation writes an outbox row
and enqueues a sync task after commit; no cluster runs, so tasks wait in the broker's table) and
another one in ten has a reorder rule (each reservation reads the projected figures and decides;
the point is far below stock, so no alert is raised); and a hot SKU that is listed and has a rule.
"""

import contextlib
import random
import re
import threading
import time
from collections.abc import Callable

import bench

SPREAD_SKUS = 1000
LISTENED_EVERY = 10  # one SKU in ten listed on a channel, another one in ten with a reorder rule
UNITS = 10_000_000  # never runs out: every attempt is a reservation

RAW_RESERVE = """
UPDATE inventory_warehousestock
   SET reserved = reserved + %(quantity)s, updated_at = now()
 WHERE sku_id = %(sku)s AND warehouse_id = %(warehouse)s AND on_hand >= reserved + %(quantity)s
"""
RAW_INSERT = """
INSERT INTO inventory_reservation
       (sku_id, warehouse_id, quantity, original_quantity, reference, status, expires_at,
        created_at, updated_at)
VALUES (%(sku)s, %(warehouse)s, %(quantity)s, %(quantity)s, %(reference)s, 'open', NULL,
        now(), now())
RETURNING id
"""


def seed():
    """One warehouse with one bin; a hot SKU, a hot SKU with listeners, 1,000 SKUs without and
    1,000 with some, stocked through the services; a channel sells from the warehouse."""
    from channels.services import channel_create, listing_create
    from inventory.models import LocationType
    from inventory.services import location_create, sku_create, stock_receive, warehouse_create
    from replenishment.services import reorder_rule_create

    bench.reset()
    warehouse = warehouse_create(code="BENCH", name="Bench warehouse")
    zone = location_create(warehouse=warehouse, code="A", type=LocationType.ZONE)
    bin_ = location_create(warehouse=warehouse, code="A-01", parent=zone)
    skus = [sku_create(code=f"B-{n:04d}", name=f"Bench {n}") for n in range(2 * SPREAD_SKUS + 2)]
    for sku in skus:
        stock_receive(sku=sku, location=bin_, quantity=UNITS)
    # Nothing delivers in the bench (no cluster runs): the tasks wait in the broker's table.
    channel = channel_create(
        code="BENCH",
        name="Bench shop",
        endpoint_url="http://127.0.0.1:9/hook",
        warehouses=[warehouse],
    )
    hot, hot_listened = skus[0], skus[1]
    quiet, mixed = skus[2 : 2 + SPREAD_SKUS], skus[2 + SPREAD_SKUS :]
    with_listing = [hot_listened, *mixed[::LISTENED_EVERY]]
    with_rule = [hot_listened, *mixed[LISTENED_EVERY // 2 :: LISTENED_EVERY]]
    for sku in with_listing:
        listing_create(channel=channel, sku=sku, external_id=sku.code)
    for sku in with_rule:
        reorder_rule_create(sku=sku, warehouse=warehouse, reorder_point=1000, reorder_quantity=1000)
    return warehouse, hot, hot_listened, quiet, mixed


def measure(make_worker: Callable[[int], tuple[Callable, Callable, Callable]]) -> float:
    """Reservations per second: THREADS workers, each (prepare, reserve_one, finish), started
    together by a barrier once every connection is open, stopped after SECONDS."""
    barrier = threading.Barrier(bench.THREADS + 1)
    counts = [0] * bench.THREADS
    errors: list[BaseException] = []
    ended = [0.0] * bench.THREADS

    def run(index: int) -> None:
        prepare, reserve_one, finish = make_worker(index)
        try:
            prepare()
            barrier.wait()
            deadline = time.perf_counter() + bench.SECONDS
            done = 0
            while time.perf_counter() < deadline:
                reserve_one(done)
                done += 1
            counts[index] = done
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            ended[index] = time.perf_counter()
            finish()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(bench.THREADS)]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a worker failed: raised below
        barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(counts) / (max(ended) - started)


def service_worker(warehouse, pick_sku: Callable[[random.Random], object]):
    from django.db import connection

    from inventory.services import ReserveLine, stock_reserve

    def make(index: int):
        rng = random.Random(index)

        def reserve_one(n: int) -> None:
            line = ReserveLine(pick_sku(rng), warehouse, 1)
            stock_reserve(lines=[line], reference=f"svc-{index}-{n}")

        return connection.ensure_connection, reserve_one, connection.close

    return make


def raw_worker(warehouse, pick_sku: Callable[[random.Random], object]):
    import psycopg

    def make(index: int):
        rng = random.Random(index)
        state = {}

        def prepare() -> None:
            state["conn"] = psycopg.connect(bench.database_url())  # autocommit off

        def reserve_one(n: int) -> None:
            conn = state["conn"]
            params = {
                "sku": pick_sku(rng).pk,
                "warehouse": warehouse.pk,
                "quantity": 1,
                "reference": f"raw-{index}-{n}",
            }
            with conn.cursor() as cursor:
                cursor.execute(RAW_RESERVE, params)
                if cursor.rowcount != 1:
                    conn.rollback()
                    raise RuntimeError("the raw baseline ran out of stock")
                cursor.execute(RAW_INSERT, params)
                cursor.fetchone()
            conn.commit()

        def finish() -> None:
            if "conn" in state:
                state["conn"].close()

        return prepare, reserve_one, finish

    return make


def statements_per_reservation(warehouse, sku) -> list[str]:
    """What one single-line stock_reserve sends, BEGIN and COMMIT aside: verb and table, and for
    a statement with a WITH, what each of its parts writes or reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory.services import ReserveLine, stock_reserve

    with CaptureQueriesContext(connection) as captured:
        stock_reserve(lines=[ReserveLine(sku, warehouse, 1)], reference="count")
    statements = []
    for query in captured.captured_queries:
        sql = query["sql"].replace('"', "")
        verb = sql.split()[0]
        if verb in ("BEGIN", "COMMIT"):
            continue
        # The tables a statement writes or reads; subqueries name theirs with an alias (U0...).
        tables = re.findall(r"(UPDATE|INSERT INTO|FROM|JOIN) (\w+)(?! U\d)(?:\s|$)", sql)
        tables = [table for _, table in tables if table != "inserted"]
        if verb == "WITH":
            statements.append(f"WITH (INSERT {tables[0]}) SELECT {', '.join(tables[1:])}")
        else:
            statements.append(f"{verb} {tables[0] if tables else '?'}")
    return statements


def cpu_per_call(call: Callable[[int], None], calls: int = 200) -> float:
    """Milliseconds of this process's CPU per call, on one thread (nothing else running)."""
    for n in range(10):
        call(n)
    started = time.process_time()
    for n in range(calls):
        call(n)
    return (time.process_time() - started) / calls * 1000


def cpu_breakdown(warehouse, sku) -> str:
    from inventory.events import availability_changed
    from inventory.services import ReserveLine, stock_reserve

    service = cpu_per_call(
        lambda n: stock_reserve(lines=[ReserveLine(sku, warehouse, 1)], reference=f"cpu-{n}")
    )
    hook = cpu_per_call(lambda n: availability_changed(sku=sku, warehouse=warehouse))
    prepare, reserve_one, finish = raw_worker(warehouse, lambda rng: sku)(0)
    prepare()
    try:
        raw = cpu_per_call(reserve_one)
    finally:
        finish()
    return (
        f"client CPU per reservation of a SKU without listeners (one thread): stock_reserve "
        f"{service:.2f} ms, raw SQL {raw:.2f} ms; the availability_changed hook, called alone "
        f"(its own query), {hook:.2f} ms"
    )


def run() -> None:
    from inventory.audit import stock_drift

    warehouse, hot, hot_listened, quiet, mixed = seed()
    scenarios = {
        "one hot SKU": lambda rng: hot,
        f"{SPREAD_SKUS:,} SKUs at random": lambda rng: rng.choice(quiet),
        f"({SPREAD_SKUS:,} SKUs, 1 in 5 listened)": lambda rng: rng.choice(mixed),
    }
    print(f"{bench.THREADS} threads, {bench.SECONDS:g}s per run")
    print(f"{'scenario':<36}{'service/s':>12}{'raw SQL/s':>12}{'ratio':>8}")
    hot_raw = 0.0
    for name, pick_sku in scenarios.items():
        service = measure(service_worker(warehouse, pick_sku))
        raw = measure(raw_worker(warehouse, pick_sku))
        hot_raw = hot_raw or raw
        print(f"{name:<36}{service:>12,.0f}{raw:>12,.0f}{service / raw:>8.2f}")
    service = measure(service_worker(warehouse, lambda rng: hot_listened))
    name = "(hot SKU, listed, with a rule)"
    print(f"{name:<36}{service:>12,.0f}{'':>12}{service / hot_raw:>8.2f}")
    print("rows in brackets: the hook does real work the raw baseline doesn't (not the target)")
    print(
        "stock_reserve of one line sends: "
        + "; ".join(statements_per_reservation(warehouse, quiet[0]))
    )
    print("the raw baseline sends: UPDATE inventory_warehousestock; INSERT inventory_reservation")
    print(cpu_breakdown(warehouse, quiet[0]))
    drift = stock_drift()
    print("books balance after the runs" if not drift else f"DRIFT: {len(drift)} balances")
