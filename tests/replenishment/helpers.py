"""Builders for the replenishment tests (tests/inventory/test_replenishment*.py): rules, stock,
reservations and picks made through the services, so every figure is the engine's own."""

from inventory.services import ReserveLine, stock_pick, stock_reserve
from receiving.services import supplier_create
from replenishment.models import AlertStatus, ReplenishmentAlert
from replenishment.services import reorder_rule_create
from tests import factories


def supplier(code: str = "ACME", **extra):
    return supplier_create(code=code, name=f"Supplier {code}", email=f"{code.lower()}@example.com")


def rule(sku, warehouse, point: int, quantity: int = 10, **extra):
    return reorder_rule_create(
        sku=sku, warehouse=warehouse, reorder_point=point, reorder_quantity=quantity, **extra
    )


def reserve(sku, warehouse, quantity: int, reference: str = "order-1"):
    (reservation,) = stock_reserve(
        lines=[ReserveLine(sku, warehouse, quantity)], reference=reference
    )
    return reservation


def pick(reservation, location, quantity: int | None = None):
    return stock_pick(
        reservation=reservation, location=location, quantity=quantity or reservation.quantity
    )


def sell(sku, warehouse, location, quantity: int, reference: str = "order-1"):
    """Reserve and pick `quantity` units: an order shipped from `location`."""
    return pick(reserve(sku, warehouse, quantity, reference), location, quantity)


def alerts(sku=None, warehouse=None, status: str | None = None):
    found = ReplenishmentAlert.objects.order_by("pk")
    if sku is not None:
        found = found.filter(sku=sku)
    if warehouse is not None:
        found = found.filter(warehouse=warehouse)
    if status is not None:
        found = found.filter(status=status)
    return list(found)


def open_alerts(sku=None, warehouse=None):
    return alerts(sku, warehouse, AlertStatus.OPEN)


stock = factories.stock
