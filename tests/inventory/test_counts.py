"""Cycle counts: opening by bin, SKU or zone; blind while open; expected = snapshot plus every
movement since; tolerance; approve and recount; found units; units promised to orders."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test.utils import override_settings
from rest_framework.test import APIClient

from inventory.errors import InvalidState
from inventory.models import (
    CountStatus,
    CycleCount,
    CycleCountLine,
    MovementKind,
    StockMovement,
    WarehouseStock,
)
from inventory.services import (
    ReserveLine,
    location_create,
    stock_move,
    stock_pick,
    stock_reserve,
)
from inventory.services.count_posting import (
    CountedLine,
    count_approve,
    count_recount,
    count_submit,
    count_tolerance,
)
from inventory.services.counts import count_create, count_request
from tests import factories

pytestmark = pytest.mark.django_db

RESULT_KEYS = {"expected", "counted", "variance", "posted", "snapshot", "unit_cost"}


def bin_qty(sku, location, lot=None):
    row = location.bin_stock.filter(sku=sku, lot=lot).first()
    return row.quantity if row else 0


def numbers(value) -> set:
    """Every number anywhere in a JSON answer."""
    if isinstance(value, dict):
        return set().union(*(numbers(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(numbers(item) for item in value))
    return {value} if isinstance(value, int) and not isinstance(value, bool) else set()


def counted(location, sku, quantity, lot=None):
    return CountedLine(location=location, sku=sku, quantity=quantity, lot_number=lot)


@pytest.fixture
def shirt(places):
    shirt = factories.sku("SHIRT")
    factories.stock(shirt, places.bin1, 37)
    return shirt


def test_a_bin_count_has_a_line_per_sku_and_lot_with_the_books_as_snapshot(
    warehouse, places, shirt, lot_sku
):
    factories.stock(lot_sku, places.bin1, 4, lot_number="L1")
    factories.stock(lot_sku, places.bin1, 6, lot_number="L2")
    count = count_create(warehouse=warehouse, location=places.bin1, reason="spot check")
    lines = {
        (line.sku.code, line.lot and line.lot.lot_number): line.snapshot
        for line in count.lines.all()
    }
    assert lines == {("SHIRT", None): 37, ("MILK-1L", "L1"): 4, ("MILK-1L", "L2"): 6}
    assert (count.status, count.origin) == (CountStatus.OPEN, "manual")


def test_a_sku_count_takes_every_bin_holding_it_and_a_zone_count_every_bin_of_the_zone(
    warehouse, places, shirt
):
    factories.stock(shirt, places.bin2, 3)
    mug = factories.sku("MUG")
    factories.stock(mug, places.bin2, 2)
    by_sku = count_create(warehouse=warehouse, sku=shirt)
    assert sorted(line.location.code for line in by_sku.lines.all()) == ["A-01", "A-02"]
    with pytest.raises(ValidationError) as refused:  # the shirts are being counted already
        count_create(warehouse=warehouse, zone=places.zone, sku=shirt)
    assert "count #" in str(refused.value)
    by_zone = count_create(warehouse=warehouse, zone=places.zone)
    assert [(line.location.code, line.sku.code) for line in by_zone.lines.all()] == [
        ("A-02", "MUG")
    ]


def test_bad_requests_name_the_field(warehouse, places, shirt):
    other = factories.warehouse("WH-OTHER")
    for kwargs, field in (
        ({}, "location"),
        ({"location": places.zone}, "location"),
        ({"zone": places.bin1}, "zone"),
        ({"location": factories.places(other).bin1}, "location"),
        ({"sku": factories.sku("NOWHERE")}, "sku"),
        (
            {"location": places.bin1, "assignee": factories.user("stranger", role="associate")},
            "assignee",
        ),
    ):
        with pytest.raises(ValidationError) as refused:
            count_create(warehouse=warehouse, **kwargs)
        assert field in refused.value.message_dict, kwargs
    assert not CycleCount.objects.exists()


def test_the_api_is_blind_while_the_count_is_open(api, warehouse, places, shirt):
    created = api.post(
        "/api/v1/cycle-counts/", {"warehouse": warehouse.code, "location": "A-01"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "open"
    assert [set(line) & RESULT_KEYS for line in body["lines"]] == [set()]
    for path in ("/api/v1/cycle-counts/", f"/api/v1/cycle-counts/{body['id']}/"):
        answer = api.get(path)
        assert 37 not in numbers(answer.json())
        for word in ("expected", "variance", "snapshot"):
            assert word not in answer.content.decode()
    submitted = api.post(
        f"/api/v1/cycle-counts/{body['id']}/submit/",
        {"lines": [{"location": f"{warehouse.code}:A-01", "sku": "SHIRT", "quantity": 36}]},
        format="json",
    )
    assert submitted.status_code == 200, submitted.json()
    line = submitted.json()["lines"][0]
    assert (line["expected"], line["counted"], line["variance"]) == (37, 36, -1)
    assert submitted.json()["status"] == "posted"


def test_within_tolerance_posts_a_count_movement_with_the_count_as_reference(
    warehouse, places, shirt
):
    count = count_create(warehouse=warehouse, location=places.bin1)
    done = count_submit(count=count, lines=[counted(places.bin1, shirt, 38)])
    assert done.status == CountStatus.POSTED
    move = StockMovement.objects.get(kind=MovementKind.COUNT)
    assert (move.quantity, move.to_location, move.reference) == (
        1,
        places.bin1,
        f"count #{count.pk}",
    )
    assert bin_qty(shirt, places.bin1) == 38
    line = done.lines.get()
    assert (line.expected, line.counted, line.variance, line.posted) == (37, 38, 1, 1)


def test_above_tolerance_waits_for_approval_then_posts(warehouse, places, shirt):
    count = count_create(warehouse=warehouse, location=places.bin1)
    held = count_submit(count=count, lines=[counted(places.bin1, shirt, 30)])
    assert held.status == CountStatus.PENDING_APPROVAL
    assert not StockMovement.objects.filter(kind=MovementKind.COUNT).exists()
    assert bin_qty(shirt, places.bin1) == 37
    posted = count_approve(count=held)
    assert posted.status == CountStatus.POSTED
    assert bin_qty(shirt, places.bin1) == 30
    assert posted.lines.get().posted == -7
    with pytest.raises(InvalidState):
        count_approve(count=posted)


def test_recount_cancels_the_held_count_and_opens_a_blind_one_of_the_held_lines(
    warehouse, places, shirt
):
    mug = factories.sku("MUG")
    factories.stock(mug, places.bin1, 100)
    count = count_create(warehouse=warehouse, location=places.bin1)
    held = count_submit(
        count=count, lines=[counted(places.bin1, shirt, 20), counted(places.bin1, mug, 99)]
    )
    assert held.status == CountStatus.PENDING_APPROVAL
    assert bin_qty(mug, places.bin1) == 99  # within tolerance: posted at once
    recount = count_recount(count=held)
    held.refresh_from_db()
    assert held.status == CountStatus.CANCELLED
    assert (recount.status, recount.origin, recount.recount_of_id) == ("open", "recount", held.pk)
    assert [line.sku.code for line in recount.lines.all()] == ["SHIRT"]
    done = count_submit(count=recount, lines=[counted(places.bin1, shirt, 37)])
    assert done.status == CountStatus.POSTED
    assert bin_qty(shirt, places.bin1) == 37  # the doubted variance was never posted


def test_a_pick_while_the_count_is_open_is_neither_erased_nor_counted_twice(
    warehouse, places, shirt
):
    count = count_create(warehouse=warehouse, location=places.bin1)
    [reservation] = stock_reserve(
        lines=[ReserveLine(sku=shirt, warehouse=warehouse, quantity=5)], reference="o-1"
    )
    stock_pick(reservation=reservation, location=places.bin1, quantity=5)
    stock_move(sku=shirt, from_location=places.bin1, to_location=places.bin2, quantity=2)
    done = count_submit(count=count, lines=[counted(places.bin1, shirt, 30)])
    line = done.lines.get()
    assert (line.snapshot, line.expected, line.variance) == (37, 30, 0)
    assert done.status == CountStatus.POSTED
    assert not StockMovement.objects.filter(kind=MovementKind.COUNT).exists()


def test_a_unit_no_line_expected_is_a_new_line(warehouse, places, shirt, lot_sku):
    count = count_create(warehouse=warehouse, location=places.bin1)
    mug = factories.sku("MUG")
    done = count_submit(
        count=count,
        lines=[
            counted(places.bin1, shirt, 37),
            counted(places.bin1, mug, 1),
            counted(places.bin1, lot_sku, 2, lot="NEW-LOT"),
        ],
    )
    found = {line.sku.code: line for line in done.lines.filter(found=True)}
    assert set(found) == {"MUG", "MILK-1L"}
    assert (found["MUG"].expected, found["MUG"].variance) == (0, 1)
    assert done.status == CountStatus.PENDING_APPROVAL  # 1 of 0 expected is more than 5 %
    count_approve(count=done)
    assert bin_qty(mug, places.bin1) == 1
    assert lot_sku.lots.get().lot_number == "NEW-LOT"


def test_bad_submissions_name_the_line_and_change_nothing(warehouse, places, shirt):
    count = count_create(warehouse=warehouse, location=places.bin1)
    cases = (
        ([], "lines"),  # the shirt line is not counted
        ([counted(places.bin2, shirt, 1)], "lines[0].location"),
        ([counted(places.bin1, shirt, 37), counted(places.bin1, shirt, 37)], "lines[1]"),
        ([counted(places.bin1, shirt, -1)], "lines[0].quantity"),
        ([counted(places.bin1, shirt, 37, lot="L1")], "lines[0].lot"),
    )
    for lines, field in cases:
        with pytest.raises(ValidationError) as refused:
            count_submit(count=count, lines=lines)
        assert field in refused.value.message_dict, (lines, refused.value.message_dict)
    count.refresh_from_db()
    assert count.status == CountStatus.OPEN
    assert not StockMovement.objects.filter(kind=MovementKind.COUNT).exists()


def test_missing_units_promised_to_orders_stay_on_the_books(warehouse, places, shirt):
    stock_reserve(lines=[ReserveLine(sku=shirt, warehouse=warehouse, quantity=35)], reference="o")
    count = count_create(warehouse=warehouse, location=places.bin1)
    held = count_submit(count=count, lines=[counted(places.bin1, shirt, 0)])
    count_approve(count=held)
    line = held.lines.get()
    assert line.posted == -2  # only the 2 units nobody was promised
    assert "35 missing units are promised to orders" in line.note
    assert WarehouseStock.objects.get(sku=shirt).on_hand == 35


def test_tolerance_units_percent_and_value():
    assert count_tolerance(expected=100, variance=2, unit_cost=None)
    assert not count_tolerance(expected=100, variance=3, unit_cost=None)  # over 2 units
    assert not count_tolerance(expected=20, variance=2, unit_cost=None)  # 10 % of 20
    assert count_tolerance(expected=40, variance=-2, unit_cost=None)  # exactly 5 %
    assert count_tolerance(expected=0, variance=0, unit_cost=None)
    assert not count_tolerance(expected=0, variance=1, unit_cost=None)
    assert count_tolerance(expected=100, variance=2, unit_cost=Decimal("25"))  # 50.00
    assert not count_tolerance(expected=100, variance=2, unit_cost=Decimal("25.01"))
    with override_settings(IMS_COUNT_TOLERANCE_UNITS=10, IMS_COUNT_TOLERANCE_PERCENT=50):
        assert count_tolerance(expected=20, variance=10, unit_cost=None)


def test_a_short_pick_count_request_is_a_count_and_asking_again_adds_nothing(
    warehouse, places, shirt
):
    first = count_request(location=places.bin1, sku=shirt, reason="short pick #1")
    again = count_request(location=places.bin1, sku=shirt, reason="short pick #2")
    assert first.pk == again.pk
    assert (first.origin, first.lines.get().snapshot) == ("short_pick", 37)
    with pytest.raises(ValidationError):
        count_request(location=places.bin1, sku=shirt, reason=" ")


def test_a_short_pick_request_for_an_emptied_bin_still_counts_it(warehouse, places):
    gone = factories.sku("GONE")
    count = count_request(location=places.bin2, sku=gone, reason="found empty")
    assert [(line.location, line.snapshot) for line in count.lines.all()] == [(places.bin2, 0)]


def test_associates_see_their_own_and_unassigned_counts_only(warehouse, places, shirt):
    mine = factories.user("ann", role="associate")
    theirs = factories.user("bob", role="associate")
    warehouse.staff.add(mine, theirs)
    factories.stock(shirt, places.bin2, 1)
    own = count_create(warehouse=warehouse, location=places.bin1, assignee=mine)
    other = count_create(warehouse=warehouse, location=places.bin2, assignee=theirs)
    api = APIClient()
    api.force_authenticate(mine)
    listed = {row["id"] for row in api.get("/api/v1/cycle-counts/").json()["results"]}
    assert listed == {own.pk}
    assert api.get(f"/api/v1/cycle-counts/{other.pk}/").status_code == 404
    lines = {"lines": [{"location": "A-02", "sku": "SHIRT", "quantity": 1}]}
    assert (
        api.post(f"/api/v1/cycle-counts/{other.pk}/submit/", lines, format="json").status_code
        == 404
    )


def test_the_count_list_costs_the_same_for_many_counts(
    api, warehouse, places, django_assert_max_num_queries
):
    for index in range(12):
        location = location_create(warehouse=warehouse, code=f"B-{index:02}", parent=places.zone)
        factories.stock(factories.sku(f"S-{index}"), location, 3)
        count_create(warehouse=warehouse, location=location)
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/cycle-counts/")
    assert len(response.json()["results"]) == 12
    assert CycleCountLine.objects.count() == 12


def test_the_approvals_badge_counts_only_the_managers_warehouses(client, warehouse, places, shirt):
    count = count_create(warehouse=warehouse, location=places.bin1)
    count_submit(count=count, lines=[counted(places.bin1, shirt, 1)])  # held for approval
    here, elsewhere = factories.user("here", role="manager"), factories.user("far", role="manager")
    warehouse.staff.add(here)
    factories.warehouse("WH-FAR").staff.add(elsewhere)

    def badge(person):
        client.force_login(person)
        items = client.get("/").context["nav_items"]
        return next(item["badge"] for item in items if item["url_name"] == "count-approvals")

    assert (badge(here), badge(elsewhere)) == (1, 0)
