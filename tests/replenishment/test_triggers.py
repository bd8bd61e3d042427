"""Reorder triggering: the moment a change takes projected stock (available + incoming + units
at the dock) to or below the point in force, one alert is raised, in the same transaction; it
is not raised again while the rule stays at or below the point, and re-arms once projected has
been above the point again."""

import pytest
from django.db import IntegrityError, transaction

from channels.services import pick_task_confirm
from inventory.models import MovementKind
from inventory.services import reservation_release, stock_adjust, stock_move
from receiving.models import PurchaseOrderStatus
from receiving.services import (
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_open,
    putaway_complete,
)
from replenishment.models import AlertStatus, ReorderRule, ReplenishmentAlert
from replenishment.services import (
    alerts_dismiss,
    alerts_order,
    reorder_rule_update,
    reorder_sweep,
)
from replenishment.triggers import reorder_check
from tests import factories
from tests.channels.helpers import make_channel, place
from tests.receiving.builders import make_po, receive
from tests.replenishment.helpers import (
    alerts,
    open_alerts,
    pick,
    reserve,
    rule,
    sell,
    stock,
    supplier,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(warehouse, places):
    """20 units of TEE in A-01; reorder at 10 (order at least 30)."""
    sku = factories.sku("TEE")
    stock(sku, places.bin1, 20)
    rule(sku, warehouse, point=10, quantity=30)
    return sku


def test_a_reservation_taking_projected_to_the_point_raises_one_alert(tee, warehouse):
    reserve(tee, warehouse, 9, "order-1")  # available 11: above the point
    assert alerts() == []
    reserve(tee, warehouse, 1, "order-2")  # available 10: at the point
    (alert,) = alerts()
    assert (alert.status, alert.sku, alert.warehouse) == (AlertStatus.OPEN, tee, warehouse)
    assert (alert.available, alert.incoming, alert.at_dock, alert.projected) == (10, 0, 0, 10)
    assert (alert.reorder_point, alert.reorder_quantity, alert.season) == (10, 30, "")
    assert alert.suggested_quantity == 30  # at least the reorder quantity
    assert ReorderRule.objects.get().armed is False


def test_an_adjustment_crossing_the_point_raises_an_alert(tee, warehouse, places):
    stock_adjust(sku=tee, location=places.bin1, quantity=-12, reason="water damage")
    (alert,) = open_alerts(tee, warehouse)
    assert alert.projected == 8
    assert alert.suggested_quantity == 30


def test_a_count_crossing_the_point_raises_an_alert(tee, warehouse, places):
    stock_adjust(
        sku=tee, location=places.bin1, quantity=-15, reason="cycle count", kind=MovementKind.COUNT
    )
    assert [a.projected for a in open_alerts(tee, warehouse)] == [5]


def test_a_short_pick_crossing_the_point_raises_an_alert(tee, warehouse, places):
    """An order's pick finds the bin emptier than the books (ghost stock): the pick writes the
    bin down, and that takes projected below the point inside the pick's transaction."""
    shop = make_channel("SHOP", warehouse)
    order = place(shop, "1", (tee, 5))  # available 15
    assert alerts() == []
    with transaction.atomic():
        pick_task_confirm(task=order.pick_tasks.get(), quantity=0)  # A-01 was empty after all
        assert [a.projected for a in open_alerts(tee, warehouse)] == [0]


def test_a_pick_checks_the_point_in_force_even_though_available_stays(tee, warehouse, places):
    """A pick leaves available unchanged (on hand and reserved fall together) but is still
    checked: here the point was raised behind the services' back (as a season starting at
    midnight does before the daily sweep), and the next pick raises the alert."""
    reservation = reserve(tee, warehouse, 4)  # available 16
    ReorderRule.objects.filter(sku=tee).update(reorder_point=16)
    assert alerts() == []
    pick(reservation, places.bin1, 2)
    (alert,) = open_alerts(tee, warehouse)
    assert (alert.projected, alert.reorder_point, alert.suggested_quantity) == (16, 16, 30)


def test_not_raised_again_while_open_or_while_still_below(tee, warehouse, places):
    for n in range(4):
        sell(tee, warehouse, places.bin1, 3, reference=f"order-{n}")  # 17, 14, 11, 8
    reserve(tee, warehouse, 2, "order-x")  # 6
    stock_adjust(sku=tee, location=places.bin1, quantity=-1, reason="damaged")  # 5
    assert len(alerts()) == 1
    (alert,) = alerts()
    alerts_dismiss(ids=[alert.pk], reason="discontinuing soon")
    sell(tee, warehouse, places.bin1, 1, reference="order-y")  # still below: no new alert
    assert open_alerts() == []


def test_re_armed_after_receipt_and_put_away(tee, warehouse, places):
    acme = supplier()
    ReorderRule.objects.filter(sku=tee).update(supplier=acme)
    sell(tee, warehouse, places.bin1, 12)  # 8: alert
    (alert,) = alerts()
    result = alerts_order(ids=[alert.pk])
    (po,) = result.purchase_orders
    assert po.status == PurchaseOrderStatus.DRAFT
    purchase_order_open(purchase_order=po)  # incoming 30: projected 38, above: re-armed
    assert ReorderRule.objects.get().armed is True
    receipt = receive(po, (tee, 30))  # incoming 0, 30 at the dock: still 38
    assert ReorderRule.objects.get().armed is True
    putaway_complete(task=receipt.tasks[0], location=places.bin2)  # available 38
    assert open_alerts() == []
    sell(tee, warehouse, places.bin1, 8, reference="order-2")  # 30: above
    assert open_alerts() == []
    sell(tee, warehouse, places.bin2, 20, reference="order-3")  # 10: at the point again
    (second,) = open_alerts()
    assert second.pk != alert.pk
    assert second.projected == 10


def test_re_armed_when_available_comes_back_above_the_point(tee, warehouse, places):
    reservation = reserve(tee, warehouse, 12)  # 8: alert
    (alert,) = open_alerts()
    alerts_dismiss(ids=[alert.pk], reason="order cancelled soon")
    reservation_release(reservation=reservation)  # 20: re-armed
    assert ReorderRule.objects.get().armed is True
    reserve(tee, warehouse, 15, "order-2")  # 5: a new alert
    assert len(open_alerts()) == 1
    assert len(alerts()) == 2


def test_an_alert_still_open_when_projected_falls_again_stays_the_only_one(tee, warehouse):
    reservation = reserve(tee, warehouse, 12)  # alert
    reservation_release(reservation=reservation)  # re-armed; the alert stays open
    reserve(tee, warehouse, 12, "order-2")  # falls again: the open alert stands for both
    assert len(alerts()) == 1
    assert ReorderRule.objects.get().armed is False


def test_incoming_purchase_order_quantity_prevents_a_false_alert(tee, warehouse, places):
    make_po(supplier(), warehouse, (tee, 25))  # open: incoming 25
    sell(tee, warehouse, places.bin1, 15)  # available 5, projected 30
    assert alerts() == []


def test_a_draft_purchase_order_is_not_incoming(tee, warehouse, places):
    make_po(supplier(), warehouse, (tee, 25), status=PurchaseOrderStatus.DRAFT)
    sell(tee, warehouse, places.bin1, 15)
    assert [a.incoming for a in open_alerts()] == [0]


def test_units_received_at_the_dock_are_not_a_shortage(tee, warehouse, places):
    po = make_po(supplier(), warehouse, (tee, 25))
    receive(po, (tee, 25))  # incoming 0, 25 at the dock
    sell(tee, warehouse, places.bin1, 15)  # projected 5 + 25
    assert alerts() == []


def test_damaged_units_on_a_receipt_lower_projected_and_can_raise(tee, warehouse, places):
    po = make_po(supplier(), warehouse, (tee, 10))
    sell(tee, warehouse, places.bin1, 15)  # 5 + 10 = 15: above
    assert alerts() == []
    receive(po, (tee, 10, None, 8))  # 8 damaged go to quarantine: 5 + 2 at the dock
    (alert,) = open_alerts()
    assert (alert.available, alert.incoming, alert.at_dock, alert.projected) == (5, 0, 2, 7)


def test_a_cancelled_purchase_order_raises_the_alert_it_was_holding_off(tee, warehouse, places):
    po = make_po(supplier(), warehouse, (tee, 25))
    sell(tee, warehouse, places.bin1, 15)
    assert alerts() == []
    purchase_order_cancel(purchase_order=po)
    (alert,) = open_alerts()
    assert (alert.incoming, alert.projected) == (0, 5)


def test_closing_a_purchase_order_short_raises_the_alert(tee, warehouse, places):
    po = make_po(supplier(), warehouse, (tee, 25))
    receipt = receive(po, (tee, 5))
    putaway_complete(task=receipt.tasks[0])
    sell(tee, warehouse, places.bin1, 20)  # available 5, incoming 20
    assert alerts() == []
    purchase_order_close(purchase_order=po)  # the other 20 will never come
    assert [a.projected for a in open_alerts()] == [5]


def test_moving_stock_between_bins_changes_nothing(tee, warehouse, places):
    stock_move(sku=tee, from_location=places.bin1, to_location=places.bin2, quantity=15)
    assert alerts() == []


def test_changing_the_rule_raises_at_once_and_lowering_it_re_arms(tee, warehouse):
    reorder_rule_update(rule=ReorderRule.objects.get(), reorder_point=20)
    (alert,) = open_alerts()
    assert (alert.projected, alert.reorder_point) == (20, 20)
    reorder_rule_update(rule=ReorderRule.objects.get(), reorder_point=5)
    assert ReorderRule.objects.get().armed is True


def test_the_suggestion_brings_projected_above_the_point_in_packs(warehouse, places):
    sku = factories.sku("MUG")
    stock(sku, places.bin1, 3)
    rule(sku, warehouse, point=50, quantity=10, pack_size=12)
    (alert,) = open_alerts()
    # 50 - 3 + 1 = 48 units needed (more than the reorder quantity), 4 packs of 12
    assert alert.suggested_quantity == 48
    reorder_rule_update(rule=ReorderRule.objects.get(), pack_size=20)
    alerts_dismiss(ids=[alert.pk], reason="check")
    ReorderRule.objects.update(armed=True)
    reorder_sweep()
    assert open_alerts()[0].suggested_quantity == 60  # 48 rounded up to 3 packs of 20


def test_the_check_without_a_rule_costs_one_query(warehouse, places, django_assert_num_queries):
    sku = factories.sku("NORULE")
    with django_assert_num_queries(1):
        reorder_check(sku=sku, warehouse=warehouse)


def test_the_check_with_a_rule_above_the_point_costs_two_queries(
    tee, warehouse, django_assert_num_queries
):
    with django_assert_num_queries(2):
        reorder_check(sku=tee, warehouse=warehouse)


def test_an_alert_rolls_back_with_the_change_that_raised_it(tee, warehouse, places):
    def change_that_fails_after_the_adjustment():
        with transaction.atomic():
            stock_adjust(sku=tee, location=places.bin1, quantity=-15, reason="lost")
            assert len(alerts()) == 1
            raise RuntimeError("the rest of the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails_after_the_adjustment()
    assert alerts() == []
    assert ReorderRule.objects.get().armed is True


def test_other_warehouses_and_skus_are_separate(tee, warehouse, places):
    other = factories.warehouse("WH-B")
    other_places = factories.places(other)
    stock(tee, other_places.bin1, 3)  # no rule in WH-B
    mug = factories.sku("MUG")
    stock(mug, places.bin1, 1)
    assert alerts() == []
    rule(tee, other, point=5)
    assert [(a.sku.code, a.warehouse.code) for a in alerts()] == [("TEE", "WH-B")]


def test_a_deleted_rule_leaves_its_alert(tee, warehouse, places):
    reserve(tee, warehouse, 15)
    ReorderRule.objects.all().delete()
    (alert,) = ReplenishmentAlert.objects.all()
    assert alert.rule is None
    assert alert.status == AlertStatus.OPEN


def test_the_database_keeps_one_open_alert_per_sku_and_warehouse(tee, warehouse, places):
    reserve(tee, warehouse, 15)
    (_alert,) = alerts()
    duplicate = {
        "sku": tee,
        "warehouse": warehouse,
        "available": 1,
        "incoming": 0,
        "projected": 1,
        "reorder_point": 10,
        "reorder_quantity": 30,
        "suggested_quantity": 30,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ReplenishmentAlert.objects.create(**duplicate)
    # The triggers insert ON CONFLICT DO NOTHING: a second open alert is skipped, never an error.
    ReplenishmentAlert.objects.bulk_create([ReplenishmentAlert(**duplicate)], ignore_conflicts=True)
    assert len(alerts()) == 1
    ReplenishmentAlert.objects.create(**duplicate, status=AlertStatus.ORDERED)  # closed: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        ReplenishmentAlert.objects.create(**duplicate, status=AlertStatus.DISMISSED)  # no reason
