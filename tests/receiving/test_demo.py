"""The receiving demo data: every state present, the books balanced (checked after the test)."""

import random

from receiving.demo import seed_purchase_orders
from receiving.models import Discrepancy, PurchaseOrder, PutawayTask, Supplier
from tests import factories


def test_seed_purchase_orders_covers_every_state(warehouse, places, user):
    skus = [factories.sku() for _ in range(6)] + [factories.sku(lot_tracked=True) for _ in range(3)]
    bare = factories.warehouse()  # no dock: only the POs that need no receipt
    made = seed_purchase_orders(
        warehouses=[warehouse, bare], skus=skus, actor=user, rng=random.Random(3)
    )
    statuses = set(
        PurchaseOrder.objects.filter(warehouse=warehouse).values_list("status", flat=True)
    )
    assert statuses == {"draft", "open", "partially_received", "received", "closed", "cancelled"}
    assert set(PurchaseOrder.objects.filter(warehouse=bare).values_list("status", flat=True)) <= {
        "draft",
        "open",
        "cancelled",
    }
    assert len(made) == PurchaseOrder.objects.count()
    codes = set(Discrepancy.objects.values_list("code", flat=True))
    assert {"damaged", "over_receipt", "unexpected_sku", "short"} <= codes
    assert Discrepancy.objects.filter(resolved_at__isnull=False).exists()
    assert PutawayTask.objects.filter(status="open").exists()
    assert PutawayTask.objects.filter(status="done").exists()
    assert Supplier.objects.count() == 4
    seed_purchase_orders(warehouses=[warehouse], skus=skus, actor=user)  # again: no clash
