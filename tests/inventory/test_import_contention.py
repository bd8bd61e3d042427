"""Opening-stock imports touching the same bins in opposite orders, at once (PostgreSQL, real
threads): the bulk path inserts missing lots, bins and warehouse rows in key order and locks
every row in primary-key order (lots, bins, then WarehouseStock), so one import waits for the
other instead of deadlocking; both apply in full and the books balance."""

import time

import pytest
from django.db import connection, transaction

from inventory.imports.engine import import_run
from inventory.models import BinStock, LocationType, StockMovement, WarehouseStock
from inventory.services import location_create, stock_adjust
from tests import factories
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 4
HEAD = "sku,warehouse,location,lot,expiry,quantity\n"


def _import(text: str):
    outcome = import_run(kind="stock", content=text.encode(), file_format="csv", reference="race")
    return outcome.errors, outcome.applied


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one snapshot per transaction
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _hold_until_both_wait(row: BinStock) -> None:
    """Hold one bin row until two other transactions wait for locks (or 30 s pass)."""
    with transaction.atomic():
        BinStock.objects.select_for_update().get(pk=row.pk)
        deadline = time.monotonic() + 30
        while _lock_waiters() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)


@pytest.fixture
def board(warehouse):
    """100 bins and a dock; 40 SKUs and a lot-tracked one, one bin row stored already; the
    lines of a file that puts each SKU in every bin (the lot-tracked one in three lots)."""
    zone = location_create(warehouse=warehouse, code="A", type=LocationType.ZONE)
    bins = [
        location_create(warehouse=warehouse, code=f"A-{n:02d}", parent=zone) for n in range(100)
    ]
    dock = location_create(warehouse=warehouse, code="DOCK", type=LocationType.DOCK)
    skus = [factories.sku(f"IMP-{n}") for n in range(40)]
    milk = factories.sku("MILK", lot_tracked=True)
    factories.stock(skus[0], bins[0], 1)
    wh = warehouse.code
    lines = [f"{sku.code},{wh},{place.code},,,1" for place in bins for sku in skus]
    lines += [f"MILK,{wh},{place.code},L-{n % 3},,1" for n, place in enumerate([*bins, dock])]
    return bins, skus, milk, lines


def test_opposite_order_imports_neither_deadlock_nor_fail(board, caplog):
    bins, skus, milk, lines = board
    forwards = HEAD + "\n".join(lines) + "\n"
    backwards = HEAD + "\n".join(reversed(lines)) + "\n"
    for round_ in range(ROUNDS):
        outcomes = run_together(
            lambda: _import(forwards),
            lambda: _import(backwards),
            lambda: stock_adjust(
                sku=skus[1], location=bins[-1], quantity=1, reason="found", reference="race"
            ),
        )
        assert outcomes[:2] == [([], True), ([], True)], f"round {round_}: {outcomes}"
        assert not isinstance(outcomes[2], BaseException), outcomes[2]
    assert "deadlock" not in caplog.text
    quantities = dict(
        BinStock.objects.filter(sku=skus[0]).values_list("location__code", "quantity")
    )
    assert quantities == {place.code: 2 * ROUNDS + (place == bins[0]) for place in bins}
    assert BinStock.objects.get(sku=skus[1], location=bins[-1]).quantity == 3 * ROUNDS
    assert WarehouseStock.objects.get(sku=milk).on_hand == 2 * ROUNDS * len(bins)
    assert StockMovement.objects.filter(reference="race").count() == ROUNDS * (2 * len(lines) + 1)
    assert BinStock.objects.filter(sku=milk).count() == len(bins) + 1


def test_imports_lined_up_on_one_bin_in_the_middle_of_their_files_both_apply(board):
    """The deterministic case: a third transaction holds the bin of the files' middle line until
    both imports wait for a lock. Locking in file order, each would hold half the file by then,
    and the two halves would deadlock once the bin is let go; in primary-key order the second
    import waits holding nothing."""
    bins, _, milk, lines = board
    _import(HEAD + "\n".join(lines) + "\n")  # every bin row exists: the locks are the first wait
    sku_code, _, code, *_ = lines[len(lines) // 2].split(",")
    middle = BinStock.objects.get(sku__code=sku_code, location__code=code, lot=None)
    forwards = HEAD + "\n".join(lines) + "\n"
    backwards = HEAD + "\n".join(reversed(lines)) + "\n"
    outcomes = run_together(
        lambda: _hold_until_both_wait(middle),
        lambda: _import(forwards),
        lambda: _import(backwards),
    )
    assert outcomes == [None, ([], True), ([], True)]
    assert BinStock.objects.get(pk=middle.pk).quantity == 3
    assert WarehouseStock.objects.get(sku=milk).on_hand == 3 * len(bins)
