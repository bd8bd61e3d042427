"""Slotting (issue #13): recommendations from stored velocity, applying them as move tasks, and
completing a move task with its `move` ledger row. The API is tests/inventory/
test_slotting_api.py's business; the screens tests/inventory/test_move_tasks_screens.py's."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.errors import InvalidState
from inventory.models import (
    BinStock,
    LocationType,
    MovementKind,
    MoveTask,
    MoveTaskStatus,
    RecommendationStatus,
    SlottingRecommendation,
    StockMovement,
)
from inventory.services import (
    ReserveLine,
    location_create,
    stock_adjust,
    stock_pick,
    stock_reserve,
)
from inventory.services.move_tasks import move_task_complete, slotting_apply
from inventory.services.slotting import slotting_recommend
from inventory.tasks import velocity_recompute_task
from tests import factories
from tests.inventory.slotting_builders import (
    associate_of,
    bin_at,
    picks,
    recommended,
    stocked,
    swap_layout,
)

pytestmark = pytest.mark.django_db


def units(sku, location) -> int:
    row = BinStock.objects.filter(sku=sku, location=location).first()
    return row.quantity if row else 0


# Recommending ---------------------------------------------------------------------------------


def test_a_fast_mover_far_away_swaps_with_a_slow_one_near_packing(warehouse):
    near, far, fast, slow = swap_layout(warehouse)
    [rec] = recommended(warehouse)
    assert (rec.sku, rec.from_location, rec.to_location) == (fast, far, near)
    assert (rec.swap_sku, rec.quantity, rec.swap_quantity) == (slow, 18, 5)
    # (7 - 0.7 picks a week) x (9 - 1 cost) = 50.40
    assert rec.walk_saved_per_week == Decimal("50.40")
    assert rec.status == RecommendationStatus.OPEN


def test_the_slot_that_saves_most_wins_and_a_free_bin_beats_a_nearly_as_fast_sku(warehouse):
    nearest = bin_at(warehouse, "B-01", 1)
    free = bin_at(warehouse, "B-02", 2)
    far = bin_at(warehouse, "B-10", 10)
    fast = stocked(warehouse, "FAST", far, 4, per_90_days=90)
    stocked(warehouse, "ALMOST", nearest, 4, per_90_days=84)
    [rec] = recommended(warehouse)
    # Swapping with ALMOST saves (7 - 6.53) x 9 = 4.20; the free bin 7 x 8 = 56.
    assert (rec.sku, rec.to_location, rec.swap_sku) == (fast, free, None)
    assert rec.walk_saved_per_week == Decimal("56.00")


def test_capacity_decides_which_bins_may_take_part(warehouse):
    small = bin_at(warehouse, "B-01", 1, capacity=10)  # too small for FAST's 30 units
    roomy = bin_at(warehouse, "B-03", 3, capacity=50)  # holds SLOW's 40: too many for B-09
    free = bin_at(warehouse, "B-04", 4, capacity=30)
    far = bin_at(warehouse, "B-09", 9, capacity=30)
    fast = stocked(warehouse, "FAST", far, 30, per_90_days=90)
    stocked(warehouse, "SLOW", roomy, 40, per_90_days=0)
    [rec] = recommended(warehouse)
    assert (rec.sku, rec.to_location, rec.swap_sku) == (fast, free, None)
    assert small.pk not in {rec.to_location_id, rec.from_location_id}


def test_mixed_bins_stay_out_and_each_bin_is_in_one_recommendation(warehouse):
    mixed = bin_at(warehouse, "B-01", 1)
    stocked(warehouse, "MIX-A", mixed, 2)
    stocked(warehouse, "MIX-B", mixed, 2)
    free = bin_at(warehouse, "B-02", 2)
    far_one, far_two = bin_at(warehouse, "B-08", 8), bin_at(warehouse, "B-09", 9)
    one = stocked(warehouse, "ONE", far_one, 3, per_90_days=90)
    two = stocked(warehouse, "TWO", far_two, 3, per_90_days=45)
    recs = recommended(warehouse)
    # ONE (the faster) takes the free bin; for TWO nothing nearer is left (the free bin and
    # ONE's old bin are in ONE's recommendation), and the mixed bin is never a slot.
    assert [(r.sku, r.to_location) for r in recs] == [(one, free)]
    assert all(mixed.pk not in (r.from_location_id, r.to_location_id) for r in recs)
    assert two not in [r.sku for r in recs]


def test_reserve_stock_counts_as_slow_and_busy_bins_are_left_alone(warehouse, user):
    near, far = bin_at(warehouse, "B-01", 1), bin_at(warehouse, "B-09", 9)
    free, spare = bin_at(warehouse, "B-02", 2), bin_at(warehouse, "B-07", 7)
    # TEE picks from B-01, its nearest bin; B-09's units are reserve and stay put.
    tee = stocked(warehouse, "TEE", near, 5, per_90_days=90)
    factories.stock(tee, far, 50)
    assert recommended(warehouse) == []
    # A fast mover whose bin an open move task names is not recommended again.
    busy = stocked(warehouse, "BUSY", spare, 5, per_90_days=90)
    MoveTask.objects.create(
        warehouse=warehouse, sku=busy, quantity=5, from_location=spare, to_location=far
    )
    assert recommended(warehouse) == []
    assert free  # still free: nothing asked for it


def test_only_positive_savings_and_the_cap_keeps_the_best(warehouse, settings):
    settings.IMS_SLOTTING_MAX_RECOMMENDATIONS = 2
    for n in range(1, 5):
        bin_at(warehouse, f"N-{n}", n)  # four free bins near packing
    for n, rate in enumerate((90, 60, 30, 9), start=1):
        stocked(warehouse, f"F-{n}", bin_at(warehouse, f"F-{n}", 20), 2, per_90_days=rate)
    stocked(warehouse, "NEVER", bin_at(warehouse, "F-9", 30), 2, per_90_days=0)
    recs = recommended(warehouse)
    assert [(r.sku.code, r.to_location.code) for r in recs] == [("F-1", "N-1"), ("F-2", "N-2")]
    assert recs[0].walk_saved_per_week > recs[1].walk_saved_per_week > 0


def test_a_new_run_supersedes_the_open_recommendations_but_not_the_applied(warehouse):
    swap_layout(warehouse)
    [first] = recommended(warehouse)
    slotting_apply(warehouse=warehouse, ids=[first.pk])
    other = factories.warehouse()
    stocked(other, "ELSE", bin_at(other, "X-9", 9), 1, per_90_days=90)
    bin_at(other, "X-1", 1)
    made = slotting_recommend()
    assert made == {warehouse.pk: 0, other.pk: 1}  # the applied swap's bins are busy now
    made = slotting_recommend(warehouses=[other.pk])
    statuses = Counter(SlottingRecommendation.objects.values_list("status", flat=True))
    assert made == {other.pk: 1}
    assert statuses == {"applied": 1, "superseded": 1, "open": 1}


def test_the_queries_stay_the_same_as_skus_and_bins_grow():
    def run(size: int) -> int:
        warehouse = factories.warehouse()
        for n in range(size):
            bin_at(warehouse, f"N-{n}", n + 1)
            far = bin_at(warehouse, f"F-{n}", 100 + n)
            stocked(warehouse, f"S{size}-{n}", far, 3, per_90_days=90 - n)
        with CaptureQueriesContext(connection) as queries:
            made = slotting_recommend(warehouses=[warehouse.pk])
        assert made == {warehouse.pk: size}
        return len(queries)

    assert run(3) == run(30)


def test_the_nightly_velocity_task_recomputes_the_recommendations(warehouse):
    near, far, fast, slow = swap_layout(warehouse)
    picks(warehouse, fast, 0)  # the stored figures are stale: the ledger decides
    for n in range(3):
        [reservation] = stock_reserve(lines=[ReserveLine(fast, warehouse, 1)], reference=f"o-{n}")
        stock_pick(reservation=reservation, location=far, quantity=1)
    velocity_recompute_task()
    [rec] = SlottingRecommendation.objects.filter(status="open")
    assert (rec.sku, rec.to_location, rec.swap_sku) == (fast, near, slow)
    assert rec.walk_saved_per_week == Decimal("1.87")  # 3 picks / 90 days x 7 x (9 - 1)


# Applying ----------------------------------------------------------------------------------


def test_a_swap_first_fills_the_bin_with_room_for_both(warehouse, user):
    near, far, fast, slow = swap_layout(warehouse, near_capacity=20, far_capacity=100)
    picker = associate_of(warehouse, "picker")
    [rec] = recommended(warehouse)
    first, second = slotting_apply(warehouse=warehouse, actor=user)
    # B-01 (20) cannot hold 18 + 5; B-09 (100) can: SLOW leaves B-01 first.
    assert (first.sku, first.from_location, first.to_location, first.after) == (
        slow,
        near,
        far,
        None,
    )
    assert (second.sku, second.from_location, second.to_location) == (fast, far, near)
    assert second.after_id == first.pk
    assert {first.assignee, second.assignee} == {picker}
    assert {first.created_by, second.created_by} == {user}
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.APPLIED


def test_a_swap_no_bin_can_hold_is_refused_and_nothing_is_applied(warehouse):
    swap_layout(warehouse, near_capacity=20, far_capacity=20)
    other_far = bin_at(warehouse, "C-09", 9)
    bin_at(warehouse, "C-02", 2)
    stocked(warehouse, "MOVER", other_far, 1, per_90_days=60)
    recs = recommended(warehouse)
    assert len(recs) == 2
    with pytest.raises(ValidationError) as refused:
        slotting_apply(warehouse=warehouse)
    assert "neither B-01 (holds at most 20) nor B-09" in str(refused.value.message_dict["ids"])
    assert MoveTask.objects.count() == 0
    assert set(SlottingRecommendation.objects.values_list("status", flat=True)) == {"open"}


def test_unknown_foreign_and_applied_ids_name_ids(warehouse):
    swap_layout(warehouse)
    [rec] = recommended(warehouse)
    other = factories.warehouse()
    for ids in ([rec.pk + 1000], [], ["x"]):
        with pytest.raises(ValidationError) as error:
            slotting_apply(warehouse=warehouse, ids=ids)
        assert "ids" in error.value.message_dict
    with pytest.raises(ValidationError):
        slotting_apply(warehouse=other, ids=[rec.pk])  # another warehouse's
    slotting_apply(warehouse=warehouse, ids=[rec.pk])
    with pytest.raises(ValidationError) as error:
        slotting_apply(warehouse=warehouse, ids=[rec.pk])
    assert "no open recommendation #" in error.value.message_dict["ids"][0]


def test_tasks_go_to_the_least_busy_associate_or_nobody(warehouse):
    for n in range(1, 4):
        bin_at(warehouse, f"N-{n}", n)
        stocked(warehouse, f"F-{n}", bin_at(warehouse, f"F-{n}", 20), 2, per_90_days=90 - n)
    recommended(warehouse)
    [rec, *_] = list(SlottingRecommendation.objects.order_by("pk"))
    [unassigned] = slotting_apply(warehouse=warehouse, ids=[rec.pk])
    assert unassigned.assignee is None
    busy, idle = associate_of(warehouse, "busy"), associate_of(warehouse, "idle")
    MoveTask.objects.filter(pk=unassigned.pk).update(assignee=busy)
    tasks = slotting_apply(warehouse=warehouse)
    # idle has none: the first; then one each, and "busy" comes first by name.
    assert [task.assignee for task in tasks] == [idle, busy]


# Completing ------------------------------------------------------------------------------------


def test_completing_moves_the_units_with_a_move_row(warehouse, user):
    near, far, fast, slow = swap_layout(warehouse)
    recommended(warehouse)
    first, second = slotting_apply(warehouse=warehouse)
    done = move_task_complete(task=first, actor=user)
    assert (done.status, done.moved, done.completed_by) == (MoveTaskStatus.DONE, 18, user)
    assert (units(fast, far), units(fast, near)) == (0, 18)  # near holds both for a while
    move = StockMovement.objects.get(kind=MovementKind.MOVE, reference=f"move task #{first.pk}")
    assert (move.sku, move.quantity, move.from_location, move.to_location, move.actor) == (
        fast,
        18,
        far,
        near,
        user,
    )
    move_task_complete(task=second, quantity=5)
    assert (units(slow, near), units(slow, far)) == (0, 5)
    with pytest.raises(InvalidState, match="is done"):
        move_task_complete(task=second)


def test_the_second_half_of_a_swap_waits_for_the_first(warehouse):
    swap_layout(warehouse)
    recommended(warehouse)
    first, second = slotting_apply(warehouse=warehouse)
    with pytest.raises(InvalidState, match=f"Do move #{first.pk} first"):
        move_task_complete(task=second)
    assert StockMovement.objects.filter(kind=MovementKind.MOVE).count() == 0
    move_task_complete(task=first)
    move_task_complete(task=second)
    assert MoveTask.objects.filter(status="done").count() == 2


def test_a_bin_that_no_longer_holds_the_units_changes_nothing(warehouse):
    near, far, fast, _ = swap_layout(warehouse)
    recommended(warehouse)
    first, _ = slotting_apply(warehouse=warehouse)
    stock_adjust(sku=fast, location=far, quantity=-16, reason="damaged")
    with pytest.raises(InvalidState) as gone:
        move_task_complete(task=first)
    assert str(gone.value).startswith("B-09 no longer holds 18 of FAST: it holds 2.")
    first.refresh_from_db()
    assert (first.status, first.moved) == (MoveTaskStatus.OPEN, 0)
    assert (units(fast, far), units(fast, near)) == (2, 0)
    assert not StockMovement.objects.filter(kind=MovementKind.MOVE).exists()


def test_the_destination_capacity_is_checked_when_the_move_is_done(warehouse):
    far = bin_at(warehouse, "B-09", 9)
    near = bin_at(warehouse, "B-01", 1, capacity=10)
    fast = stocked(warehouse, "FAST", far, 8, per_90_days=90)
    recommended(warehouse)
    [task] = slotting_apply(warehouse=warehouse)
    stocked(warehouse, "LATE", near, 5)  # someone put stock there meanwhile
    with pytest.raises(ValidationError) as full:
        move_task_complete(task=task)
    assert full.value.message_dict["to_location"] == [
        "B-01 holds 5 of its 10 units: 8 more do not fit."
    ]
    with pytest.raises(ValidationError):
        move_task_complete(task=task, quantity=9)  # more than the task moves
    move_task_complete(task=task, quantity=5)
    assert (units(fast, near), units(fast, far)) == (5, 3)


def test_a_lot_tracked_sku_moves_its_lot(warehouse):
    far, near = bin_at(warehouse, "B-09", 9), bin_at(warehouse, "B-01", 1)
    milk = factories.sku("MILK", lot_tracked=True)
    factories.stock(milk, far, 4, lot_number="L1")
    picks(warehouse, milk, 90)
    [rec] = recommended(warehouse)
    assert rec.lot.lot_number == "L1"
    [task] = slotting_apply(warehouse=warehouse)
    move_task_complete(task=task)
    assert BinStock.objects.get(sku=milk, location=near).lot.lot_number == "L1"


def test_only_pickable_bins_are_slots(warehouse):
    location_create(warehouse=warehouse, code="DOCK", type=LocationType.DOCK, travel_cost=0)
    packing = location_create(
        warehouse=warehouse, code="PACK", type=LocationType.PACKING, travel_cost=0
    )
    far = bin_at(warehouse, "B-09", 9)
    stocked(warehouse, "FAST", far, 2, per_90_days=90)
    stocked(warehouse, "AT-PACK", packing, 2, per_90_days=90)
    assert recommended(warehouse) == []
