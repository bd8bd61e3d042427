"""Velocity and slotting at scale: velocity_recompute and slotting_recommend, 10x apart.

Two sizes in one run, each seeded from nothing with bulk SQL (INSERT ... SELECT over
generate_series, no ORM rows): small — 10,000 SKUs, 2,000 pickable bins, 100,000 picks; large —
100,000 SKUs, 20,000 bins, 1,000,000 picks (BENCH_ACCURACY_SCALE multiplies both, default 1).
One warehouse per size. Bins have travel cost 1..N and a capacity; in every ten bins along the
walk, six hold one SKU each (slotting's candidates), one is empty and three are mixed, sharing
the remaining SKUs (about fifteen each; slotting leaves mixed bins alone). SKUs are scattered
over the bins without regard to speed. The ledger holds one `pick` row per pick (1-3 units,
from the SKU's bin, spread over the last 90 days, in time order), skewed so that a few SKUs take
most picks (the SKU drawn is N x u^6 for u uniform: the top 1% of SKUs takes about 46% of the
picks).

The stock model is consistent for the services: WarehouseStock.on_hand is the sum of the SKU's
BinStock in bins, no bin holds more than its capacity, nothing is reserved. The ledger does not
explain the balances (there are no receipts or put-aways, only picks), so `stock_audit` would
report drift on this database; the bench does not run it. To seed fast, the seed skips the
foreign-key triggers for its session (its rows refer to rows it has just written) and writes the
picks with the ledger's secondary indexes dropped, rebuilding them afterwards; then VACUUM
ANALYZE, as autovacuum would have by the time a warehouse has such a ledger. Seeding prints its
seconds per step.

Timed, per size, after ANALYZE: velocity_recompute(warehouses=[id]) twice (first run inserts
every velocity row, the second updates them: the nightly case), then
slotting_recommend(warehouses=[id]). Each call runs once, inside CaptureQueriesContext,
which counts its SQL statements. Prints seconds and statements per size, the ratio large/small
of each, and whether the statement count grows with the number of SKUs.
"""

import os
import time
from collections import Counter
from dataclasses import dataclass, field

import bench

SCALE = float(os.environ.get("BENCH_ACCURACY_SCALE", "1"))
SKEW = 6  # the SKU of a pick is floor(N * random() ^ SKEW): a few SKUs take most picks
BINS_PER_ROW = 10  # along the walk, per ten bins: six single-SKU, one empty, three mixed
SINGLE_PER_ROW, EMPTY_PER_ROW = 6, 1
MIXED_CAPACITY = 2000
STRIDE = 7919  # a prime: i -> i * STRIDE mod N scatters SKUs over the bins, whatever their speed


@dataclass(frozen=True)
class Size:
    name: str
    skus: int
    bins: int
    picks: int


@dataclass
class Timing:
    seconds: float
    statements: Counter = field(default_factory=Counter)
    result: object = None

    @property
    def queries(self) -> int:
        return sum(self.statements.values())


SIZES = [
    Size("small", round(10_000 * SCALE), round(2_000 * SCALE / 10) * 10, round(100_000 * SCALE)),
    Size(
        "large", round(100_000 * SCALE), round(20_000 * SCALE / 10) * 10, round(1_000_000 * SCALE)
    ),
]


# Seeding ----------------------------------------------------------------------------------------

SKUS_SQL = """
INSERT INTO inventory_sku (code, name, barcode, lot_tracked, active, created_at)
SELECT 'ACC-' || lpad(n::text, 7, '0'), 'Accuracy bench ' || n, NULL, false, true, now()
FROM generate_series(0, %(skus)s - 1) AS n
"""

# Bin j (0-based) walks travel cost j + 1. Single-SKU and empty bins hold 40..160 units.
BINS_SQL = """
INSERT INTO inventory_location (warehouse_id, parent_id, code, type, path, travel_cost, capacity)
SELECT %(warehouse)s, %(zone)s, 'ACC-' || lpad(j::text, 6, '0'), 'bin',
       %(zone_path)s || 'ACC-' || lpad(j::text, 6, '0') || '/', j + 1,
       CASE WHEN mod(j, %(row)s) >= %(single)s + %(empty)s THEN %(mixed_capacity)s
            ELSE 40 + 20 * mod(j * 3, 7) END
FROM generate_series(0, %(bins)s - 1) AS j
"""

# SKU i takes rank r = i * STRIDE mod N: the first `singles` ranks get a single-SKU bin each,
# the rest are dealt round the mixed bins. Units: 10..120, never more than the bin holds.
BIN_STOCK_SQL = """
INSERT INTO inventory_binstock (sku_id, location_id, lot_id, quantity, updated_at)
SELECT placed.sku_id, bin.id, NULL, least(bin.capacity, 10 + mod(placed.i * 13, 111)), now()
FROM (
    SELECT i, %(sku0)s + i AS sku_id,
           CASE WHEN r < %(singles)s THEN (r / %(single)s) * %(row)s + mod(r, %(single)s)
                ELSE (mod(r - %(singles)s, %(mixed)s) / %(per_mixed_row)s) * %(row)s
                     + %(single)s + %(empty)s + mod(mod(r - %(singles)s, %(mixed)s),
                                                    %(per_mixed_row)s)
           END AS j
    FROM (SELECT i, mod(i * %(stride)s, %(skus)s) AS r
          FROM generate_series(0, %(skus)s - 1) AS i) AS ranked
) AS placed
JOIN inventory_location AS bin
  ON bin.warehouse_id = %(warehouse)s AND bin.type = 'bin' AND bin.travel_cost = placed.j + 1
"""

WAREHOUSE_STOCK_SQL = """
INSERT INTO inventory_warehousestock (sku_id, warehouse_id, on_hand, reserved, updated_at)
SELECT stock.sku_id, bin.warehouse_id, sum(stock.quantity), 0, now()
FROM inventory_binstock AS stock
JOIN inventory_location AS bin ON bin.id = stock.location_id
WHERE bin.warehouse_id = %(warehouse)s AND bin.type = 'bin'
GROUP BY stock.sku_id, bin.warehouse_id
"""

# Every SKU has one bin, so the join keeps one row per pick.
PICKS_SQL = """
INSERT INTO inventory_stockmovement
    (sku_id, warehouse_id, lot_id, quantity, from_location_id, to_location_id, kind, reference,
     actor_id, reason, created_at)
SELECT drawn.sku_id, %(warehouse)s, NULL, drawn.units, stock.location_id, NULL, 'pick',
       'bench', NULL, '', drawn.created_at
FROM (
    SELECT %(sku0)s + floor(%(skus)s * power(random(), %(skew)s))::bigint AS sku_id,
           1 + floor(random() * 3)::int AS units,
           %(now)s - random() * interval '90 days' AS created_at
    FROM generate_series(1, %(picks)s)
) AS drawn
JOIN inventory_binstock AS stock ON stock.sku_id = drawn.sku_id
ORDER BY drawn.created_at
"""

SEEDED_TABLES = (
    "inventory_sku",
    "inventory_location",
    "inventory_binstock",
    "inventory_warehousestock",
    "inventory_stockmovement",
)


LEDGER_INDEXES_SQL = """
SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = current_schema() AND tablename = 'inventory_stockmovement'
  AND indexname NOT IN (SELECT conname FROM pg_constraint
                        WHERE conrelid = 'inventory_stockmovement'::regclass)
"""


def _without_checks(cursor) -> bool:
    """Skip the foreign-key triggers for this session (the seed's rows refer to rows it has just
    written, by construction); False when the role may not (not a superuser)."""
    from django.db import DatabaseError

    try:
        cursor.execute("SET session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def _insert_ledger(cursor, sql: str, params: dict) -> None:
    """Writes the picks with the ledger's secondary indexes dropped, then builds them again:
    maintaining eight indexes row by row takes most of a million-row INSERT. The primary key
    stays; the rebuilt indexes are the ones the migrations made (read back from pg_indexes)."""
    cursor.execute(LEDGER_INDEXES_SQL)
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute("SET work_mem = '256MB'")  # the sort by time, in memory
    cursor.execute("SET maintenance_work_mem = '256MB'")  # each index build, likewise
    try:
        cursor.execute(sql, params)
    finally:
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute("RESET work_mem")
        cursor.execute("RESET maintenance_work_mem")


def _sku_ids(cursor, size: Size) -> int:
    """The first SKU id; the ids must be contiguous so that i -> first + i is a bijection."""
    cursor.execute("SELECT min(id), max(id), count(*) FROM inventory_sku")
    first, last, count = cursor.fetchone()
    if count != size.skus or last - first + 1 != count:
        raise RuntimeError(f"SKU ids are not contiguous: {first}..{last} for {count} rows")
    return first


def _params(size: Size, *, warehouse: int, zone, now) -> dict:
    per_mixed_row = BINS_PER_ROW - SINGLE_PER_ROW - EMPTY_PER_ROW
    return {
        "skus": size.skus,
        "bins": size.bins,
        "picks": size.picks,
        "warehouse": warehouse,
        "zone": zone.pk,
        "zone_path": zone.path,
        "row": BINS_PER_ROW,
        "single": SINGLE_PER_ROW,
        "empty": EMPTY_PER_ROW,
        "per_mixed_row": per_mixed_row,
        "singles": min(size.bins // BINS_PER_ROW * SINGLE_PER_ROW, size.skus),
        "mixed": size.bins // BINS_PER_ROW * per_mixed_row,
        "mixed_capacity": MIXED_CAPACITY,
        "stride": STRIDE,
        "skew": SKEW,
        "now": now,
    }


def seed(size: Size):
    """An empty database, then one warehouse of `size`. Returns (warehouse, now, steps), steps
    being (name, seconds) of each statement."""
    from django.db import connection
    from django.utils import timezone

    from inventory.models import LocationType
    from inventory.services import location_create, warehouse_create

    bench.reset()
    now = timezone.now()
    warehouse = warehouse_create(code=f"ACC-{size.name.upper()}", name=f"Accuracy {size.name}")
    zone = location_create(warehouse=warehouse, code="A", type=LocationType.ZONE)
    location_create(warehouse=warehouse, code="DOCK", type=LocationType.DOCK)
    location_create(warehouse=warehouse, code="PACK", type=LocationType.PACKING)
    params = _params(size, warehouse=warehouse.pk, zone=zone, now=now)
    steps = []
    # Autocommit: each statement commits on its own (where the foreign-key triggers do run, they
    # check per statement rather than pile up for one huge commit).
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        unchecked = _without_checks(cursor)
        try:
            for name, sql in (
                ("skus", SKUS_SQL),
                ("bins", BINS_SQL),
                ("bin stock", BIN_STOCK_SQL),
                ("warehouse stock", WAREHOUSE_STOCK_SQL),
                ("picks", PICKS_SQL),
            ):
                started = time.perf_counter()
                if name == "bin stock":
                    params["sku0"] = _sku_ids(cursor, size)
                if name == "picks":
                    _insert_ledger(cursor, sql, params)
                else:
                    cursor.execute(sql, params)
                steps.append((name, time.perf_counter() - started))
        finally:
            if unchecked:
                cursor.execute("RESET session_replication_role")
        started = time.perf_counter()
        # What autovacuum would have done by the time a warehouse has this ledger: statistics
        # for the planner and a visibility map.
        cursor.execute(f"VACUUM ANALYZE {', '.join(SEEDED_TABLES)}")
        steps.append(("vacuum analyze", time.perf_counter() - started))
    return warehouse, now, steps


def describe(warehouse) -> str:
    """What was seeded, counted from the database, and how skewed the picks are."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM inventory_sku),
                   (SELECT count(*) FROM inventory_location WHERE type = 'bin'),
                   (SELECT count(*) FROM inventory_binstock),
                   (SELECT count(*) FROM inventory_stockmovement WHERE kind = 'pick'),
                   (SELECT count(DISTINCT sku_id) FROM inventory_stockmovement),
                   (SELECT count(*) FROM inventory_location AS bin WHERE type = 'bin'
                      AND (SELECT count(*) FROM inventory_binstock
                           WHERE location_id = bin.id) = 1)
            """
        )
        skus, bins, stock, picks, picked, single = cursor.fetchone()
        cursor.execute(
            """
            SELECT coalesce(sum(n) FILTER (WHERE rank <= %(top)s), 0)::float / sum(n)
            FROM (SELECT count(*) AS n, row_number() OVER (ORDER BY count(*) DESC) AS rank
                  FROM inventory_stockmovement GROUP BY sku_id) AS per_sku
            """,
            {"top": max(1, skus // 100)},
        )
        [top_share] = cursor.fetchone()
    return (
        f"{skus:,} SKUs, {bins:,} bins ({single:,} holding one SKU), {stock:,} bin stock rows, "
        f"{picks:,} picks of {picked:,} SKUs; the top 1% of SKUs take {top_share:.0%} of picks"
    )


# Timing -----------------------------------------------------------------------------------------


def timed(call) -> Timing:
    """One call, its seconds and its SQL statements by verb (BEGIN/COMMIT aside)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    verbs = Counter(query["sql"].split(None, 1)[0].upper() for query in captured.captured_queries)
    for verb in ("BEGIN", "COMMIT"):
        verbs.pop(verb, None)
    return Timing(seconds=seconds, statements=verbs, result=result)


def measure(warehouse, now) -> dict[str, Timing]:
    from inventory.services.slotting import slotting_recommend
    from inventory.services.velocity import velocity_recompute

    ids = [warehouse.pk]
    timings = {
        "velocity_recompute": timed(lambda: velocity_recompute(warehouses=ids, now=now)),
        "velocity_recompute (again)": timed(lambda: velocity_recompute(warehouses=ids, now=now)),
        "slotting_recommend": timed(lambda: slotting_recommend(warehouses=ids, now=now)),
    }
    return timings


# Report -----------------------------------------------------------------------------------------


def _verbs(statements: Counter) -> str:
    return ", ".join(f"{n} {verb}" for verb, n in sorted(statements.items()))


def report(sizes: list[Size], seeded: dict, results: dict) -> None:
    small, large = sizes
    print(
        f"\n{'':<28}{small.name + ' s':>10}{'queries':>9}{large.name + ' s':>10}{'queries':>9}"
        f"{'time ratio':>12}{'query ratio':>13}"
    )
    seed_small, seed_large = (sum(s for _, s in seeded[size.name]) for size in sizes)
    print(
        f"{'seed (bulk SQL)':<28}{seed_small:>10.2f}{'':>9}{seed_large:>10.2f}{'':>9}"
        f"{seed_large / seed_small:>12.1f}{'':>13}"
    )
    for operation, low in results[small.name].items():
        high = results[large.name][operation]
        print(
            f"{operation:<28}{low.seconds:>10.2f}{low.queries:>9}{high.seconds:>10.2f}"
            f"{high.queries:>9}{high.seconds / low.seconds:>12.1f}"
            f"{high.queries / low.queries:>13.2f}"
        )
    print(f"\nSKUs x{large.skus / small.skus:g} between the sizes. Statements per call:")
    for operation, low in results[small.name].items():
        high = results[large.name][operation]
        verdict = (
            "constant" if low.statements == high.statements else "GROWS with the number of SKUs"
        )
        print(
            f"  {operation}: {verdict} — {small.name}: {_verbs(low.statements)}; "
            f"{large.name}: {_verbs(high.statements)}"
        )
    for size in sizes:
        steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in seeded[size.name])
        print(f"seeding {size.name}: {steps}")
    for size in sizes:
        returned = {op: timing.result for op, timing in results[size.name].items()}
        print(f"returned ({size.name}): {returned}")


def run() -> None:
    seeded, results = {}, {}
    for size in SIZES:
        warehouse, now, steps = seed(size)
        seeded[size.name] = steps
        print(
            f"{size.name}: seeded in {sum(s for _, s in steps):.1f}s: {describe(warehouse)}",
            flush=True,
        )
        results[size.name] = measure(warehouse, now)
    report(SIZES, seeded, results)
