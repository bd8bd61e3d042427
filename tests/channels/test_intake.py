"""Order intake: all-or-nothing, priority-order allocation, idempotency, holds."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from channels.models import Order, OrderStatus, PickTask
from inventory.audit import stock_drift
from inventory.errors import InsufficientStock
from inventory.models import LocationType, Reservation, Sku, WarehouseStock
from inventory.services import location_create
from tests import factories
from tests.channels.helpers import make_channel, place

pytestmark = pytest.mark.django_db


def stock_of(sku, warehouse):
    row = WarehouseStock.objects.filter(sku=sku, warehouse=warehouse).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def test_an_order_reserves_every_line_and_plans_its_picks(shop, warehouse, places, associate):
    shirt, mug = factories.sku("SHIRT"), factories.sku("MUG")
    factories.stock(shirt, places.bin1, 5)
    factories.stock(mug, places.bin2, 3)
    order = place(shop, "1001", (shirt, 2), (mug, 3))
    assert order.status == OrderStatus.RESERVED
    assert [(line.sku.code, line.quantity, line.warehouse_id) for line in order.lines.all()] == [
        ("SHIRT", 2, warehouse.pk),
        ("MUG", 3, warehouse.pk),
    ]
    assert stock_of(shirt, warehouse) == (5, 2)
    assert stock_of(mug, warehouse) == (3, 3)
    tasks = list(order.pick_tasks.order_by("sequence"))
    assert [(t.location.code, t.quantity, t.assignee, t.sequence) for t in tasks] == [
        ("A-01", 2, associate, 1),
        ("A-02", 3, associate, 2),
    ]
    assert set(Reservation.objects.values_list("reference", flat=True)) == {order.reference}
    assert stock_drift() == []


def test_one_short_line_refuses_the_whole_order_and_names_it(shop, warehouse, places):
    shirt, mug, cap = factories.sku("SHIRT"), factories.sku("MUG"), factories.sku("CAP")
    factories.stock(shirt, places.bin1, 5)
    factories.stock(mug, places.bin2, 1)
    with pytest.raises(InsufficientStock) as refused:
        place(shop, "1002", (shirt, 2), (mug, 3), (cap, 1))
    assert refused.value.lines == [
        {"sku": "MUG", "requested": 3, "available": 1},
        {"sku": "CAP", "requested": 1, "available": 0},
    ]
    assert not Order.objects.exists()
    assert not Reservation.objects.exists()
    assert stock_of(shirt, warehouse) == (5, 0)
    assert stock_drift() == []


def test_the_same_external_id_returns_the_first_order(shop, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 5)
    first = place(shop, "1003", (shirt, 2))
    again = place(shop, "1003", (shirt, 4))  # a retry, even a garbled one, reserves nothing
    assert again.pk == first.pk
    assert Reservation.objects.get().quantity == 2


def test_repeated_skus_in_one_order_add_up(shop, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 5)
    order = place(shop, "1004", (shirt, 2), (shirt, 1))
    assert [line.quantity for line in order.lines.all()] == [3]


def test_lines_come_from_the_first_warehouse_that_can_fill_them(places, warehouse):
    shirt = factories.sku("SHIRT")
    second = factories.warehouse("WH-B")
    bin_b = location_create(warehouse=second, code="B-01", travel_cost=1)
    factories.stock(shirt, places.bin1, 2)
    factories.stock(shirt, bin_b, 10)
    channel = make_channel("SPLIT", warehouse, second)
    # WH1 has priority but only 2: the whole line goes to WH-B, which can fill it alone.
    order = place(channel, "A", (shirt, 5))
    assert [(line.warehouse.code, line.quantity) for line in order.lines.all()] == [("WH-B", 5)]
    # 2 + 5 left: no warehouse can fill 6 alone, so it splits in priority order.
    order = place(channel, "B", (shirt, 6))
    assert [(line.warehouse.code, line.quantity) for line in order.lines.all()] == [
        (warehouse.code, 2),
        ("WH-B", 4),
    ]
    assert stock_of(shirt, warehouse) == (2, 2)
    assert stock_of(shirt, second) == (10, 9)
    with pytest.raises(InsufficientStock) as refused:
        place(channel, "C", (shirt, 2))
    assert refused.value.lines == [{"sku": "SHIRT", "requested": 2, "available": 1}]
    assert stock_drift() == []


def test_picks_follow_first_expiry_then_oldest_lot_then_travel_cost(shop, warehouse, places):
    milk = factories.sku("MILK", lot_tracked=True)
    far = location_create(warehouse=warehouse, code="A-09", parent=places.zone, travel_cost=9)
    factories.stock(milk, places.bin1, 4, lot_number="L-LATE", expiry=datetime.date(2031, 1, 1))
    factories.stock(milk, far, 3, lot_number="L-SOON", expiry=datetime.date(2030, 1, 1))
    factories.stock(milk, places.bin2, 2, lot_number="L-SOON")
    order = place(shop, "FEFO", (milk, 6))
    picks = sorted((t.lot.lot_number, t.location.code, t.quantity) for t in order.pick_tasks.all())
    # The soon-expiring lot first (nearest bin of it first), then the later lot for the rest.
    assert picks == [("L-LATE", "A-01", 1), ("L-SOON", "A-02", 2), ("L-SOON", "A-09", 3)]
    walk = [t.location.code for t in order.pick_tasks.order_by("sequence")]
    assert walk == ["A-01", "A-02", "A-09"]  # walking order: travel cost


def test_picks_skip_units_already_planned_for_other_orders(shop, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 3)
    factories.stock(shirt, places.bin2, 3)
    place(shop, "P1", (shirt, 2))
    second = place(shop, "P2", (shirt, 2))
    assert sorted((t.location.code, t.quantity) for t in second.pick_tasks.all()) == [
        ("A-01", 1),
        ("A-02", 1),
    ]


def test_picks_go_to_the_associate_with_the_fewest_open_picks(shop, warehouse, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 10)
    busy, idle = factories.user("busy", role="associate"), factories.user("idle", role="associate")
    outsider = factories.user("elsewhere", role="associate")  # works in no warehouse of ours
    warehouse.staff.add(busy, idle, factories.user("clerk", role="manager"))
    first = place(shop, "R1", (shirt, 1))
    second = place(shop, "R2", (shirt, 1))
    third = place(shop, "R3", (shirt, 1))
    assignees = [o.pick_tasks.get().assignee for o in (first, second, third)]
    assert assignees == [busy, idle, busy]  # ties go to the earliest account
    assert outsider not in assignees


def test_without_associates_picks_wait_unassigned(shop, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 10)
    assert place(shop, "U1", (shirt, 1)).pick_tasks.get().assignee is None


def test_an_expired_hold_stops_counting_before_the_task_runs(shop, warehouse, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 3)
    hold = place(shop, "H1", (shirt, 3), expires_at=timezone.now() + datetime.timedelta(hours=1))
    with pytest.raises(InsufficientStock):
        place(shop, "H2", (shirt, 1))
    Order.objects.filter(pk=hold.pk).update(expires_at=timezone.now())
    Reservation.objects.filter(reference=hold.reference).update(expires_at=timezone.now())
    taken = place(shop, "H3", (shirt, 3))  # intake releases the expired hold on its rows first
    hold.refresh_from_db()
    assert hold.status == OrderStatus.CANCELLED
    assert hold.pick_tasks.get().status == "cancelled"
    assert Reservation.objects.get(reference=hold.reference).status == "expired"
    assert taken.status == OrderStatus.RESERVED
    assert stock_of(shirt, warehouse) == (3, 3)
    assert stock_drift() == []


@pytest.mark.parametrize(
    ("external_id", "lines", "field"),
    [
        ("", [("SHIRT", 1)], "external_id"),
        ("X", [], "lines"),
        ("X", [("SHIRT", 0)], "lines"),
        ("X", [("SHIRT", -2)], "lines"),
        ("X", [("OLD", 1)], "lines"),
    ],
)
def test_bad_orders_are_refused_naming_the_field(shop, places, external_id, lines, field):
    factories.stock(factories.sku("SHIRT"), places.bin1, 5)
    factories.sku("OLD")
    Sku.objects.filter(code="OLD").update(active=False)
    with pytest.raises(ValidationError) as refused:
        place(shop, external_id, *[(Sku.objects.get(code=c), q) for c, q in lines])
    assert field in refused.value.message_dict
    assert not Order.objects.exists()
    assert not Reservation.objects.exists()


def test_an_inactive_channel_or_one_without_warehouses_takes_no_orders(warehouse, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 5)
    with pytest.raises(ValidationError, match="not active"):
        place(make_channel("OFF", warehouse, active=False), "1", (shirt, 1))
    with pytest.raises(ValidationError, match="no warehouse"):
        place(make_channel("EMPTY"), "1", (shirt, 1))
    assert not PickTask.objects.exists()


def test_stock_outside_sellable_bins_is_not_sold(shop, warehouse, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.dock, 5)
    factories.stock(shirt, places.quarantine, 5)
    assert location_create(warehouse=warehouse, code="P2", type=LocationType.PACKING)
    with pytest.raises(InsufficientStock):
        place(shop, "1", (shirt, 1))
