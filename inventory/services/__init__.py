"""Every write to stock goes through these services (DESIGN.md, "Where logic lives")."""

from inventory.services._balances import stock_rows_ensure, stock_rows_lock
from inventory.services.catalog import location_create, sku_create, warehouse_create
from inventory.services.contention import retry_on_contention
from inventory.services.reservations import (
    ReserveLine,
    reservation_release,
    reservations_expire,
    stock_pick,
    stock_reserve,
)
from inventory.services.stock import (
    lot_resolve,
    stock_adjust,
    stock_move,
    stock_receive,
    stock_return,
    stock_ship,
)

__all__ = [
    "ReserveLine",
    "location_create",
    "lot_resolve",
    "reservation_release",
    "reservations_expire",
    "retry_on_contention",
    "sku_create",
    "stock_adjust",
    "stock_move",
    "stock_pick",
    "stock_receive",
    "stock_reserve",
    "stock_return",
    "stock_rows_ensure",
    "stock_rows_lock",
    "stock_ship",
    "warehouse_create",
]
