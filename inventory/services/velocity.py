"""SKU velocity and ABC classes, recomputed from the ledger's `pick` rows (nightly and on
demand) and stored, so reads (the velocity list, put-away, counts by class) are cheap.

ABC by picks over 90 days, per warehouse: ranked by picks, the SKUs that make the top
`IMS_ABC_A_PERCENT` (80) of the warehouse's picks are A, the next `IMS_ABC_B_PERCENT` (15) B, the
rest C, as is every stocked SKU never picked. One aggregate query reads the ledger; one upsert
writes the rows; no stock row is locked.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from inventory.models import AbcClass, MovementKind, SkuVelocity, StockMovement, WarehouseStock

Key = tuple[int, int]  # (sku_id, warehouse_id)


def abc_thresholds() -> tuple[float, float]:
    """(A's share, A and B's share) of a warehouse's picks, in percent."""
    a = float(getattr(settings, "IMS_ABC_A_PERCENT", 80))
    b = float(getattr(settings, "IMS_ABC_B_PERCENT", 15))
    return a, a + b


@transaction.atomic
def velocity_recompute(
    *, warehouses: list[int] | None = None, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Recompute the velocity rows of `warehouses` (ids; None: all). Returns how many SKUs are
    in each class."""
    now = now or timezone.now()
    since_30, since_90 = now - datetime.timedelta(days=30), now - datetime.timedelta(days=90)
    picks = StockMovement.objects.filter(kind=MovementKind.PICK, created_at__gte=since_90)
    stocked = WarehouseStock.objects.all()
    if warehouses is not None:
        picks = picks.filter(warehouse_id__in=warehouses)
        stocked = stocked.filter(warehouse_id__in=warehouses)
    recent = Q(created_at__gte=since_30)
    figures: dict[Key, tuple[int, int, int, int]] = dict.fromkeys(
        stocked.values_list("sku_id", "warehouse_id"), (0, 0, 0, 0)
    )
    for sku_id, warehouse_id, p30, u30, p90, u90 in (
        picks.values_list("sku_id", "warehouse_id")
        .annotate(
            p30=Count("pk", filter=recent),
            u30=Sum("quantity", filter=recent, default=0),
            p90=Count("pk"),
            u90=Sum("quantity", default=0),
        )
        .order_by()
    ):
        figures[(sku_id, warehouse_id)] = (p30, u30, p90, u90)
    classes = _classes(figures)
    rows = [
        SkuVelocity(
            sku_id=sku_id,
            warehouse_id=warehouse_id,
            picks_30d=p30,
            units_30d=u30,
            picks_90d=p90,
            units_90d=u90,
            abc=classes[(sku_id, warehouse_id)],
            computed_at=now,
        )
        for (sku_id, warehouse_id), (p30, u30, p90, u90) in sorted(figures.items())
    ]
    SkuVelocity.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["sku", "warehouse"],
        update_fields=["picks_30d", "units_30d", "picks_90d", "units_90d", "abc", "computed_at"],
        batch_size=1000,
    )
    counts = {klass.value: 0 for klass in AbcClass}
    for klass in classes.values():
        counts[klass] += 1
    return counts


def _classes(figures: dict[Key, tuple[int, int, int, int]]) -> dict[Key, str]:
    """ABC per warehouse by 90-day picks: a SKU is A while the picks of the SKUs ranked above
    it are under A's share (so the SKU that crosses it is A too), then B likewise, then C."""
    a_share, b_share = abc_thresholds()
    by_warehouse: dict[int, list[tuple[int, Key]]] = defaultdict(list)
    for key, (_, _, picks, _) in figures.items():
        by_warehouse[key[1]].append((picks, key))
    classes: dict[Key, str] = {}
    for ranked in by_warehouse.values():
        total = sum(picks for picks, _ in ranked)
        before = 0
        for picks, key in sorted(ranked, key=lambda item: (-item[0], item[1])):
            share = 100 * before / total if total else 100
            if not picks:
                classes[key] = AbcClass.C
            elif share < a_share:
                classes[key] = AbcClass.A
            elif share < b_share:
                classes[key] = AbcClass.B
            else:
                classes[key] = AbcClass.C
            before += picks
    return classes
