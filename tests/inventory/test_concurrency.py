"""The stock engine under real concurrency: threads on PostgreSQL, started together by a barrier.

Each worker records the refusals it expects (InsufficientStock, InvalidState); anything else it
raises (IntegrityError from a CHECK, OperationalError from a deadlock) fails the test.
"""

import random
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db.models import Sum

from inventory.audit import stock_drift
from inventory.errors import InsufficientStock, InvalidState
from inventory.models import BinStock, Reservation, ReservationStatus, WarehouseStock
from inventory.services import (
    ReserveLine,
    reservation_release,
    stock_move,
    stock_pick,
    stock_reserve,
)
from tests import factories
from tests.threads import run_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Tally:
    """A counter several threads add to (`Counter[key] += n` is not atomic across threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter = Counter()

    def add(self, key, quantity: int) -> None:
        with self._lock:
            self.counts[key] += quantity


def balance(sku, warehouse) -> tuple[int, int]:
    row = WarehouseStock.objects.get(sku=sku, warehouse=warehouse)
    return row.on_hand, row.reserved


def test_three_channels_reserve_exactly_what_there_is(sku, warehouse, places):
    factories.stock(sku, places.bin1, 120)
    factories.stock(sku, places.bin2, 80)
    reserved = Tally()
    refusals: list[Exception] = []

    def channel_worker(name: str, seed: int) -> Callable[[], None]:
        def work() -> None:
            rng = random.Random(seed)
            greedy = True  # ask for 1-3 until refused, then 1 at a time until refused again
            for n in range(1000):
                quantity = rng.randint(1, 3) if greedy else 1
                try:
                    stock_reserve(
                        lines=[ReserveLine(sku, warehouse, quantity)], reference=f"{name}-{n}"
                    )
                except InsufficientStock as exc:
                    refusals.append(exc)
                    if not greedy:
                        return
                    greedy = False
                else:
                    reserved.add(name, quantity)

        return work

    run_all(
        [
            channel_worker(f"{channel}{thread}", seed=thread * 10 + index)
            for index, channel in enumerate(("shop", "market", "pos"))
            for thread in range(4)
        ]
    )
    assert sum(reserved.counts.values()) == 200
    assert Reservation.objects.aggregate(total=Sum("quantity"))["total"] == 200
    assert balance(sku, warehouse) == (200, 200)
    assert len(refusals) >= 12
    assert all(exc.lines[0]["available"] < exc.lines[0]["requested"] for exc in refusals)
    assert stock_drift() == []


def test_multi_line_orders_in_random_line_order_never_deadlock(warehouse, places):
    other = factories.warehouse()
    other_places = factories.places(other)
    skus = [factories.sku() for _ in range(5)]
    for sku in skus:
        factories.stock(sku, places.bin1, 30)
        factories.stock(sku, other_places.bin1, 10)
    keys = [(sku, wh) for sku in skus for wh in (warehouse, other)]
    placed: dict[str, Counter] = {}
    refused: dict[str, list[dict]] = {}

    def shopper(seed: int) -> Callable[[], None]:
        def work() -> None:
            rng = random.Random(seed)
            for n in range(25):
                lines = [ReserveLine(sku, wh, rng.randint(1, 4)) for sku, wh in rng.sample(keys, 3)]
                reference = f"t{seed}-{n}"
                try:
                    stock_reserve(lines=lines, reference=reference)
                except InsufficientStock as exc:
                    refused[reference] = exc.lines
                else:
                    placed[reference] = Counter(
                        {(line.sku.pk, line.warehouse.pk): line.quantity for line in lines}
                    )

        return work

    run_all([shopper(seed) for seed in range(12)])
    assert placed, "no order went through"
    assert refused, "stock never ran short: the test proves nothing"
    rows: dict[str, Counter] = {}
    for reference, sku_id, warehouse_id, quantity in Reservation.objects.values_list(
        "reference", "sku_id", "warehouse_id", "quantity"
    ):
        rows.setdefault(reference, Counter())[(sku_id, warehouse_id)] = quantity
    assert rows == placed  # every line of every placed order, nothing of a refused one
    assert all(
        line["available"] < line["requested"] for lines in refused.values() for line in lines
    )
    for row in WarehouseStock.objects.all():
        promised = sum(order[(row.sku_id, row.warehouse_id)] for order in placed.values())
        assert row.reserved == promised <= row.on_hand
    assert stock_drift() == []


def test_moves_both_ways_between_the_same_bins_never_deadlock(sku, warehouse, places):
    factories.stock(sku, places.bin1, 100)
    factories.stock(sku, places.bin2, 100)
    routes = [
        (places.bin1, places.bin2),
        (places.bin2, places.bin1),
        (places.bin1, places.quarantine),  # these also take the warehouse row
        (places.quarantine, places.bin2),
    ]
    moved = Tally()

    def mover(source, target, seed: int) -> Callable[[], None]:
        def work() -> None:
            rng = random.Random(seed)
            for _ in range(30):
                quantity = rng.randint(1, 3)
                try:
                    stock_move(sku=sku, from_location=source, to_location=target, quantity=quantity)
                except InsufficientStock:
                    continue
                moved.add((source.code, target.code), quantity)

        return work

    run_all([mover(*route, seed=i * 4 + j) for i, route in enumerate(routes) for j in range(3)])
    assert moved.counts[("A-01", "A-02")]
    assert moved.counts[("A-02", "A-01")]
    held = dict(BinStock.objects.filter(sku=sku).values_list("location__code", "quantity"))
    assert sum(held.values()) == 200
    assert balance(sku, warehouse) == (held["A-01"] + held["A-02"], 0)
    assert stock_drift() == []


def test_concurrent_picks_and_releases_never_take_more_than_reserved(sku, warehouse, places):
    factories.stock(sku, places.bin1, 100)
    picked, released = Tally(), Tally()
    for round_ in range(4):
        [reservation] = stock_reserve(
            lines=[ReserveLine(sku, warehouse, 10)], reference=f"round-{round_}"
        )

        def picker(seed: int, reservation=reservation) -> Callable[[], None]:
            def work() -> None:
                rng = random.Random(seed)
                quantity = rng.randint(1, 3)
                while True:
                    try:
                        stock_pick(
                            reservation=reservation,
                            location=places.bin1,
                            quantity=quantity,
                            to_location=places.packing,
                        )
                    except InvalidState:  # closed, or fewer left than asked
                        if quantity == 1:
                            return
                        quantity = 1
                    else:
                        picked.add(reservation.pk, quantity)

            return work

        def releaser(seed: int, reservation=reservation) -> Callable[[], None]:
            def work() -> None:
                rng = random.Random(seed)
                while True:
                    try:
                        released.add(
                            reservation.pk,
                            reservation_release(
                                reservation=reservation, quantity=rng.randint(1, 2)
                            ),
                        )
                    except InvalidState:
                        return

            return work

        run_all([picker(round_ * 10 + i) for i in range(5)] + [releaser(i) for i in range(3)])
        reservation.refresh_from_db()
        assert reservation.quantity == 0
        assert reservation.status in {ReservationStatus.FULFILLED, ReservationStatus.RELEASED}
        assert picked.counts[reservation.pk] + released.counts[reservation.pk] == 10
    total_picked = sum(picked.counts.values())
    assert total_picked > 0
    assert balance(sku, warehouse) == (100 - total_picked, 0)
    assert BinStock.objects.get(location=places.packing).quantity == total_picked
    assert stock_drift() == []


def test_reservations_and_picks_of_one_sku_at_once_never_deadlock(sku, warehouse, places):
    """A pick locks its reservation; a new reservation of the same SKU updates the warehouse row
    and, at commit, checks its foreign key to the SKU. The pick must not lock the SKU row too."""
    factories.stock(sku, places.bin1, 400)
    open_orders = [
        stock_reserve(lines=[ReserveLine(sku, warehouse, 5)], reference=f"open-{i}")[0]
        for i in range(8)
    ]

    def picker(reservation) -> Callable[[], None]:
        def work() -> None:
            for _ in range(5):
                stock_pick(reservation=reservation, location=places.bin1, quantity=1)

        return work

    def reserver(seed: int) -> Callable[[], None]:
        def work() -> None:
            for n in range(20):
                stock_reserve(lines=[ReserveLine(sku, warehouse, 1)], reference=f"r{seed}-{n}")

        return work

    run_all([picker(order) for order in open_orders] + [reserver(i) for i in range(6)])
    assert balance(sku, warehouse) == (400 - 40, 120)
    assert stock_drift() == []
