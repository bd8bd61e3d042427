"""Demo data for replenishment: reorder rules for a share of the stocked SKUs, some with
seasons, some already at their point so the alerts screen has work on it. Made through the
services, so alerts are raised exactly as in use. Called by seed_demo after purchase orders:

    from replenishment.demo import seed_reorder_rules
    seed_reorder_rules(warehouses=[...], skus=[...], rng=random.Random(7))
"""

import random

from inventory.models import Sku, Warehouse, WarehouseStock
from receiving.demo import SUPPLIERS as DEMO_SUPPLIERS
from receiving.models import Supplier
from receiving.services import supplier_create
from replenishment.services import reorder_rule_create

# Month-day seasons a shop would recognise, with a factor on the all-year point and quantity.
SEASONS = [
    ("11-15", "01-06", 2.5),  # the Christmas peak, across the new year
    ("06-01", "08-31", 1.8),  # summer
    ("03-01", "04-15", 1.5),  # spring cleaning
    ("09-01", "09-30", 1.4),  # back to school
]
PACK_SIZES = [None, None, 6, 12, 24]


def _suppliers() -> list[Supplier]:
    """The demo's suppliers (receiving.demo's, made here when this step runs first)."""
    found = []
    for code, name, email in DEMO_SUPPLIERS:
        supplier = Supplier.objects.filter(code=code).first()
        found.append(supplier or supplier_create(code=code, name=name, email=email))
    return found


def seed_reorder_rules(
    *,
    warehouses: list[Warehouse],
    skus: list[Sku],
    rng: random.Random,
    share: float = 0.35,
    seasonal_share: float = 0.25,
    alerting_share: float = 0.12,
) -> int:
    """Rules for about `share` of the SKUs stocked in each warehouse; `seasonal_share` of them
    seasonal; about `alerting_share` with a point at or above today's projected stock (their
    alerts are raised by the rule's creation). Returns how many rules were made."""
    suppliers = _suppliers()
    stocked = {
        (row.sku_id, row.warehouse_id): row.on_hand - row.reserved
        for row in WarehouseStock.objects.filter(
            warehouse__in=warehouses, sku__in=skus, on_hand__gt=0
        )
    }
    by_pk = {sku.pk: sku for sku in skus}
    made = 0
    for warehouse in warehouses:
        keys = sorted(key for key in stocked if key[1] == warehouse.pk)
        for sku_id, _ in rng.sample(keys, round(len(keys) * share)):
            available = stocked[(sku_id, warehouse.pk)]
            if rng.random() < alerting_share:
                point = available + rng.randint(0, 10)
            else:
                point = max(1, round(available * rng.uniform(0.15, 0.4)))
            pack_size = rng.choice(PACK_SIZES)
            quantity = max(point * 2, pack_size or 1)
            seasonal = []
            if rng.random() < seasonal_share:
                start, end, factor = rng.choice(SEASONS)
                seasonal = [
                    {
                        "start": start,
                        "end": end,
                        "reorder_point": round(point * factor),
                        "reorder_quantity": round(quantity * factor),
                    }
                ]
            reorder_rule_create(
                sku=by_pk[sku_id],
                warehouse=warehouse,
                reorder_point=point,
                reorder_quantity=quantity,
                lead_time_days=rng.choice([3, 5, 7, 10, 14, 21]),
                supplier=rng.choice(suppliers),
                pack_size=pack_size,
                seasonal=seasonal,
            )
            made += 1
    return made
