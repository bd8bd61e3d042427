"""Reorder triggering under real concurrency (PostgreSQL, threads released by a barrier): picks,
orders and adjustments crossing the point together raise exactly one alert, never an error,
and purchase-order changes racing stock changes never deadlock."""

import contextlib

import pytest

from inventory.errors import InsufficientStock
from inventory.services import ReserveLine, stock_adjust, stock_pick, stock_reserve
from receiving.services import purchase_order_cancel, purchase_order_open
from replenishment.models import AlertStatus, ReorderRule, ReplenishmentAlert
from replenishment.services import alerts_dismiss, alerts_order
from tests import factories
from tests.receiving.builders import make_po
from tests.replenishment.helpers import rule, stock, supplier
from tests.threads import run_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tee():
    warehouse = factories.warehouse("WH1")
    places = factories.places(warehouse)
    sku = factories.sku("TEE")
    stock(sku, places.bin1, 40)
    return sku, warehouse, places


def test_concurrent_picks_crossing_the_point_together_raise_one_alert(tee):
    """Twelve reservations wait to be picked; the point in force rises (a season starting at
    midnight, before the sweep); twelve associates confirm their picks at the same moment.
    Every pick's check finds projected at or below the point: one alert, no error."""
    sku, warehouse, places = tee
    rule(sku, warehouse, point=5, quantity=50)
    reservations = stock_reserve(lines=[ReserveLine(sku, warehouse, 2)], reference="batch") + [
        stock_reserve(lines=[ReserveLine(sku, warehouse, 2)], reference=f"order-{n}")[0]
        for n in range(11)
    ]  # available 40 - 24 = 16: above 5
    ReorderRule.objects.update(reorder_point=30)
    assert not ReplenishmentAlert.objects.exists()

    def picker(reservation):
        return lambda: stock_pick(reservation=reservation, location=places.bin1, quantity=2)

    run_all([picker(r) for r in reservations])
    (alert,) = ReplenishmentAlert.objects.all()
    assert (alert.status, alert.reorder_point, alert.projected) == (AlertStatus.OPEN, 30, 16)
    assert ReorderRule.objects.get().armed is False


def test_concurrent_orders_crossing_the_point_together_raise_one_alert(tee):
    """Sixteen orders of 2 units race for 40 units against a point of 20: whichever crosses,
    there is one alert, and the ones that come after it raise nothing."""
    sku, warehouse, _ = tee
    rule(sku, warehouse, point=20, quantity=50)

    def order(n):
        return lambda: stock_reserve(lines=[ReserveLine(sku, warehouse, 2)], reference=f"order-{n}")

    run_all([order(n) for n in range(16)])
    (alert,) = ReplenishmentAlert.objects.all()
    assert alert.projected == 20  # the reservation that reached the point raised it
    assert alert.suggested_quantity == 50


def test_mixed_changes_racing_raise_one_alert_and_never_deadlock(tee):
    """Ghost-stock write-downs, orders of two SKUs in both line orders, a purchase order of both
    SKUs cancelled and another opened, all at once."""
    sku, warehouse, places = tee
    mug = factories.sku("MUG")
    stock(mug, places.bin2, 40)
    vendor = supplier()
    rule(sku, warehouse, point=20, quantity=50, supplier=vendor)
    rule(mug, warehouse, point=20, quantity=50, supplier=vendor)
    cancelled = make_po(vendor, warehouse, (sku, 30), (mug, 30))
    draft = make_po(vendor, warehouse, (mug, 5), (sku, 5), status="draft")

    def write_down(item, location):
        return lambda: stock_adjust(sku=item, location=location, quantity=-3, reason="ghost")

    def order(n, first, second):
        def work():
            with contextlib.suppress(InsufficientStock):
                stock_reserve(
                    lines=[ReserveLine(first, warehouse, 2), ReserveLine(second, warehouse, 2)],
                    reference=f"order-{n}",
                )

        return work

    workers = [write_down(sku, places.bin1) for _ in range(3)]
    workers += [write_down(mug, places.bin2) for _ in range(3)]
    workers += [order(n, *((sku, mug) if n % 2 else (mug, sku))) for n in range(8)]
    workers += [lambda: purchase_order_cancel(purchase_order=cancelled)]
    workers += [lambda: purchase_order_open(purchase_order=draft)]
    run_all(workers)
    # 40 - 9 - 16 = 15 available + 5 incoming = 20 <= 20 for each SKU: one alert each
    assert sorted(a.sku.code for a in ReplenishmentAlert.objects.all()) == ["MUG", "TEE"]
    assert ReplenishmentAlert.objects.filter(status=AlertStatus.OPEN).count() == 2


def test_two_people_ordering_the_same_alerts_draft_one_purchase_order(tee):
    sku, warehouse, _ = tee
    rule(sku, warehouse, point=50, quantity=10, supplier=supplier())
    (alert,) = ReplenishmentAlert.objects.all()
    outcomes: list[str] = []

    def act(work):
        def run():
            try:
                work()
                outcomes.append("done")
            except Exception as exc:  # the loser is refused in words
                outcomes.append(type(exc).__name__)

        return run

    run_all(
        [
            act(lambda: alerts_order(ids=[alert.pk])),
            act(lambda: alerts_order(ids=[alert.pk])),
            act(lambda: alerts_dismiss(ids=[alert.pk], reason="no")),
        ]
    )
    assert sorted(outcomes) == ["InvalidState", "InvalidState", "done"]
    alert.refresh_from_db()
    assert alert.status in (AlertStatus.ORDERED, AlertStatus.DISMISSED)
    drafted = 1 if alert.status == AlertStatus.ORDERED else 0
    from receiving.models import PurchaseOrder

    assert PurchaseOrder.objects.count() == drafted
