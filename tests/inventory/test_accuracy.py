"""Ghost stock, the count accuracy KPI and shrinkage (inventory/selectors/accuracy.py), on the
SKU page and the dashboard.

Data is built through the services: found discrepancies are `adjust` rows whose reason starts
with FOUND_DISCREPANCY (what a short pick writes), and count variances come from real counts
(count_create, count_submit, count_approve). The clock is patched so rows land in the weeks and
months under test. The ledger's created_at and a line's counted_at both come from it.
"""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.services import pick_task_confirm
from inventory.models import CountLineStatus, CycleCountLine, MovementKind
from inventory.selectors.accuracy import (
    FOUND_DISCREPANCY,
    accuracy_by_week,
    ghost_stock_list,
    ghost_stock_summary,
    month_starts,
    shrinkage_by_month,
    week_start,
)
from inventory.services import stock_adjust
from inventory.services.count_posting import (
    CountedLine,
    count_approve,
    count_recount,
    count_submit,
)
from inventory.services.counts import count_create
from receiving.services import supplier_create
from tests import factories
from tests.channels.helpers import make_channel, place
from tests.receiving.builders import make_po

pytestmark = pytest.mark.django_db

# A constant number of queries whatever the data (the same cap at two sizes).
GHOST_LIST_QUERIES = 1
SUMMARY_QUERIES = 1
ACCURACY_QUERIES = 1
SHRINKAGE_QUERIES = 1


def _at(moment: datetime.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


def _days_ago(days: int) -> datetime.datetime:
    return _noon(timezone.localdate() - datetime.timedelta(days=days))


def found(sku, location, quantity: int, *, note: str = "short pick #1 found 0 of 3"):
    """What a short pick (negative) or a surplus pick (positive) writes."""
    return stock_adjust(
        sku=sku,
        location=location,
        quantity=quantity,
        reason=f"{FOUND_DISCREPANCY}: {note}",
        reference="order-1",
        kind=MovementKind.ADJUST,
    )


def counted(warehouse, location, sku, quantity: int, *, approve: bool = True):
    """Count `sku` in `location` and find `quantity`; a held variance is approved (posted)."""
    count = count_create(warehouse=warehouse, location=location, sku=sku)
    count = count_submit(
        count=count, lines=[CountedLine(location=location, sku=sku, quantity=quantity)]
    )
    if approve and count.status == "pending_approval":
        count = count_approve(count=count)
    return count


@pytest.fixture
def tee(places):
    item = factories.sku("TEE")
    factories.stock(item, places.bin1, 10)
    factories.stock(item, places.bin2, 100)
    return item


# ---------- ghost stock ----------


def test_ghost_stock_lists_found_discrepancies_and_negative_count_variances(warehouse, places, tee):
    with _at(_days_ago(3)):
        found(tee, places.bin1, -3)  # a short pick: ghost stock
    with _at(_days_ago(2)):
        counted(warehouse, places.bin2, tee, 97)  # a negative count variance: ghost stock
    with _at(_days_ago(1)):
        found(tee, places.bin2, 2, note="pick #2 found 99, the books said 97")  # surplus
        counted(warehouse, places.bin1, tee, 8)  # +1: positive variance, not ghost stock
        stock_adjust(sku=tee, location=places.bin1, quantity=-1, reason="damaged")  # by hand

    rows = list(ghost_stock_list())
    assert [(r.kind, r.from_location.code, r.quantity) for r in rows] == [
        (MovementKind.COUNT, "A-02", 3),
        (MovementKind.ADJUST, "A-01", 3),
    ]
    count_row, short_row = rows
    assert count_row.reference.startswith("count #")
    assert short_row.reason.startswith(FOUND_DISCREPANCY)
    # The short pick's bin was counted since (the +1 count): it no longer awaits a count.
    assert short_row.awaiting_count is False
    assert count_row.awaiting_count is False


def test_a_found_discrepancy_awaits_a_count_until_its_bin_is_counted(warehouse, places, tee):
    with _at(_days_ago(2)):
        counted(warehouse, places.bin1, tee, 10)  # counted before: does not count
        found(tee, places.bin1, -4)
    [row] = ghost_stock_list()
    assert row.awaiting_count is True
    assert ghost_stock_summary().awaiting_count == 1

    counted(warehouse, places.bin1, tee, 6)
    [row] = ghost_stock_list()
    assert row.awaiting_count is False
    summary = ghost_stock_summary()
    assert (summary.events, summary.units, summary.skus, summary.awaiting_count) == (1, 4, 1, 0)


def test_a_real_short_pick_is_ghost_stock_awaiting_the_count_it_queued(warehouse, places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 3)
    factories.stock(shirt, places.bin2, 4)
    order = place(make_channel("SHOP", warehouse), "1", (shirt, 3))
    task = order.pick_tasks.get()
    pick_task_confirm(task=task, quantity=1)  # the books said 3; the bin held 1

    [row] = ghost_stock_list(sku=shirt)
    assert (row.from_location, row.quantity, row.awaiting_count) == (places.bin1, 2, True)
    assert row.reference == order.reference
    # the count the short pick queued is open (blind): not counted, so nothing is resolved yet
    assert accuracy_by_week(weeks=1).counted == 0
    count = CycleCountLine.objects.get(sku=shirt, location=places.bin1).count
    count_submit(count=count, lines=[CountedLine(location=places.bin1, sku=shirt, quantity=0)])
    [row] = ghost_stock_list(sku=shirt)
    assert row.awaiting_count is False
    assert (accuracy_by_week(weeks=1).counted, accuracy_by_week(weeks=1).exact) == (1, 1)


def test_ghost_stock_is_scoped_per_warehouse_and_sku_and_summed_over_30_days(
    warehouse, places, tee
):
    other = factories.warehouse("FAR")
    far = factories.places(other)
    mug = factories.sku("MUG")
    factories.stock(mug, places.bin1, 5)
    factories.stock(tee, far.bin1, 5)
    with _at(_days_ago(40)):
        found(tee, places.bin1, -1)  # outside the summary's 30 days, still listed
    found(tee, places.bin1, -2)
    found(mug, places.bin1, -1)
    found(tee, far.bin1, -5)

    assert len(ghost_stock_list()) == 4
    assert len(ghost_stock_list(warehouses=frozenset({warehouse.pk}))) == 3
    assert [r.warehouse.code for r in ghost_stock_list(warehouses={other.pk})] == ["FAR"]
    assert len(ghost_stock_list(warehouses=frozenset())) == 0
    assert {r.sku.code for r in ghost_stock_list(sku=mug)} == {"MUG"}
    here = ghost_stock_summary(warehouses={warehouse.pk})
    assert (here.events, here.units, here.skus) == (2, 3, 2)
    everywhere = ghost_stock_summary()
    assert (everywhere.events, everywhere.units, everywhere.skus) == (3, 8, 2)


# ---------- accuracy per week ----------


def test_accuracy_per_week_counts_counted_lines_and_those_without_variance(warehouse, places, tee):
    today = timezone.localdate()
    two_weeks_ago = week_start(today) - datetime.timedelta(weeks=2)
    with _at(_noon(two_weeks_ago + datetime.timedelta(days=2))):
        counted(warehouse, places.bin1, tee, 10)  # exact
        counted(warehouse, places.bin2, tee, 99)  # -1 of 100: posted at once
    counted(warehouse, places.bin1, tee, 10)  # this week, exact
    held = counted(warehouse, places.bin2, tee, 80, approve=False)  # held: counted, not exact
    assert held.lines.get().status == CountLineStatus.HELD
    # An open count's lines are not counted (and never show what they expect).
    mug = factories.sku("MUG")
    factories.stock(mug, places.bin1, 3)
    count_create(warehouse=warehouse, location=places.bin1, sku=mug)
    # Another warehouse's count.
    other = factories.warehouse("FAR")
    far = factories.places(other)
    factories.stock(tee, far.bin1, 5)
    counted(other, far.bin1, tee, 4)

    report = accuracy_by_week(weeks=4, warehouses={warehouse.pk})
    assert [w.week for w in report.weeks] == [
        week_start(today) - datetime.timedelta(weeks=n) for n in (3, 2, 1, 0)
    ]
    assert [(w.counted, w.exact) for w in report.weeks] == [(0, 0), (2, 1), (0, 0), (2, 1)]
    assert [w.percent for w in report.weeks] == [None, 50.0, None, 50.0]
    assert (report.counted, report.exact, report.percent) == (4, 2, 50.0)

    everywhere = accuracy_by_week(weeks=4)
    assert (everywhere.counted, everywhere.exact) == (5, 2)
    assert accuracy_by_week(weeks=4, warehouses=frozenset()).percent is None


def test_a_recounted_line_was_counted_too(warehouse, places, tee):
    held = counted(warehouse, places.bin2, tee, 50, approve=False)
    recount = count_recount(count=held)
    assert CycleCountLine.objects.get(count=held).status == CountLineStatus.CANCELLED
    count_submit(count=recount, lines=[CountedLine(location=places.bin2, sku=tee, quantity=100)])
    report = accuracy_by_week(weeks=1)
    assert (report.counted, report.exact) == (2, 1)  # the doubted count and the recount


# ---------- shrinkage per month ----------


def test_shrinkage_nets_losses_and_gains_per_month_and_values_them_at_the_po_cost(
    warehouse, places, tee
):
    supplier = supplier_create(code="ACME", name="Acme Supplies", email="orders@acme.example")
    make_po(supplier, warehouse, (tee, 10, "2.50"))
    mug = factories.sku("MUG")  # never bought: no cost
    factories.stock(mug, places.bin1, 5)
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=10)
    with _at(_noon(last_month)):
        found(tee, places.bin1, -2)
    found(tee, places.bin1, -3)  # 3 lost
    counted(warehouse, places.bin2, tee, 101)  # 1 found
    counted(warehouse, places.bin1, mug, 4)  # 1 lost, cost unknown
    stock_adjust(sku=tee, location=places.bin2, quantity=-7, reason="damaged")  # not counted

    report = shrinkage_by_month(months=3)
    assert [m.month for m in report.months] == month_starts(3, today)
    assert report.months[0].units == 0
    prior, now = report.months[1], report.months[2]
    assert (prior.units, prior.value, prior.uncosted) == (2, Decimal("5.00"), 0)
    assert (now.units, now.value, now.uncosted) == (3, Decimal("5.00"), 1)
    assert (report.units, report.value, report.uncosted) == (5, Decimal("10.00"), 1)

    # a warehouse of its own sees its own
    other = factories.warehouse("FAR")
    far = factories.places(other)
    factories.stock(tee, far.bin1, 5)
    found(tee, far.bin1, -5)
    assert shrinkage_by_month(months=3, warehouses={other.pk}).months[-1].value == Decimal("12.50")
    assert shrinkage_by_month(months=3, warehouses={warehouse.pk}).units == 5


def test_shrinkage_without_any_cost_is_valued_at_zero_and_says_so(places, tee):
    found(tee, places.bin1, -4)
    found(tee, places.bin2, 1, note="pick #3 found 101, the books said 100")
    report = shrinkage_by_month(months=1)
    assert (report.units, report.value, report.uncosted) == (3, Decimal("0.00"), 2)


def test_month_starts_cross_the_year():
    assert month_starts(3, datetime.date(2025, 2, 14)) == [
        datetime.date(2024, 12, 1),
        datetime.date(2025, 1, 1),
        datetime.date(2025, 2, 1),
    ]


# ---------- query counts ----------


def _busy_ledger(warehouse, places, n: int):
    for _ in range(n):
        item = factories.sku()
        factories.stock(item, places.bin1, 5)
        found(item, places.bin1, -1)
        counted(warehouse, places.bin1, item, 3)


def test_each_read_runs_one_query_whatever_the_data(
    warehouse, places, django_assert_max_num_queries
):
    for size in (1, 12):
        _busy_ledger(warehouse, places, size)
        with django_assert_max_num_queries(GHOST_LIST_QUERIES):
            rows = list(ghost_stock_list(warehouses={warehouse.pk})[:50])
            shown = [(r.sku.code, r.from_location.code, r.warehouse.code) for r in rows]
            assert len(shown) == len(rows)
            assert not any(r.awaiting_count for r in rows)  # each bin was counted since
        with django_assert_max_num_queries(SUMMARY_QUERIES):
            ghost_stock_summary(warehouses={warehouse.pk})
        with django_assert_max_num_queries(ACCURACY_QUERIES):
            accuracy_by_week(warehouses={warehouse.pk})
        with django_assert_max_num_queries(SHRINKAGE_QUERIES):
            shrinkage_by_month(warehouses={warehouse.pk})
    assert accuracy_by_week().counted == 13


# ---------- the SKU page and the dashboard ----------


@pytest.fixture
def manager_client(client, user):
    client.force_login(user)
    return client


def test_the_sku_page_shows_its_ghost_stock(manager_client, warehouse, places, tee):
    found(tee, places.bin1, -3)
    counted(warehouse, places.bin2, tee, 96)
    mug = factories.sku("MUG")
    factories.stock(mug, places.bin1, 2)
    found(mug, places.bin1, -2)

    response = manager_client.get(reverse("sku-detail", args=["TEE"]))
    assert response.status_code == 200
    rows = response.context["ghost_stock"]
    assert [(r.kind, r.from_location.code, r.quantity) for r in rows] == [
        (MovementKind.COUNT, "A-02", 4),
        (MovementKind.ADJUST, "A-01", 3),
    ]
    html = response.content.decode()
    assert 'id="ghost-title"' in html
    assert "Awaiting a count" in html  # the short pick's bin has not been counted since
    assert "count #" in html


def test_the_sku_page_shows_no_ghost_stock_of_another_warehouse(client, warehouse, places, tee):
    other = factories.warehouse("FAR")
    far = factories.places(other)
    factories.stock(tee, far.bin1, 5)
    found(tee, far.bin1, -5)
    person = factories.user("north", role="manager")
    warehouse.staff.add(person)
    client.force_login(person)
    response = client.get(reverse("sku-detail", args=["TEE"]))
    assert list(response.context["ghost_stock"]) == []
    assert "No ghost stock" in response.content.decode()


def test_the_dashboard_shows_ghost_stock_accuracy_and_shrinkage(client, warehouse, places, tee):
    supplier = supplier_create(code="ACME", name="Acme Supplies", email="orders@acme.example")
    make_po(supplier, warehouse, (tee, 10, "2.00"))
    found(tee, places.bin1, -3)
    counted(warehouse, places.bin2, tee, 100)  # exact
    counted(warehouse, places.bin1, tee, 6)  # -1: counts the short pick's bin too
    other = factories.warehouse("FAR")
    far = factories.places(other)
    factories.stock(tee, far.bin1, 5)
    found(tee, far.bin1, -5)  # not the manager's
    person = factories.user("north", role="manager")
    warehouse.staff.add(person)
    client.force_login(person)

    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    ghost = response.context["ghost"]
    assert (ghost.events, ghost.units, ghost.awaiting_count) == (2, 4, 0)
    assert [r.quantity for r in response.context["ghost_rows"]] == [1, 3]
    accuracy = response.context["accuracy"]
    assert (accuracy.counted, accuracy.exact, accuracy.percent) == (2, 1, 50.0)
    shrinkage = response.context["shrinkage"]
    assert (shrinkage.units, shrinkage.value) == (4, Decimal("8.00"))
    html = response.content.decode()
    for figure in ("ghost-stock", "accuracy", "shrinkage"):
        assert f'data-figure="{figure}"' in html
    assert "50.0%" in html
    assert "8.00" in html
    assert html.count('class="bars"') >= 3  # the weekly chart and the two monthly charts
