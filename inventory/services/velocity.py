"""SKU velocity and ABC classes, recomputed from the ledger's `pick` rows (nightly and on
demand) and stored, so reads (the velocity list, put-away, counts by class) are cheap.

ABC by picks over 90 days, per warehouse: ranked by picks, the SKUs that make the top
`IMS_ABC_A_PERCENT` (80) of the warehouse's picks are A, the next `IMS_ABC_B_PERCENT` (15) B, the
rest C, as is every stocked SKU never picked: a SKU is A while the picks of the SKUs ranked above
it are under A's share (so the SKU that crosses it is A too), then B likewise; ties rank by SKU
id. One set-based statement reads the ledger and writes the rows; no stock row is locked.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from inventory.models import AbcClass, SkuVelocity, StockMovement, WarehouseStock


def abc_thresholds() -> tuple[float, float]:
    """(A's share, A and B's share) of a warehouse's picks, in percent."""
    a = float(getattr(settings, "IMS_ABC_A_PERCENT", 80))
    b = float(getattr(settings, "IMS_ABC_B_PERCENT", 15))
    return a, a + b


_RECOMPUTE_SQL = """
WITH picks AS (
    SELECT sku_id, warehouse_id,
           SUM(CASE WHEN created_at >= %(since_30)s THEN 1 ELSE 0 END) AS p30,
           SUM(CASE WHEN created_at >= %(since_30)s THEN quantity ELSE 0 END) AS u30,
           COUNT(*) AS p90,
           SUM(quantity) AS u90
      FROM {movement}
     WHERE kind = 'pick' AND created_at >= %(since_90)s {in_scope}
     GROUP BY sku_id, warehouse_id
),
pairs AS (
    SELECT sku_id, warehouse_id FROM {stock} WHERE 1 = 1 {in_scope}
    UNION
    SELECT sku_id, warehouse_id FROM picks
),
ranked AS (
    SELECT pairs.sku_id, pairs.warehouse_id,
           COALESCE(picks.p30, 0) AS p30, COALESCE(picks.u30, 0) AS u30,
           COALESCE(picks.p90, 0) AS p90, COALESCE(picks.u90, 0) AS u90,
           COALESCE(SUM(COALESCE(picks.p90, 0)) OVER (
               PARTITION BY pairs.warehouse_id
               ORDER BY COALESCE(picks.p90, 0) DESC, pairs.sku_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
           SUM(COALESCE(picks.p90, 0)) OVER (PARTITION BY pairs.warehouse_id) AS total
      FROM pairs
      LEFT JOIN picks
        ON picks.sku_id = pairs.sku_id AND picks.warehouse_id = pairs.warehouse_id
)
INSERT INTO {velocity}
       (sku_id, warehouse_id, picks_30d, units_30d, picks_90d, units_90d, abc, computed_at)
SELECT sku_id, warehouse_id, p30, u30, p90, u90,
       CASE WHEN p90 = 0 THEN 'C'
            WHEN 100.0 * before < %(a_share)s * total THEN 'A'
            WHEN 100.0 * before < %(b_share)s * total THEN 'B'
            ELSE 'C' END,
       %(now)s
  FROM ranked
 WHERE 1 = 1
    ON CONFLICT (sku_id, warehouse_id) DO UPDATE SET
       picks_30d = excluded.picks_30d, units_30d = excluded.units_30d,
       picks_90d = excluded.picks_90d, units_90d = excluded.units_90d,
       abc = excluded.abc, computed_at = excluded.computed_at
"""


@transaction.atomic
def velocity_recompute(
    *, warehouses: list[int] | None = None, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Recompute the velocity rows of `warehouses` (ids; None: all). Returns how many SKUs are
    in each class. Two statements whatever the number of SKUs: one INSERT ... SELECT that
    aggregates the ledger, ranks each warehouse's SKUs by picks (a window sum of the picks of
    the SKUs ranked above) and upserts every row; one count per class."""
    now = now or timezone.now()
    a_share, b_share = abc_thresholds()
    ops = connection.ops
    params = {
        "since_30": ops.adapt_datetimefield_value(now - datetime.timedelta(days=30)),
        "since_90": ops.adapt_datetimefield_value(now - datetime.timedelta(days=90)),
        "now": ops.adapt_datetimefield_value(now),
        "a_share": a_share,
        "b_share": b_share,
    }
    in_scope = ""
    if warehouses is not None:
        ids = [int(pk) for pk in warehouses] or [0]
        in_scope = f"AND warehouse_id IN ({', '.join(str(pk) for pk in ids)})"
    sql = _RECOMPUTE_SQL.format(
        movement=StockMovement._meta.db_table,
        stock=WarehouseStock._meta.db_table,
        velocity=SkuVelocity._meta.db_table,
        in_scope=in_scope,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    rows = SkuVelocity.objects.filter(computed_at=now)
    if warehouses is not None:
        rows = rows.filter(warehouse_id__in=warehouses)
    counts = {klass.value: 0 for klass in AbcClass}
    for klass, total in rows.values_list("abc").annotate(total=Count("pk")).order_by():
        counts[klass] = total
    return counts
