"""Put-away: where the suggestion points, and what completing a task does."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inventory.errors import InvalidState
from inventory.models import BinStock, LocationType, MovementKind, StockMovement, WarehouseStock
from inventory.services import ReserveLine, location_create, stock_pick, stock_reserve
from inventory.services.velocity import velocity_recompute
from receiving.models import PutawayStatus, PutawayTask
from receiving.selectors import putaway_suggestion, velocity_by_sku, velocity_rank
from receiving.services import ReceiveLine, putaway_cancel, putaway_complete
from tests import factories
from tests.receiving.builders import make_po, receive


def on_hand(sku, warehouse):
    row = WarehouseStock.objects.filter(sku=sku, warehouse=warehouse).first()
    return row.on_hand if row else 0


@pytest.fixture
def rack(warehouse, places):
    """Five more bins, travel cost 10..50, beside A-01 (1) and A-02 (5)."""
    return [
        location_create(warehouse=warehouse, code=f"B-0{n}", parent=places.zone, travel_cost=n * 10)
        for n in range(1, 6)
    ]


def picked(sku, warehouse, places, units, *, days_ago=0):
    """`units` picked of `sku` (stocked in A-02 first), `days_ago` days ago. The ledger is
    append-only, so an old pick is written with the clock set back."""
    factories.stock(sku, places.bin2, units)
    [reservation] = stock_reserve(lines=[ReserveLine(sku, warehouse, units)], reference="o")
    then = timezone.now() - datetime.timedelta(days=days_ago)
    with mock.patch("django.utils.timezone.now", return_value=then):
        stock_pick(reservation=reservation, location=places.bin2, quantity=units)


def test_completing_the_suggestion_makes_units_sellable(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 8))
    [task] = receive(po, (sku, 8)).tasks
    assert task.suggested_location == places.bin1  # no picks yet: the nearest free bin
    assert on_hand(sku, warehouse) == 0

    done, remainder = putaway_complete(task=task)
    assert remainder is None
    assert (done.status, done.location, done.quantity) == ("done", places.bin1, 8)
    assert on_hand(sku, warehouse) == 8
    assert BinStock.objects.get(sku=sku, location=places.bin1).quantity == 8
    assert BinStock.objects.get(sku=sku, location=places.dock).quantity == 0
    [movement] = StockMovement.objects.filter(kind=MovementKind.PUTAWAY)
    assert (movement.from_location, movement.to_location, movement.quantity) == (
        places.dock,
        places.bin1,
        8,
    )
    assert movement.reference == po.number
    with pytest.raises(InvalidState):  # completing it again moves nothing
        putaway_complete(task=task)
    assert on_hand(sku, warehouse) == 8


def test_another_bin_and_part_of_the_units(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 10))
    [task] = receive(po, (sku, 10)).tasks
    done, remainder = putaway_complete(task=task, location=places.bin2, quantity=4)
    assert (done.location, done.quantity, done.status) == (places.bin2, 4, "done")
    assert (remainder.quantity, remainder.status, remainder.remainder_of) == (6, "open", done)
    # The SKU now sits in A-02, so the rest is suggested there.
    assert remainder.suggested_location == places.bin2
    putaway_complete(task=remainder)
    assert on_hand(sku, warehouse) == 10
    assert StockMovement.objects.filter(kind=MovementKind.PUTAWAY).count() == 2


def test_completion_refuses_what_is_not_a_bin_or_too_much(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 3))
    [task] = receive(po, (sku, 3)).tasks
    for place in (places.quarantine, places.dock, places.zone):
        with pytest.raises(ValidationError) as error:
            putaway_complete(task=task, location=place)
        assert "not a bin" in error.value.message_dict["location"][0]
    elsewhere = location_create(warehouse=factories.warehouse(), code="X-1")
    with pytest.raises(ValidationError, match="not in warehouse"):
        putaway_complete(task=task, location=elsewhere)
    for quantity in (0, 4, -1):
        with pytest.raises(ValidationError):
            putaway_complete(task=task, quantity=quantity)
    assert PutawayTask.objects.get(pk=task.pk).status == PutawayStatus.OPEN
    assert on_hand(sku, warehouse) == 0


def test_same_sku_bin_wins_over_a_nearer_free_bin(supplier, warehouse, places, rack, sku):
    factories.stock(sku, rack[2], 1)  # B-03, travel cost 30
    po = make_po(supplier, warehouse, (sku, 5))
    [task] = receive(po, (sku, 5)).tasks
    assert task.suggested_location == rack[2]


def test_same_lot_first_then_same_sku(supplier, warehouse, places, rack, lot_sku):
    factories.stock(lot_sku, rack[0], 1, lot_number="OLD")
    factories.stock(lot_sku, rack[3], 1, lot_number="L-2")
    po = make_po(supplier, warehouse, (lot_sku, 9))
    result = receive(
        po,
        ReceiveLine(sku=lot_sku, quantity=4, lot_number="L-2"),
        ReceiveLine(sku=lot_sku, quantity=5, lot_number="NEW"),
    )
    assert [t.suggested_location for t in result.tasks] == [rack[3], rack[0]]


def test_fast_movers_near_packing_slow_movers_further(supplier, warehouse, places, rack):
    fast, middling, slow = factories.sku(), factories.sku(), factories.sku()
    picked(fast, warehouse, places, 30)
    picked(middling, warehouse, places, 5)
    picked(slow, warehouse, places, 50, days_ago=40)  # outside the 30-day window
    velocity_recompute(warehouses=[warehouse.pk])
    # Every pick emptied A-02 again. Free bins by travel cost, B-01 .. B-05.
    assert velocity_by_sku(warehouse=warehouse) == {fast.pk: 30, middling.pk: 5}
    assert velocity_rank(warehouse=warehouse, sku=fast) == 0.0
    assert velocity_rank(warehouse=warehouse, sku=middling) == 0.5
    assert velocity_rank(warehouse=warehouse, sku=slow) == pytest.approx(2 / 3)

    def suggestion(sku):
        return putaway_suggestion(warehouse=warehouse, sku=sku, lot=None, quantity=1).code

    assert suggestion(fast) == "A-01"
    assert suggestion(middling) == "B-02"  # halfway along seven free bins: index 3
    assert suggestion(slow) == "B-03"  # no picks in 30 days: behind both, index 4


def test_suggestions_follow_the_stored_velocity_not_the_live_ledger(
    supplier, warehouse, places, rack
):
    fast, slow = factories.sku(), factories.sku()
    picked(fast, warehouse, places, 30)
    picked(slow, warehouse, places, 5)

    def suggestion(sku):
        return putaway_suggestion(warehouse=warehouse, sku=sku, lot=None, quantity=1).code

    # Picks in the ledger but no recompute yet: nothing stored, so every SKU takes the nearest.
    assert velocity_by_sku(warehouse=warehouse) == {}
    assert (suggestion(fast), suggestion(slow)) == ("A-01", "A-01")

    velocity_recompute(warehouses=[warehouse.pk])
    # Free bins by travel cost, B-01 .. B-05; the slow SKU ranks 1/2: index 3.
    assert (suggestion(fast), suggestion(slow)) == ("A-01", "B-02")

    # The slow SKU now outsells the other in the ledger; the suggestion waits for the recompute.
    picked(slow, warehouse, places, 100)
    assert velocity_by_sku(warehouse=warehouse) == {fast.pk: 30, slow.pk: 5}
    assert (suggestion(fast), suggestion(slow)) == ("A-01", "B-02")

    velocity_recompute(warehouses=[warehouse.pk])
    assert velocity_by_sku(warehouse=warehouse) == {fast.pk: 30, slow.pk: 105}
    assert (suggestion(fast), suggestion(slow)) == ("B-02", "A-01")


def test_velocity_rank_is_one_query_however_many_skus(warehouse, places, django_assert_num_queries):
    skus = [factories.sku() for _ in range(6)]
    for units, sku in enumerate(skus, start=1):
        picked(sku, warehouse, places, units)
    velocity_recompute(warehouses=[warehouse.pk])
    never_picked = factories.sku()
    with django_assert_num_queries(1):
        assert velocity_rank(warehouse=warehouse, sku=skus[1]) == pytest.approx(4 / 6)
    with django_assert_num_queries(1):
        assert velocity_rank(warehouse=warehouse, sku=never_picked) == pytest.approx(6 / 7)


def test_capacity_counts_every_sku_in_the_bin(supplier, warehouse, places, sku):
    near = location_create(warehouse=warehouse, code="C-01", parent=places.zone, capacity=10)
    places.bin1.capacity = 5
    places.bin1.save()
    other = factories.sku()
    factories.stock(sku, near, 2)
    factories.stock(other, near, 7)  # 9 of 10 units used
    # The SKU's own bin C-01 has no room for 4 more; the free A-01 holds only 5.
    assert putaway_suggestion(warehouse=warehouse, sku=sku, lot=None, quantity=4) == places.bin1
    assert putaway_suggestion(warehouse=warehouse, sku=sku, lot=None, quantity=1) == near
    assert putaway_suggestion(warehouse=warehouse, sku=sku, lot=None, quantity=6) == places.bin2


def test_open_tasks_reserve_room_and_free_bins(supplier, warehouse, places, rack):
    first, second = factories.sku(), factories.sku()
    po = make_po(supplier, warehouse, (first, 2), (second, 2))
    tasks = receive(po, (first, 2), (second, 2)).tasks
    # Two SKUs on one receipt never get the same free bin.
    assert [t.suggested_location.code for t in tasks] == ["A-01", "A-02"]


def test_no_room_anywhere_suggests_nothing(supplier, warehouse, sku):
    bare = factories.warehouse()
    location_create(warehouse=bare, code="DOCK", type=LocationType.DOCK)
    location_create(warehouse=bare, code="TINY", capacity=1)
    po = make_po(supplier, bare, (sku, 2))
    [task] = receive(po, (sku, 2)).tasks
    assert task.suggested_location is None
    with pytest.raises(ValidationError, match="scan the bin"):
        putaway_complete(task=task)


def test_completion_respects_capacity(supplier, warehouse, places, sku):
    places.bin2.capacity = 3
    places.bin2.save()
    po = make_po(supplier, warehouse, (sku, 5))
    [task] = receive(po, (sku, 5)).tasks
    with pytest.raises(ValidationError, match="do not fit"):
        putaway_complete(task=task, location=places.bin2)
    putaway_complete(task=task, location=places.bin2, quantity=3)
    assert on_hand(sku, warehouse) == 3


def test_cancel_leaves_the_units_at_the_dock(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 2))
    [task] = receive(po, (sku, 2)).tasks
    assert putaway_cancel(task=task).status == PutawayStatus.CANCELLED
    with pytest.raises(InvalidState):
        putaway_complete(task=task)
    assert BinStock.objects.get(sku=sku, location=places.dock).quantity == 2
