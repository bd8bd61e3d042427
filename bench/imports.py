"""Bulk import: ours against django-import-export's plain path and raw COPY + merge (the floor).

One run, one PostgreSQL server, the same files:

- SKUs: a 100,000-row CSV (code, name, barcode, lot_tracked, active), first into an empty
  table (new rows), then the same file with every name changed (updates).
  - ours, end to end as the worker runs it, "upload to rows committed": import_job_submit
    inside a committed transaction (preflight, the job row holding the file, the django-q2 task
    enqueued on commit: the file is over IMPORT_INLINE_MAX_ROWS), then import_job_run — the
    task's body — until its transaction commits;
  - plain: a bare `resources.ModelResource` for Sku (import_id_fields = code),
    `import_data(dataset, dry_run=False, use_transactions=True)` on a tablib Dataset read from
    the CSV (import_export needs no INSTALLED_APPS entry or settings for this). It runs at a
    few hundred rows a second, so it is timed on the first BENCH_PLAIN_ROWS rows
    (`--plain-rows N`, default 20,000) and compared by rows/s; its updates run against the
    full 100,000-row table;
  - floor: psycopg COPY of the file's bytes into a temporary table, then one INSERT ... SELECT
    ... ON CONFLICT (code) DO UPDATE, one transaction.
- Opening stock: 100,000 rows (sku, warehouse, location, quantity: every SKU once, over
  BINS bins of one warehouse) onto empty shelves: ours (the `stock` kind, through the stock
  engine's bulk path, ledger included) against a plain `resources.Resource` whose save calls
  inventory.services.stock_adjust per row, timed on the first BENCH_PLAIN_STOCK_ROWS rows
  (`--plain-stock-rows N`, default 5,000) and compared by rows/s.

Before each timed pass the tables start as the pass expects (emptied by `bench.reset()` and
seeded by COPY where needed) and ANALYZE has run on them, as autovacuum would have soon after
such a load. Peak memory of our import is measured in a separate pass of each case (tracemalloc,
Python allocations, which slows the pass: its time is not reported).

Prints rows/s of each, our ratio to the plain path and to the floor, and the targets (ours at
least 20x plain and 0.3x the floor for new rows and updates; opening stock 10x plain).
"""

import os
import sys
import time
import tracemalloc
from dataclasses import dataclass

import bench

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
PLAIN_ROWS = int(os.environ.get("BENCH_PLAIN_ROWS", "20000"))
# stock_adjust per row runs at a few dozen rows a second: 5,000 rows already take minutes
PLAIN_STOCK_ROWS = int(os.environ.get("BENCH_PLAIN_STOCK_ROWS", "5000"))
BINS = 2500  # 100,000 SKUs over 2,500 bins: 40 SKUs a bin
WAREHOUSE = "IMP"
SKU_HEADER = "code,name,barcode,lot_tracked,active"
TARGETS = {"plain": 20.0, "floor": 0.3, "stock": 10.0}

FLOOR_STAGE = """
CREATE TEMPORARY TABLE floor_stage
    (code text, name text, barcode text, lot_tracked boolean, active boolean) ON COMMIT DROP
"""
FLOOR_MERGE = """
INSERT INTO inventory_sku (code, name, barcode, lot_tracked, active, created_at)
SELECT code, name, NULLIF(barcode, ''), lot_tracked, active, now() FROM floor_stage
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, barcode = EXCLUDED.barcode,
    lot_tracked = EXCLUDED.lot_tracked, active = EXCLUDED.active
"""
BINS_SQL = """
INSERT INTO inventory_location (warehouse_id, parent_id, code, type, path, travel_cost, capacity)
SELECT %(warehouse)s, %(zone)s, 'B-' || lpad(j::text, 5, '0'), 'bin',
       %(zone_path)s || 'B-' || lpad(j::text, 5, '0') || '/', j + 1, NULL
FROM generate_series(0, %(bins)s - 1) AS j
"""


@dataclass
class Pass:
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def _option(argv: list[str], name: str, default: int) -> int:
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return int(argv[index + 1])
        if arg.startswith(f"{name}="):
            return int(arg.split("=", 1)[1])
    return default


# Files -------------------------------------------------------------------------------------------


def sku_csv(rows: int, *, word: str = "Imported") -> bytes:
    lines = [SKU_HEADER]
    lines += [f"IMP-{n:07d},{word} SKU {n},{2_000_000_000_000 + n},false,true" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def stock_csv(rows: int) -> bytes:
    lines = ["sku,warehouse,location,quantity"]
    lines += [f"IMP-{n:07d},{WAREHOUSE},B-{n % BINS:05d},{1 + n % 50}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


# Database state ----------------------------------------------------------------------------------


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _count(table: str, where: str = "TRUE") -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {where}")
        return cursor.fetchone()[0]


def empty() -> None:
    bench.reset()
    _analyze()


def catalog_loaded(*, word: str = "Imported") -> None:
    """Every SKU of the file in the table (loaded by the floor's COPY, untimed)."""
    floor(sku_csv(ROWS, word=word))
    _analyze()


def shelves() -> None:
    """Empty tables, then the catalog and one warehouse of BINS empty bins."""
    from django.db import connection

    from inventory.models import LocationType
    from inventory.services import location_create, warehouse_create

    bench.reset()
    floor(sku_csv(ROWS))
    warehouse = warehouse_create(code=WAREHOUSE, name="Import bench")
    zone = location_create(warehouse=warehouse, code="Z", type=LocationType.ZONE)
    params = {"warehouse": warehouse.pk, "zone": zone.pk, "zone_path": zone.path, "bins": BINS}
    with connection.cursor() as cursor:
        cursor.execute(BINS_SQL, params)
    _analyze()


# The three paths ---------------------------------------------------------------------------------


def ours(kind: str, content: bytes, rows: int) -> Pass:
    """Upload to rows committed, as the worker runs a large file."""
    from django.db import transaction

    from inventory.imports.jobs import import_job_run, import_job_submit
    from inventory.models import ImportStatus

    started = time.perf_counter()
    with transaction.atomic():
        job = import_job_submit(kind=kind, file_name=f"{kind}.csv", content=content)
    job = import_job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    if job.status != ImportStatus.SUCCEEDED or job.rows_total != rows:
        raise RuntimeError(f"our {kind} import: {job.status}, {job.rows_total} rows, {job.errors}")
    return Pass(rows, seconds)


def ours_peak(kind: str, content: bytes, rows: int) -> int:
    """Peak Python memory of our import, in bytes (tracemalloc: a pass of its own)."""
    tracemalloc.start()
    try:
        ours(kind, content, rows)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def plain(resource, content: bytes, rows: int) -> Pass:
    import tablib

    started = time.perf_counter()
    dataset = tablib.Dataset().load(content.decode(), format="csv")
    result = resource.import_data(dataset, dry_run=False, use_transactions=True)
    seconds = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        failed = result.invalid_rows[:1] or [row.errors for row in result.rows if row.errors][:1]
        raise RuntimeError(f"plain import of {type(resource).__name__} failed: {failed}")
    return Pass(rows, seconds)


def floor(content: bytes) -> Pass:
    """COPY into a staging table and one merge, over psycopg: the least any import can do."""
    import psycopg

    with psycopg.connect(bench.database_url()) as conn:
        started = time.perf_counter()
        with conn.cursor() as cursor:
            cursor.execute(FLOOR_STAGE)
            with cursor.copy("COPY floor_stage FROM STDIN WITH (FORMAT csv, HEADER true)") as cp:
                cp.write(content)
            cursor.execute(FLOOR_MERGE)
            rows = cursor.rowcount
        conn.commit()
        return Pass(rows, time.perf_counter() - started)


# The plain resources -----------------------------------------------------------------------------


def plain_sku_resource():
    from import_export import resources

    from inventory.models import Sku

    class SkuResource(resources.ModelResource):
        class Meta:
            model = Sku
            fields = ("code", "name", "barcode", "lot_tracked", "active")
            import_id_fields = ("code",)

    return SkuResource()


def plain_stock_resource():
    """Opening stock the plain way: each row's codes looked up, then stock_adjust per row."""
    from import_export import resources, widgets
    from import_export.fields import Field
    from import_export.instance_loaders import BaseInstanceLoader

    from inventory.models import Location, Sku, Warehouse
    from inventory.services import stock_adjust

    class LocationWidget(widgets.ForeignKeyWidget):
        def get_queryset(self, value, row, *args, **kwargs):
            return Location.objects.select_related("warehouse").filter(
                warehouse__code=row["warehouse"]
            )

    class Line:
        sku = warehouse = location = quantity = None

    class OpeningStockResource(resources.Resource):
        sku = Field("sku", "sku", widget=widgets.ForeignKeyWidget(Sku, field="code"))
        warehouse = Field(
            "warehouse", "warehouse", widget=widgets.ForeignKeyWidget(Warehouse, field="code")
        )
        location = Field("location", "location", widget=LocationWidget(Location, field="code"))
        quantity = Field("quantity", "quantity", widget=widgets.IntegerWidget())

        class Meta:
            force_init_instance = True
            instance_loader_class = BaseInstanceLoader

        def init_instance(self, row=None):
            return Line()

        def do_instance_save(self, instance, is_create):
            stock_adjust(
                sku=instance.sku,
                location=instance.location,
                quantity=instance.quantity,
                reason="opening stock",
                reference="plain bench",
            )

    return OpeningStockResource()


# Runs --------------------------------------------------------------------------------------------


def skus(plain_rows: int) -> dict:
    new, renamed = sku_csv(ROWS), sku_csv(ROWS, word="Renamed")
    results: dict = {}
    empty()
    results["floor new"] = floor(new)
    _analyze()
    results["floor update"] = floor(renamed)
    empty()
    results["ours new"] = ours("skus", new, ROWS)
    _analyze()
    results["ours update"] = ours("skus", renamed, ROWS)
    assert _count("inventory_sku", "name LIKE 'Renamed %'") == ROWS
    empty()
    resource = plain_sku_resource()
    results["plain new"] = plain(resource, sku_csv(plain_rows), plain_rows)
    catalog_loaded()
    results["plain update"] = plain(resource, sku_csv(plain_rows, word="Renamed"), plain_rows)
    empty()
    results["peak new"] = ours_peak("skus", new, ROWS)
    _analyze()
    results["peak update"] = ours_peak("skus", renamed, ROWS)
    return results


def stock(plain_rows: int) -> dict:
    """Opening stock onto empty shelves: ours, the plain path, then ours again for its peak."""
    results: dict = {}
    shelves()
    results["ours"] = ours("stock", stock_csv(ROWS), ROWS)
    ledger = _count("inventory_stockmovement")
    if ledger != ROWS:
        raise RuntimeError(f"our opening stock wrote {ledger} ledger rows for {ROWS} rows")
    shelves()
    results["plain"] = plain(plain_stock_resource(), stock_csv(plain_rows), plain_rows)
    shelves()
    results["peak"] = ours_peak("stock", stock_csv(ROWS), ROWS)
    return results


def stock_kind_ready() -> bool:
    from inventory.imports import import_kinds

    return "stock" in import_kinds()


# Report ------------------------------------------------------------------------------------------


def _verdict(ratio: float, target: float) -> str:
    return f"{ratio:6.1f}x (target {target:g}x: {'met' if ratio >= target else 'MISSED'})"


def report_skus(results: dict, plain_rows: int) -> None:
    print(f"\nSKUs, {ROWS:,} rows; plain timed on the first {plain_rows:,} rows (by rows/s)")
    print(f"{'':<16}{'rows':>9}{'seconds':>9}{'rows/s':>10}")
    for name in ("ours", "plain", "floor"):
        for phase in ("new", "update"):
            timing = results[f"{name} {phase}"]
            print(
                f"{name + ' ' + phase:<16}{timing.rows:>9,}{timing.seconds:>9.2f}"
                f"{timing.rate:>10,.0f}"
            )
    for phase in ("new", "update"):
        ours_rate = results[f"ours {phase}"].rate
        to_plain = ours_rate / results[f"plain {phase}"].rate
        to_floor = ours_rate / results[f"floor {phase}"].rate
        print(
            f"ours/plain {phase:<7}{_verdict(to_plain, TARGETS['plain'])}   "
            f"ours/floor {phase:<7}{_verdict(to_floor, TARGETS['floor'])}"
        )
    for phase in ("new", "update"):
        peak = results[f"peak {phase}"] / 2**20
        print(f"peak Python memory of ours, {phase}: {peak:.1f} MiB (tracemalloc, its own pass)")


def report_stock(results: dict, plain_rows: int) -> None:
    print(
        f"\nOpening stock, {ROWS:,} rows over {BINS:,} bins; plain (stock_adjust per row) timed "
        f"on the first {plain_rows:,} rows (by rows/s)"
    )
    for name in ("ours", "plain"):
        timing = results[name]
        print(f"{name:<16}{timing.rows:>9,}{timing.seconds:>9.2f}{timing.rate:>10,.0f}")
    ratio = results["ours"].rate / results["plain"].rate
    print(f"ours/plain      {_verdict(ratio, TARGETS['stock'])}")
    print(f"peak Python memory of ours: {results['peak'] / 2**20:.1f} MiB (tracemalloc)")


def run(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    plain_rows = min(ROWS, _option(argv, "--plain-rows", PLAIN_ROWS))
    plain_stock_rows = min(ROWS, _option(argv, "--plain-stock-rows", PLAIN_STOCK_ROWS))
    report_skus(skus(plain_rows), plain_rows)
    if stock_kind_ready():
        report_stock(stock(plain_stock_rows), plain_stock_rows)
    else:
        print("\nOpening stock: the `stock` import kind is not registered; skipped.")
    print(f"\nprocess peak RSS: {_maxrss_mib():.0f} MiB (ru_maxrss, the whole bench)")


def _maxrss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
