"""Counts against picks at the same moment (PostgreSQL, real threads). The count's submit and
the pick take the same bin row, so one waits for the other: the count's expected quantity is
the books at the instant it went through, the pick's units leave exactly once, nothing
deadlocks and the books balance (the root conftest runs stock_audit after each test)."""

import pytest

from channels.models import PickTask
from channels.services import pick_task_confirm
from inventory.models import CountStatus, MovementKind, StockMovement
from inventory.services.count_posting import CountedLine, count_submit
from inventory.services.counts import count_create
from tests import factories
from tests.channels.helpers import make_channel, place
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 6


def bin_qty(sku, location):
    return location.bin_stock.get(sku=sku, lot=None).quantity


def test_a_count_submitted_while_a_pick_is_confirmed_neither_erases_nor_doubles_it(
    warehouse, places, caplog
):
    shop = make_channel("SHOP", warehouse)
    for round_ in range(ROUNDS):
        shirt = factories.sku(f"SHIRT-{round_}")
        factories.stock(shirt, places.bin1, 40)
        order = place(shop, f"o-{round_}", (shirt, 1))
        task = PickTask.objects.get(order=order)
        count = count_create(warehouse=warehouse, location=places.bin1, sku=shirt)
        # The counter saw 40 in the bin: the picker's unit was still there.
        outcomes = run_together(
            lambda task=task: pick_task_confirm(task=task, quantity=1),
            lambda count=count, shirt=shirt: count_submit(
                count=count, lines=[CountedLine(location=places.bin1, sku=shirt, quantity=40)]
            ),
        )
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        line = count.lines.get()
        assert StockMovement.objects.filter(kind=MovementKind.PICK, sku=shirt).count() == 1
        if line.expected == 40:  # the count went first: no variance; the pick came after it
            assert (line.variance, bin_qty(shirt, places.bin1)) == (0, 39)
        else:  # the pick went first: the count found the unit the pick had taken
            assert (line.expected, line.variance, line.posted) == (39, 1, 1)
            assert bin_qty(shirt, places.bin1) == 40
        assert outcomes[1].status == CountStatus.POSTED
    assert "deadlock" not in caplog.text


def test_a_short_pick_and_a_count_of_the_same_bin_at_once_do_not_deadlock(
    warehouse, places, caplog
):
    shop = make_channel("SHOP", warehouse)
    for round_ in range(ROUNDS):
        shirt = factories.sku(f"GHOST-{round_}")
        factories.stock(shirt, places.bin1, 10)
        factories.stock(shirt, places.bin2, 10)
        order = place(shop, f"g-{round_}", (shirt, 4))
        task = PickTask.objects.get(order=order, location=places.bin1)
        count = count_create(warehouse=warehouse, location=places.bin2, sku=shirt)
        outcomes = run_together(
            lambda task=task: pick_task_confirm(task=task, quantity=0),  # the bin is empty
            lambda count=count, shirt=shirt: count_submit(
                count=count, lines=[CountedLine(location=places.bin2, sku=shirt, quantity=10)]
            ),
        )
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        assert count.lines.get().variance == 0
    assert "deadlock" not in caplog.text
