"""Orders under real concurrency, on PostgreSQL with real threads (DESIGN.md, "Tests").

A shared pool must never oversell, multi-line orders must never deadlock or half-reserve, and
the same order posted at once from many places must exist once."""

import random
from collections import Counter
from functools import partial

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import Order, OrderLine, OrderStatus, PickTask, PickTaskStatus
from channels.services import order_cancel, pick_task_confirm
from inventory.audit import stock_drift
from inventory.errors import InsufficientStock, InvalidState
from inventory.models import Reservation, ReservationStatus, WarehouseStock
from inventory.services import location_create
from tests import factories
from tests.channels.helpers import make_channel, place
from tests.threads import run_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 24


def run_threads(count: int, work) -> list:
    """work(i) in `count` threads released together: every result it returned, flattened; the
    first error re-raised."""
    return [
        result
        for results in run_all([partial(work, i) for i in range(count)])
        for result in results
    ]


def available(sku) -> int:
    return sum(row.on_hand - row.reserved for row in WarehouseStock.objects.filter(sku=sku))


def test_600_orders_for_200_units_across_three_channels(warehouse, places):
    sku = factories.sku("LAST-UNITS")
    factories.stock(sku, places.bin1, 120)
    factories.stock(sku, places.bin2, 80)
    channels = [make_channel(code, warehouse) for code in ("WEB", "SHOPIFY", "WOO")]

    def work(index):
        outcomes = []
        for n in range(index, 600, THREADS):
            try:
                place(channels[n % 3], f"order-{n}", (sku, 1))
                outcomes.append("accepted")
            except InsufficientStock as refused:
                outcomes.append(("refused", tuple(tuple(line.items()) for line in refused.lines)))
        return outcomes

    outcomes = Counter(run_threads(THREADS, work))
    short_line = (("sku", "LAST-UNITS"), ("requested", 1), ("available", 0))
    assert outcomes == {"accepted": 200, ("refused", (short_line,)): 400}
    assert Order.objects.count() == 200
    assert available(sku) == 0
    assert WarehouseStock.objects.get(sku=sku).reserved == 200
    planned = sum(PickTask.objects.filter(sku=sku).values_list("quantity", flat=True))
    assert planned == 200  # every accepted unit has a bin to come from, none planned twice
    assert stock_drift() == []


def test_through_the_api_exactly_the_stock_is_sold(warehouse, places):
    sku = factories.sku("API-UNITS")
    factories.stock(sku, places.bin1, 40)
    for code in ("WEB", "SHOPIFY", "WOO"):
        make_channel(code, warehouse)
    token = Token.objects.create(user=factories.user("integrator", role="manager")).key
    codes = ("WEB", "SHOPIFY", "WOO")

    def work(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        statuses = []
        for n in range(index, 120, 12):
            response = client.post(
                "/api/v1/orders/",
                {
                    "channel": codes[n % 3],
                    "external_id": f"api-{n}",
                    "lines": [{"sku": "API-UNITS", "quantity": 1}],
                },
                format="json",
            )
            if response.status_code == 409:
                assert response.json()["code"] == "insufficient_stock"
            statuses.append(response.status_code)
        return statuses

    assert Counter(run_threads(12, work)) == {201: 40, 409: 80}
    assert available(sku) == 0
    assert stock_drift() == []


def test_multi_line_orders_in_random_line_order_never_deadlock_or_half_reserve(places):
    rng = random.Random(4)
    warehouse = places.bin1.warehouse
    second = factories.warehouse("WH-B")
    bin_b = location_create(warehouse=second, code="B-01", travel_cost=2)
    skus = [factories.sku(f"MULTI-{n}") for n in range(6)]
    for sku in skus:
        factories.stock(sku, places.bin1, rng.randint(5, 15))
        factories.stock(sku, bin_b, rng.randint(5, 15))
    channels = [make_channel("A", warehouse, second), make_channel("B", second, warehouse)]
    plans = [
        [(rng.choice(skus), rng.randint(1, 4)) for _ in range(rng.randint(2, 5))]
        for _ in range(THREADS * 10)
    ]

    def work(index):
        done = []
        for n in range(index, len(plans), THREADS):
            lines = list(plans[n])
            random.Random(n).shuffle(lines)
            try:
                order = place(channels[n % 2], f"multi-{n}", *lines)
                done.append(("accepted", order.pk, n))
            except InsufficientStock:
                done.append(("refused", None, n))
            if n % 7 == 0 and done[-1][0] == "accepted":
                order_cancel(order=Order.objects.get(pk=done[-1][1]))  # cancels race intakes
        return done

    results = run_threads(THREADS, work)
    accepted = [(pk, n) for outcome, pk, n in results if outcome == "accepted"]
    assert accepted, "the run should sell something"
    assert any(outcome == "refused" for outcome, _, _ in results), "and refuse something"
    assert Order.objects.count() == len(accepted)
    for pk, n in accepted:  # all or nothing: each accepted order holds exactly what it asked
        asked = Counter()
        for sku, quantity in plans[n]:
            asked[sku.code] += quantity
        got = Counter()
        for line in OrderLine.objects.filter(order_id=pk).select_related("sku", "reservation"):
            got[line.sku.code] += line.reservation.original_quantity
        assert got == asked
    refused_refs = {f"multi-{n}" for outcome, _, n in results if outcome == "refused"}
    assert not Order.objects.filter(external_id__in=refused_refs).exists()
    open_reserved = sum(
        Reservation.objects.filter(status=ReservationStatus.OPEN).values_list("quantity", flat=True)
    )
    assert open_reserved == sum(WarehouseStock.objects.values_list("reserved", flat=True))
    assert stock_drift() == []


def test_the_same_order_from_ten_threads_exists_once(warehouse, places):
    sku = factories.sku("ONCE")
    factories.stock(sku, places.bin1, 50)
    channel = make_channel("WEB", warehouse)
    from channels.services import OrderLineRequest, order_create

    def work(index):
        order, created = order_create(
            channel=channel, external_id="dup-1", lines=[OrderLineRequest(sku, 3)]
        )
        return [(order.pk, created)]

    results = run_threads(10, work)
    assert len({pk for pk, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 9 + [True]
    assert Order.objects.count() == 1
    assert WarehouseStock.objects.get(sku=sku).reserved == 3
    assert stock_drift() == []


def test_picks_short_picks_and_cancels_race_without_breaking_the_books(warehouse, places):
    skus = [factories.sku(f"RACE-{n}") for n in range(3)]
    for sku in skus:
        factories.stock(sku, places.bin1, 40)
        factories.stock(sku, places.bin2, 40)
    channel = make_channel("WEB", warehouse)
    orders = [
        place(channel, f"race-{n}", (skus[n % 3], 2), (skus[(n + 1) % 3], 3)) for n in range(36)
    ]
    tasks = list(PickTask.objects.values_list("pk", "order_id", "quantity"))

    def work(index):
        rng = random.Random(index)
        seen = []
        for pk, order_id, quantity in tasks[index::THREADS]:
            try:
                if rng.random() < 0.15:
                    order_cancel(order=Order.objects.get(pk=order_id))
                    seen.append("cancelled")
                else:
                    found = quantity if rng.random() < 0.8 else rng.randint(0, quantity - 1)
                    pick_task_confirm(task=PickTask.objects.get(pk=pk), quantity=found)
                    seen.append("picked")
            except InvalidState:
                seen.append("too late")  # the order was cancelled or the pick done meanwhile
        return seen

    run_threads(THREADS, work)
    assert len(orders) == Order.objects.count()
    for order in Order.objects.all():
        if order.status != OrderStatus.CANCELLED:
            assert not order.pick_tasks.filter(status=PickTaskStatus.CANCELLED).exists()
    assert stock_drift() == []
