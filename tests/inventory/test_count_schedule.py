"""Counts on a schedule by ABC class: each day a class of n SKUs counted every d days opens
ceil(n / d) counts, oldest last count first, skipping SKUs being counted."""

import datetime

import pytest
from django.test.utils import override_settings
from django.utils import timezone
from django_q.models import Schedule

from inventory.models import CountOrigin, CycleCount, SkuVelocity
from inventory.services import location_create
from inventory.services.count_posting import CountedLine, count_submit
from inventory.services.count_schedule import count_schedule_generate, count_schedule_plan
from inventory.tasks import count_schedule_task
from tests import factories

pytestmark = pytest.mark.django_db


def stocked(warehouse, places, prefix, n, abc):
    skus = []
    for index in range(n):
        sku = factories.sku(f"{prefix}-{index:02}")
        location = location_create(
            warehouse=warehouse, code=f"BIN-{prefix}{index:02}", parent=places.zone
        )
        factories.stock(sku, location, 10)
        SkuVelocity.objects.create(
            sku=sku, warehouse=warehouse, abc=abc, computed_at=timezone.now()
        )
        skus.append(sku)
    return skus


def test_each_class_opens_its_daily_share(warehouse, places):
    stocked(warehouse, places, "A", 14, "A")  # every 7 days: 2 a day
    stocked(warehouse, places, "B", 31, "B")  # every 30 days: 2 a day
    stocked(warehouse, places, "C", 10, "C")  # every 90 days: 1 a day
    assert count_schedule_generate(warehouses=[warehouse.pk]) == {"A": 2, "B": 2, "C": 1}
    counts = CycleCount.objects.filter(origin=CountOrigin.SCHEDULE)
    assert counts.count() == 5
    assert all(count.sku_id and count.lines.count() == 1 for count in counts)
    # The same day again: the chosen SKUs are being counted, the next ones come up.
    assert count_schedule_generate(warehouses=[warehouse.pk]) == {"A": 2, "B": 2, "C": 1}
    assert CycleCount.objects.values("sku").distinct().count() == 10


def test_a_sku_counted_recently_is_not_due_and_the_oldest_comes_first(warehouse, places):
    stocked(warehouse, places, "A", 2, "A")
    opened = count_schedule_generate(warehouses=[warehouse.pk])
    assert opened["A"] == 1  # ceil(2 / 7)
    chosen = CycleCount.objects.get().sku
    count_submit(
        count=CycleCount.objects.get(),
        lines=[CountedLine(location=chosen.bin_stock.get().location, sku=chosen, quantity=10)],
    )
    assert count_schedule_generate(warehouses=[warehouse.pk])["A"] == 1
    assert CycleCount.objects.latest("pk").sku != chosen  # the never-counted one is next
    later = timezone.now() + datetime.timedelta(days=3)
    plan = {row["abc"]: row for row in count_schedule_plan(warehouses=[warehouse.pk], now=later)}
    assert (plan["A"]["skus"], plan["A"]["due"], plan["A"]["every_days"]) == (2, 0, 7)
    week = timezone.now() + datetime.timedelta(days=8)
    plan = {row["abc"]: row for row in count_schedule_plan(warehouses=[warehouse.pk], now=week)}
    assert plan["A"]["due"] == 1  # the other is still being counted


def test_unclassed_stock_is_c_and_intervals_are_settings(warehouse, places):
    sku = factories.sku("PLAIN")
    factories.stock(sku, places.bin1, 3)
    with override_settings(IMS_COUNT_EVERY_DAYS={"C": 1}):
        plan = {row["abc"]: row for row in count_schedule_plan(warehouses=[warehouse.pk])}
        assert (plan["C"]["skus"], plan["C"]["every_days"], plan["C"]["today"]) == (1, 1, 1)
        assert count_schedule_task() == {"A": 0, "B": 0, "C": 1}


def test_associates_get_the_scheduled_counts_least_busy_first(warehouse, places):
    ann, bob = factories.user("ann", role="associate"), factories.user("bob", role="associate")
    warehouse.staff.add(ann, bob)
    stocked(warehouse, places, "A", 14, "A")
    count_schedule_generate(warehouses=[warehouse.pk])
    assert sorted(c.assignee.username for c in CycleCount.objects.all()) == ["ann", "bob"]


def test_the_schedule_runs_each_morning():
    schedule = Schedule.objects.get(func="inventory.tasks.count_schedule_task")
    assert (schedule.schedule_type, schedule.repeats) == ("D", -1)
    assert timezone.localtime(schedule.next_run).time() == datetime.time(3, 30)
