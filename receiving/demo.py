"""Demo data for receiving: suppliers and purchase orders in every state, made through the
services (so receipts write the ledger and stock_audit stays clean). Called by seed_demo:

    from receiving.demo import seed_purchase_orders
    seed_purchase_orders(warehouses=[...], skus=[...], actor=admin, rng=random.Random(7))
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from inventory.errors import StockConflict
from inventory.models import Sku, Warehouse
from receiving.models import PurchaseOrder, PurchaseOrderStatus, Supplier
from receiving.services import (
    PurchaseLineRequest,
    ReceiveLine,
    discrepancy_resolve,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_create,
    putaway_complete,
    receipt_create,
    supplier_create,
)

SUPPLIERS = [
    ("NORTEX", "Northern Textiles Ltd", "orders@northern-textiles.example"),
    ("DAIRYF", "Dairy Fresh Co-op", "supply@dairyfresh.example"),
    ("HOMEWR", "Homeware Direct", "trade@homeware-direct.example"),
    ("WICKS", "Wick & Wax Candles", "hello@wickandwax.example"),
]


def _suppliers() -> list[Supplier]:
    found = []
    for code, name, email in SUPPLIERS:
        supplier = Supplier.objects.filter(code=code).first()
        found.append(supplier or supplier_create(code=code, name=name, email=email))
    return found


def _lines(rng: random.Random, skus: list[Sku], count: int) -> list[PurchaseLineRequest]:
    chosen = rng.sample(skus, min(count, len(skus)))
    return [
        PurchaseLineRequest(
            sku=sku,
            quantity_ordered=rng.choice([12, 24, 36, 48, 60, 100]),
            unit_cost=Decimal(rng.randint(150, 2400)) / 100,
        )
        for sku in chosen
    ]


def _arrived(
    po, line: PurchaseLineRequest, quantity: int, rng: random.Random, **extra
) -> ReceiveLine:
    lot = None
    expiry = None
    if line.sku.lot_tracked:
        lot = f"L-{po.number}-{line.sku.pk}"  # new purchase order, new lot: never a clash
        expiry = timezone.localdate() + datetime.timedelta(days=rng.randint(30, 240))
    return ReceiveLine(sku=line.sku, quantity=quantity, lot_number=lot, expiry=expiry, **extra)


def seed_purchase_orders(
    *,
    warehouses: list[Warehouse],
    skus: list[Sku],
    actor=None,
    rng: random.Random | None = None,
) -> list[PurchaseOrder]:
    """Per warehouse: a draft, two open POs (one overdue), a partly received one (a damaged
    carton, some put away), a received one with an over-receipt and a SKU not on the order, one
    closed short (its flag resolved) and a cancelled one. Returns the purchase orders made.
    A warehouse without a dock or quarantine gets only the POs that need no receipt."""
    rng = rng or random.Random(7)
    skus = [sku for sku in skus if sku.active] or list(skus)
    if not skus or not warehouses:
        return []
    suppliers = _suppliers()
    today = timezone.localdate()
    made: list[PurchaseOrder] = []

    def order(warehouse, status, days, count=4):
        purchase_order = purchase_order_create(
            supplier=rng.choice(suppliers),
            warehouse=warehouse,
            lines=_lines(rng, skus, count),
            expected_date=today + datetime.timedelta(days=days),
            status=status,
            actor=actor,
        )
        made.append(purchase_order)
        return purchase_order, [
            PurchaseLineRequest(sku=line.sku, quantity_ordered=line.quantity_ordered)
            for line in purchase_order.lines.select_related("sku").order_by("pk")
        ]

    for warehouse in warehouses:
        order(warehouse, PurchaseOrderStatus.DRAFT, 14)
        order(warehouse, PurchaseOrderStatus.OPEN, 3)
        order(warehouse, PurchaseOrderStatus.OPEN, -2)  # overdue
        cancelled, _ = order(warehouse, PurchaseOrderStatus.OPEN, 5, count=2)
        purchase_order_cancel(purchase_order=cancelled, actor=actor)
        try:
            partly, lines = order(warehouse, PurchaseOrderStatus.OPEN, -1)
            result = receipt_create(
                purchase_order=partly,
                lines=[
                    _arrived(partly, lines[0], lines[0].quantity_ordered, rng, damaged=2),
                    _arrived(partly, lines[1], lines[1].quantity_ordered // 2, rng),
                ],
                actor=actor,
            )
            putaway_complete(task=result.tasks[0], actor=actor)

            full, lines = order(warehouse, PurchaseOrderStatus.OPEN, -4, count=3)
            stranger = next((s for s in skus if s not in {x.sku for x in lines}), None)
            arrived = [_arrived(full, line, line.quantity_ordered, rng) for line in lines]
            arrived[0] = _arrived(
                full, lines[0], lines[0].quantity_ordered + 6, rng
            )  # over-receipt
            if stranger is not None:
                arrived.append(
                    _arrived(full, PurchaseLineRequest(sku=stranger, quantity_ordered=0), 3, rng)
                )
            receipt_create(purchase_order=full, lines=arrived, actor=actor)

            short, lines = order(warehouse, PurchaseOrderStatus.OPEN, -10, count=3)
            receipt_create(
                purchase_order=short,
                lines=[
                    _arrived(short, line, max(line.quantity_ordered - 5, 1), rng) for line in lines
                ],
                actor=actor,
            )
            for task in short.putaway_tasks.all():
                putaway_complete(task=task, actor=actor)
            _po, flags = purchase_order_close(purchase_order=short, actor=actor)
            if flags:
                discrepancy_resolve(
                    discrepancy=flags[0],
                    note="Supplier confirmed the rest is back-ordered; credit note requested.",
                    actor=actor,
                )
        except StockConflict:  # no dock or quarantine here: the open POs are enough
            continue
    return made
