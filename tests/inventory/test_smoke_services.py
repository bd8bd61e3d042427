import pytest

from inventory.audit import stock_drift
from inventory.errors import InsufficientStock
from inventory.services import (
    ReserveLine,
    reservation_release,
    stock_move,
    stock_pick,
    stock_reserve,
)
from tests import factories


def test_reserve_pick_release_keep_the_books(sku, warehouse, places):
    factories.stock(sku, places.bin1, 10)
    [res] = stock_reserve(lines=[ReserveLine(sku, warehouse, 4)], reference="o1")
    stock_pick(reservation=res, location=places.bin1, quantity=3, to_location=places.packing)
    assert reservation_release(reservation=res) == 1
    stock_move(sku=sku, from_location=places.bin1, to_location=places.quarantine, quantity=2)
    with pytest.raises(InsufficientStock):
        stock_reserve(lines=[ReserveLine(sku, warehouse, 6)], reference="o2")
    ws = sku.warehouse_stock.get()
    assert (ws.on_hand, ws.reserved) == (5, 0)
    assert stock_drift() == []
