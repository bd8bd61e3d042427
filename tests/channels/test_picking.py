"""Picks, short picks (ghost stock), shipping, cancelling and hold expiry."""

import datetime

import pytest
from django.utils import timezone

from channels.models import OrderStatus, PickTask, PickTaskStatus
from channels.services import (
    order_cancel,
    order_confirm,
    order_put_back,
    order_ship,
    pick_task_assign,
    pick_task_confirm,
)
from channels.services.picking import FOUND_DISCREPANCY
from channels.tasks import expire_holds_task
from inventory.audit import stock_drift
from inventory.errors import InvalidState
from inventory.models import (
    BinStock,
    CycleCount,
    CycleCountLine,
    MovementKind,
    StockMovement,
    WarehouseStock,
)
from tests import factories
from tests.channels.helpers import place

pytestmark = pytest.mark.django_db


def ws(sku, warehouse):
    row = WarehouseStock.objects.get(sku=sku, warehouse=warehouse)
    return row.on_hand, row.reserved


def bin_qty(sku, location, lot=None):
    row = BinStock.objects.filter(sku=sku, location=location, lot=lot).first()
    return row.quantity if row else 0


def confirm_all(order, actor=None):
    for task in order.pick_tasks.filter(status=PickTaskStatus.OPEN).order_by("sequence"):
        pick_task_confirm(task=task, quantity=task.quantity, actor=actor)
    order.refresh_from_db()
    return order


def test_confirming_picks_moves_units_to_packing_and_the_order_along(
    shop, warehouse, places, associate
):
    shirt, mug = factories.sku("SHIRT"), factories.sku("MUG")
    factories.stock(shirt, places.bin1, 5)
    factories.stock(mug, places.bin2, 2)
    order = place(shop, "1", (shirt, 2), (mug, 2))
    first, second = order.pick_tasks.order_by("sequence")
    pick_task_confirm(task=first, quantity=2, actor=associate)
    order.refresh_from_db()
    assert order.status == OrderStatus.PICKING
    assert (bin_qty(shirt, places.bin1), bin_qty(shirt, places.packing)) == (3, 2)
    assert ws(shirt, warehouse) == (3, 0)
    pick = StockMovement.objects.get(kind=MovementKind.PICK, sku=shirt)
    assert (pick.from_location, pick.to_location, pick.actor) == (
        places.bin1,
        places.packing,
        associate,
    )
    assert pick.reference == order.reference
    pick_task_confirm(task=second, quantity=2, actor=associate)
    order.refresh_from_db()
    assert order.status == OrderStatus.PICKED
    assert [line.quantity_picked for line in order.lines.all()] == [2, 2]
    with pytest.raises(InvalidState):
        pick_task_confirm(task=second, quantity=2)  # already done
    order_ship(order=order, actor=associate)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert bin_qty(shirt, places.packing) == bin_qty(mug, places.packing) == 0
    shipped = StockMovement.objects.filter(kind=MovementKind.SHIP)
    assert sorted((m.sku.code, m.quantity, m.from_location.code) for m in shipped) == [
        ("MUG", 2, "PACK"),
        ("SHIRT", 2, "PACK"),
    ]
    assert stock_drift() == []


def test_only_a_picked_order_ships(shop, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 5)
    order = place(shop, "1", (shirt, 2))
    with pytest.raises(InvalidState):
        order_ship(order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.RESERVED


def test_a_short_pick_writes_the_bin_down_reroutes_and_queues_a_count(
    shop, warehouse, places, associate
):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 3)
    factories.stock(shirt, places.bin2, 4)
    order = place(shop, "1", (shirt, 3))
    task = order.pick_tasks.get()
    assert task.location == places.bin1
    # The books say A-01 holds 3; the associate finds 1 (ghost stock).
    pick_task_confirm(task=task, quantity=1, actor=associate)
    task.refresh_from_db()
    assert (task.status, task.quantity_picked) == (PickTaskStatus.SHORT, 1)
    assert bin_qty(shirt, places.bin1) == 0
    adjust = StockMovement.objects.get(kind=MovementKind.ADJUST, from_location=places.bin1)
    assert adjust.quantity == 2
    assert adjust.reason.startswith(FOUND_DISCREPANCY)
    assert adjust.reference == order.reference
    rerouted = order.pick_tasks.get(status=PickTaskStatus.OPEN)
    assert (rerouted.location, rerouted.quantity, rerouted.assignee) == (places.bin2, 2, associate)
    assert rerouted.rerouted_from == task
    line = CycleCountLine.objects.select_related("count").get()
    assert (line.location, line.sku, line.status) == (places.bin1, shirt, "open")
    assert (line.count.origin, line.count.status) == ("short_pick", "open")
    assert ws(shirt, warehouse) == (4, 2)  # 4 left in A-02, 2 of them still promised
    order.refresh_from_db()
    assert order.status == OrderStatus.PICKING
    pick_task_confirm(task=rerouted, quantity=2, actor=associate)
    order.refresh_from_db()
    assert order.status == OrderStatus.PICKED
    line = order.lines.get()
    assert (line.quantity_picked, line.quantity_short) == (3, 0)
    assert stock_drift() == []


def test_a_short_pick_with_no_stock_elsewhere_releases_and_marks_the_line_short(
    shop, warehouse, places
):
    shirt, mug = factories.sku("SHIRT"), factories.sku("MUG")
    factories.stock(shirt, places.bin1, 3)
    factories.stock(mug, places.bin2, 1)
    order = place(shop, "1", (shirt, 3), (mug, 1))
    shirt_task = order.pick_tasks.get(sku=shirt)
    pick_task_confirm(task=shirt_task, quantity=0)
    assert ws(shirt, warehouse) == (0, 0)
    assert bin_qty(shirt, places.bin1) == 0
    line = order.lines.get(sku=shirt)
    assert (line.quantity_picked, line.quantity_short) == (0, 3)
    assert CycleCountLine.objects.filter(location=places.bin1, sku=shirt).exists()
    confirm_all(order)
    assert order.status == OrderStatus.PICKED  # the mug still ships
    assert stock_drift() == []


def test_an_order_whose_every_line_is_short_is_cancelled(shop, warehouse, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 2)
    order = place(shop, "1", (shirt, 2))
    pick_task_confirm(task=order.pick_tasks.get(), quantity=0)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert "short" in order.cancel_reason
    assert ws(shirt, warehouse) == (0, 0)
    assert stock_drift() == []


def test_ghost_units_promised_to_another_order_stay_on_the_books_until_its_pick(
    shop, warehouse, places
):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 4)
    first = place(shop, "1", (shirt, 2))
    second = place(shop, "2", (shirt, 2))  # both planned on A-01, which really holds 1
    pick_task_confirm(task=first.pick_tasks.get(), quantity=1)
    # 1 missing for the first order, released; the second order's 2 units cannot be written
    # off by the first order's pick (they are reserved), so 2 stay in A-01 on the books.
    assert bin_qty(shirt, places.bin1) == 2
    assert ws(shirt, warehouse) == (2, 2)
    assert stock_drift() == []
    pick_task_confirm(task=second.pick_tasks.get(), quantity=0)
    assert bin_qty(shirt, places.bin1) == 0
    assert ws(shirt, warehouse) == (0, 0)
    assert CycleCountLine.objects.filter(location=places.bin1, status="open").count() == 1
    assert CycleCount.objects.count() == 1
    assert stock_drift() == []


def test_a_short_pick_of_a_lot_reroutes_to_the_next_lot_by_expiry(shop, warehouse, places):
    milk = factories.sku("MILK", lot_tracked=True)
    factories.stock(milk, places.bin1, 2, lot_number="L1", expiry=datetime.date(2030, 1, 1))
    factories.stock(milk, places.bin2, 5, lot_number="L2", expiry=datetime.date(2030, 6, 1))
    order = place(shop, "1", (milk, 2))
    task = order.pick_tasks.get()
    assert task.lot.lot_number == "L1"
    pick_task_confirm(task=task, quantity=1)
    rerouted = order.pick_tasks.get(status=PickTaskStatus.OPEN)
    assert (rerouted.lot.lot_number, rerouted.location, rerouted.quantity) == ("L2", places.bin2, 1)
    pick_task_confirm(task=rerouted, quantity=1)
    assert bin_qty(milk, places.packing, task.lot) == 1
    assert bin_qty(milk, places.packing, rerouted.lot) == 1
    order.refresh_from_db()
    order_ship(order=order)
    assert stock_drift() == []


def test_cancel_after_a_partial_pick_releases_the_rest_and_puts_picked_units_back(
    shop, warehouse, places
):
    shirt, mug = factories.sku("SHIRT"), factories.sku("MUG")
    factories.stock(shirt, places.bin1, 5)
    factories.stock(mug, places.bin2, 5)
    order = place(shop, "1", (shirt, 2), (mug, 3))
    pick_task_confirm(task=order.pick_tasks.get(sku=shirt), quantity=2)
    order_cancel(order=order, reason="customer changed their mind")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.pick_tasks.get(sku=mug).status == PickTaskStatus.CANCELLED
    # Un-picked units are available again at once; picked ones wait at packing.
    assert ws(mug, warehouse) == (5, 0)
    assert ws(shirt, warehouse) == (3, 0)
    assert bin_qty(shirt, places.packing) == 2
    assert stock_drift() == []
    assert order_put_back(order=order) == 2
    assert order_put_back(order=order) == 0  # twice changes nothing
    assert bin_qty(shirt, places.packing) == 0
    assert bin_qty(shirt, places.bin1) == 5
    assert ws(shirt, warehouse) == (5, 0)
    back = StockMovement.objects.get(kind=MovementKind.RETURN)
    assert (back.from_location, back.to_location, back.quantity) == (places.packing, places.bin1, 2)
    assert order_cancel(order=order).status == OrderStatus.CANCELLED  # idempotent
    assert stock_drift() == []


def test_a_shipped_order_cannot_be_cancelled(shop, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 5)
    order = confirm_all(place(shop, "1", (shirt, 1)))
    order_ship(order=order)
    with pytest.raises(InvalidState):
        order_cancel(order=order)
    with pytest.raises(InvalidState):
        order_put_back(order=order)


def test_picks_without_a_packing_station_leave_stock_and_come_back_on_put_back(places):
    from inventory.services import location_create, warehouse_create
    from tests.channels.helpers import make_channel

    bare = warehouse_create(code="BARE", name="No packing")
    bin_ = location_create(warehouse=bare, code="B1", travel_cost=1)
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, bin_, 3)
    order = confirm_all(place(make_channel("BARE", bare), "1", (shirt, 2)))
    assert order.status == OrderStatus.PICKED
    assert ws(shirt, bare) == (1, 0)
    order_cancel(order=order)
    order_put_back(order=order)
    assert ws(shirt, bare) == (3, 0)
    assert stock_drift() == []


def test_expired_holds_are_released_by_the_scheduled_task(shop, warehouse, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 5)
    soon = timezone.now() + datetime.timedelta(minutes=30)
    hold = place(shop, "H1", (shirt, 2), expires_at=soon)
    firm = place(shop, "H2", (shirt, 1), expires_at=soon)
    order_confirm(order=firm)
    assert expire_holds_task() == 0
    later = soon + datetime.timedelta(seconds=1)
    from channels.services import orders_expire

    assert orders_expire(now=later) == 1
    hold.refresh_from_db()
    firm.refresh_from_db()
    assert (hold.status, firm.status) == (OrderStatus.CANCELLED, OrderStatus.RESERVED)
    assert firm.expires_at is None
    assert ws(shirt, warehouse) == (5, 1)
    assert stock_drift() == []


def test_a_confirmed_pick_cannot_exceed_the_task_and_reassigning_moves_the_order(
    shop, warehouse, places, associate
):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 5)
    factories.stock(shirt, places.bin2, 5)
    order = place(shop, "1", (shirt, 7))
    other = factories.user("other", role="associate")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        pick_task_confirm(task=order.pick_tasks.first(), quantity=99)
    with pytest.raises(ValidationError):
        pick_task_assign(task=order.pick_tasks.first(), assignee=other)  # not staff here
    warehouse.staff.add(other)
    pick_task_assign(task=order.pick_tasks.first(), assignee=other)
    assert set(order.pick_tasks.values_list("assignee", flat=True)) == {other.pk}
    assert PickTask.objects.filter(assignee=associate).count() == 0


def test_a_pick_of_more_than_the_books_hold_writes_the_bin_up_first(shop, warehouse, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 3)
    order = place(shop, "1", (shirt, 3))
    # Someone moved 2 units out of A-01 on the books (say, to quarantine) but not in the bin.
    from inventory.services import stock_move

    factories.stock(shirt, places.bin2, 2)
    stock_move(sku=shirt, from_location=places.bin1, to_location=places.bin2, quantity=2)
    pick_task_confirm(task=order.pick_tasks.get(), quantity=3)
    surplus = StockMovement.objects.filter(
        kind=MovementKind.ADJUST, to_location=places.bin1
    ).first()
    assert surplus.quantity == 2
    assert surplus.reason.startswith(FOUND_DISCREPANCY)
    assert CycleCountLine.objects.filter(location=places.bin1).exists()
    assert bin_qty(shirt, places.bin1) == 0
    assert ws(shirt, warehouse) == (4, 0)
    assert stock_drift() == []
