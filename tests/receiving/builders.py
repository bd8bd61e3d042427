"""Purchase orders and receipts built through the services, for the receiving tests."""

from decimal import Decimal

from receiving.models import PurchaseOrderStatus
from receiving.services import (
    PurchaseLineRequest,
    ReceiveLine,
    purchase_order_create,
    receipt_create,
)


def make_po(supplier, warehouse, *lines, status=PurchaseOrderStatus.OPEN, number=None, **extra):
    """lines: (sku, quantity) or (sku, quantity, unit_cost)."""
    return purchase_order_create(
        supplier=supplier,
        warehouse=warehouse,
        number=number,
        status=status,
        lines=[
            PurchaseLineRequest(
                sku=line[0],
                quantity_ordered=line[1],
                unit_cost=Decimal(line[2] if len(line) > 2 else "1.50"),
            )
            for line in lines
        ],
        **extra,
    )


def receive(purchase_order, *lines, **extra):
    """lines: ReceiveLine or (sku, quantity[, lot[, damaged]])."""
    parsed = []
    for line in lines:
        if isinstance(line, ReceiveLine):
            parsed.append(line)
            continue
        sku, quantity, *rest = line
        lot = rest[0] if rest else None
        damaged = rest[1] if len(rest) > 1 else 0
        parsed.append(ReceiveLine(sku=sku, quantity=quantity, lot_number=lot, damaged=damaged))
    return receipt_create(purchase_order=purchase_order, lines=parsed, **extra)
