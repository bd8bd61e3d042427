"""stock_drift() / `manage.py stock_audit`: the books balance after every service, and a cached
balance changed behind the ledger's back is reported (and the command exits non-zero)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from inventory.audit import Drift, stock_drift
from inventory.errors import InsufficientStock
from inventory.models import BinStock, Reservation, WarehouseStock
from inventory.services import (
    ReserveLine,
    reservation_release,
    stock_move,
    stock_pick,
    stock_receive,
    stock_reserve,
)
from tests import factories

pytestmark = pytest.mark.django_db


def audit() -> str:
    out = io.StringIO()
    call_command("stock_audit", stdout=out)
    return out.getvalue()


@pytest.fixture
def scenario(sku, lot_sku, warehouse, places):
    """A day of work touching every service, including refused requests."""
    other = factories.places(factories.warehouse())
    stock_receive(sku=sku, location=places.dock, quantity=20, reference="PO-1")
    stock_receive(sku=lot_sku, location=places.dock, quantity=8, lot_number="L1")
    stock_move(sku=sku, from_location=places.dock, to_location=places.bin1, quantity=15)
    stock_move(
        sku=lot_sku, from_location=places.dock, to_location=places.bin2, quantity=8, lot_number="L1"
    )
    factories.stock(sku, other.bin1, 4)
    order, _lot_line = stock_reserve(
        lines=[ReserveLine(sku, warehouse, 6), ReserveLine(lot_sku, warehouse, 3)], reference="o1"
    )
    stock_pick(reservation=order, location=places.bin1, quantity=4, to_location=places.packing)
    reservation_release(reservation=order)
    with pytest.raises(InsufficientStock):
        stock_reserve(lines=[ReserveLine(sku, warehouse, 50)], reference="o2")
    stock_move(sku=sku, from_location=places.bin1, to_location=places.quarantine, quantity=2)
    factories.stock(sku, places.bin1, -1)
    return places


def test_the_books_balance_after_a_day_of_work(scenario, sku, warehouse):
    assert stock_drift() == []
    assert "agree with the ledger" in audit()
    row = WarehouseStock.objects.get(sku=sku, warehouse=warehouse)
    assert (row.on_hand, row.reserved) == (8, 0)  # 15 put away, 4 picked, 2 quarantined, 1 lost
    assert Reservation.objects.filter(status="open").count() == 1  # the lot SKU's line


@pytest.mark.drift
@pytest.mark.parametrize(
    ("model", "field", "changes"),
    [
        (BinStock, "quantity", {"quantity": F("quantity") + 1}),
        (WarehouseStock, "on_hand", {"on_hand": F("on_hand") + 1}),
        (WarehouseStock, "reserved", {"reserved": F("reserved") + 1}),
        (Reservation, "reserved", {"quantity": F("quantity") - 1}),
    ],
)
def test_a_tampered_balance_is_reported(scenario, model, field, changes):
    target = model.objects.filter(**{f"{field if model is not Reservation else 'quantity'}__gt": 0})
    assert target.filter(pk=target.first().pk).update(**changes) == 1
    drift = stock_drift()
    assert len(drift) == 1
    assert drift[0].field == field
    assert abs(drift[0].cached - drift[0].expected) == 1
    with pytest.raises(CommandError, match="1 balance"):
        audit()


@pytest.mark.drift
def test_stock_without_a_ledger_row_is_drift(sku, places):
    BinStock.objects.create(sku=sku, location=places.bin1, quantity=3)
    assert stock_drift() == [
        Drift("BinStock", f"sku={sku.pk} location={places.bin1.pk} lot=None", "quantity", 3, 0)
    ]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("stock_audit", stdout=out)
    assert "quantity is 3, the ledger says 0" in out.getvalue()
