"""Contention outside the reservation path (issue #11), on PostgreSQL with real threads: a pick
racing a put-back of the same SKU when the packing row's key is lower than the bin's, and a
hold confirmed while the expiry sweep runs. No deadlock (not even a retried one: retries are
logged, the tests look for none), no error, the books agree with the ledger."""

import datetime
import logging
import threading

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone
from psycopg import errors as pg_errors

from channels.models import Order, OrderLine, OrderStatus, PickTask, PickTaskStatus
from channels.services import order_cancel, order_confirm, pick_task_confirm, pick_task_put_back
from channels.tasks import expire_holds_task
from inventory.audit import stock_drift
from inventory.errors import Contention, InvalidState
from inventory.models import BinStock, Reservation, ReservationStatus, Sku
from inventory.services import (
    ReserveLine,
    reservations_expire,
    retry_on_contention,
    stock_reserve,
)
from tests import factories
from tests.channels.helpers import make_channel, place
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 10
PAIRS = 4  # put-backs and picks released together per round


@pytest.fixture
def retries(caplog):
    caplog.set_level(logging.WARNING, logger="inventory.services.contention")
    return lambda: [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]


def test_a_pick_and_a_put_back_never_deadlock_when_packing_sorts_first(warehouse, places, retries):
    sku = factories.sku("HOT")
    # The packing station's row exists before the bin's: its primary key is the lower one.
    BinStock.objects.create(sku=sku, location=places.packing, lot=None, quantity=0)
    factories.stock(sku, places.bin1, 10 * ROUNDS * PAIRS)
    packing_row = BinStock.objects.get(sku=sku, location=places.packing)
    assert packing_row.pk < BinStock.objects.get(sku=sku, location=places.bin1).pk
    channel = make_channel("WEB", warehouse)
    errors = []
    for n in range(ROUNDS):
        works = []
        for k in range(PAIRS):
            cancelled = place(channel, f"gone-{n}-{k}", (sku, 3))
            [first] = cancelled.pick_tasks.all()
            pick_task_confirm(task=first, quantity=3)
            order_cancel(order=Order.objects.get(pk=cancelled.pk))
            wanted = place(channel, f"want-{n}-{k}", (sku, 2))
            [second] = wanted.pick_tasks.all()
            assert second.location_id == places.bin1.pk
            works += [
                lambda task=first: pick_task_put_back(task=PickTask.objects.get(pk=task.pk)),
                lambda task=second: pick_task_confirm(
                    task=PickTask.objects.get(pk=task.pk), quantity=2
                ),
            ]
        outcomes = run_together(*works)
        errors += [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert errors == []
    assert retries() == []
    picks = ROUNDS * PAIRS
    assert PickTask.objects.filter(status=PickTaskStatus.DONE).count() == 2 * picks
    assert BinStock.objects.get(sku=sku, location=places.bin1).quantity == 10 * picks - 2 * picks
    assert BinStock.objects.get(sku=sku, location=places.packing).quantity == 2 * picks
    assert stock_drift() == []


def test_a_hold_confirmed_while_the_sweep_runs_is_either_confirmed_or_expired_never_both(
    warehouse, places, retries
):
    sku = factories.sku("HOLD")
    factories.stock(sku, places.bin1, 5 * ROUNDS)
    channel = make_channel("WEB", warehouse)
    later = timezone.now() + datetime.timedelta(minutes=10)
    outcomes_seen = set()
    for n in range(ROUNDS):
        order = place(channel, f"hold-{n}", (sku, 5), expires_at=later)
        # The sweep runs as if the clock had passed the deadline; the customer pays just then.
        outcomes = run_together(
            lambda: expire_holds_task(now=later + datetime.timedelta(seconds=1)),
            lambda order=order: order_confirm(order=Order.objects.get(pk=order.pk)),
        )
        assert not isinstance(outcomes[0], Exception), outcomes[0]
        assert outcomes[1] is not None
        order.refresh_from_db()
        holds = Reservation.objects.filter(order_line__order=order)
        if order.status == OrderStatus.CANCELLED:  # the sweep won: the confirm was refused
            assert isinstance(outcomes[1], InvalidState)
            assert set(holds.values_list("status", flat=True)) == {ReservationStatus.EXPIRED}
            outcomes_seen.add("expired")
        else:  # the confirm won: the order and every unit of it are firm
            assert not isinstance(outcomes[1], Exception), outcomes[1]
            assert (order.status, order.expires_at) == (OrderStatus.RESERVED, None)
            assert list(holds.values_list("status", "expires_at")) == [
                (ReservationStatus.OPEN, None)
            ]
            outcomes_seen.add("confirmed")
    assert retries() == []
    assert outcomes_seen  # (which side wins each round is the scheduler's business)
    assert stock_drift() == []


def test_the_reservation_sweep_leaves_order_holds_to_their_order(warehouse, places):
    """An order's reservations expire only through the order's own expiry: the sweep of other
    holds never strands an order "reserved" with its units back on sale."""
    sku = factories.sku("MIXED")
    factories.stock(sku, places.bin1, 10)
    later = timezone.now() + datetime.timedelta(minutes=10)
    order = place(make_channel("WEB", warehouse), "o-1", (sku, 2), expires_at=later)
    [loose] = stock_reserve(
        lines=[ReserveLine(sku, warehouse, 3)], reference="counter hold", expires_at=later
    )
    swept = reservations_expire(
        now=later + datetime.timedelta(seconds=1),
        exclude=OrderLine.objects.values("reservation_id"),
    )
    assert swept == 1
    loose.refresh_from_db()
    assert loose.status == ReservationStatus.EXPIRED
    assert Reservation.objects.get(order_line__order=order).status == ReservationStatus.OPEN
    assert stock_drift() == []


@retry_on_contention
@transaction.atomic
def _lock_both(first: Sku, second: Sku, ready: threading.Barrier, calls: list) -> None:
    calls.append(first.code)
    Sku.objects.select_for_update().get(pk=first.pk)
    if len(calls) <= 2:  # only the first attempts meet in the middle
        ready.wait(timeout=10)
    Sku.objects.select_for_update().get(pk=second.pk)


def test_a_real_deadlock_is_retried_and_both_changes_succeed(retries):
    a, b = factories.sku("DL-A"), factories.sku("DL-B")
    ready, calls = threading.Barrier(2), []
    outcomes = run_together(
        lambda: _lock_both(a, b, ready, calls), lambda: _lock_both(b, a, ready, calls)
    )
    assert outcomes == [None, None]
    # PostgreSQL chose a victim and it ran again. Its retry can take its first row back before
    # the winner wakes up to take it, which is a second deadlock and a third try, so this test
    # counts the retries instead of expecting exactly one.
    assert len(calls) >= 3
    assert len(retries()) == len(calls) - 2


def test_contention_that_persists_is_a_409_conflict_with_nothing_changed():
    attempts = []

    @retry_on_contention
    @transaction.atomic
    def always_deadlocked():
        attempts.append(1)
        factories.sku(f"NEVER-{len(attempts)}")
        raise OperationalError("deadlock detected") from pg_errors.DeadlockDetected()

    with pytest.raises(Contention) as caught:
        always_deadlocked()
    assert caught.value.code == "conflict"
    assert len(attempts) == 5
    assert not Sku.objects.filter(code__startswith="NEVER-").exists()
