"""The demo step seed_demo calls: rules for a share of the stocked SKUs, some seasonal, some
already alerting, all made through the services (the ledger stays clean)."""

import random

import pytest

from inventory.audit import stock_drift
from replenishment.demo import seed_reorder_rules
from replenishment.models import ReorderRule, ReplenishmentAlert
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_demo_makes_rules_and_some_alerts(warehouse, places):
    skus = []
    for i in range(60):
        sku = factories.sku(f"DEMO-{i:02}")
        factories.stock(sku, places.bin1, 10 + i)
        skus.append(sku)
    made = seed_reorder_rules(
        warehouses=[warehouse], skus=skus, rng=random.Random(7), alerting_share=0.3
    )
    assert made == ReorderRule.objects.count() == 21  # 35% of 60
    assert ReorderRule.objects.exclude(seasonal=[]).exists()
    assert ReorderRule.objects.filter(supplier__isnull=False).count() == made
    assert ReplenishmentAlert.objects.exists()
    assert stock_drift() == []
