"""Slotting and move tasks through the API (API.md "Counts, velocity and slotting"): the fields,
best first, applying (201 with the tasks), completing (`move` rows), who may do what and the
404 of another warehouse, and query counts that do not grow with the page."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import MovementKind, MoveTask, SlottingRecommendation, StockMovement
from inventory.services import stock_adjust
from inventory.services.move_tasks import slotting_apply
from tests import factories
from tests.api.contract import assert_error, assert_list
from tests.inventory.slotting_builders import (
    associate_of,
    bin_at,
    recommended,
    stocked,
    swap_layout,
)

pytestmark = pytest.mark.django_db

RECOMMENDATIONS = "/api/v1/slotting/recommendations/"
APPLY = "/api/v1/slotting/recommendations/apply/"
MOVES = "/api/v1/move-tasks/"


def client_of(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_recommendations_list_their_fields_best_first(api, warehouse):
    swap_layout(warehouse)
    bin_at(warehouse, "C-02", 2)
    stocked(warehouse, "OTHER", bin_at(warehouse, "C-08", 8), 3, per_90_days=30)
    recommended(warehouse)
    rows = assert_list(api.get(RECOMMENDATIONS, {"warehouse": warehouse.code}))
    assert set(rows[0]) == {
        "id",
        "sku",
        "lot",
        "quantity",
        "from_location",
        "to_location",
        "swap_sku",
        "swap_quantity",
        "walk_saved_per_week",
    }
    assert [(r["sku"], r["from_location"], r["to_location"], r["swap_sku"]) for r in rows] == [
        ("FAST", "B-09", "B-01", "SLOW"),
        ("OTHER", "C-08", "C-02", None),
    ]
    assert rows[0]["walk_saved_per_week"] == 50.4
    assert rows[0]["walk_saved_per_week"] > rows[1]["walk_saved_per_week"]
    assert [r["sku"] for r in assert_list(api.get(RECOMMENDATIONS, {"sku": "SLOW"}))] == ["FAST"]
    assert_error(api.get(RECOMMENDATIONS, {"warehouse": "NOPE"}), 404)


def test_a_manager_sees_and_applies_only_their_warehouse(warehouse):
    swap_layout(warehouse)
    [rec] = recommended(warehouse)
    here, there = factories.user("boss", role="manager"), factories.user("far", role="manager")
    warehouse.staff.add(here)
    factories.warehouse("WH-THERE").staff.add(there)
    picker = associate_of(warehouse, "picker")

    assert [r["id"] for r in assert_list(client_of(here).get(RECOMMENDATIONS))] == [rec.pk]
    assert assert_list(client_of(there).get(RECOMMENDATIONS)) == []
    foreign = client_of(there).get(RECOMMENDATIONS, {"warehouse": warehouse.code})
    assert_error(foreign, 404)
    body = {"warehouse": warehouse.code, "ids": [rec.pk]}
    assert_error(client_of(there).post(APPLY, body, format="json"), 404)
    assert_error(client_of(picker).post(APPLY, body, format="json"), 403, "permission_denied")
    assert_error(client_of(picker).get(RECOMMENDATIONS), 403, "permission_denied")

    response = client_of(here).post(APPLY, body, format="json")
    assert response.status_code == 201, response.content
    tasks = response.json()["move_tasks"]
    assert response.json()["applied"] == [rec.pk]
    assert [(t["sku"], t["from_location"], t["to_location"], t["assignee"]) for t in tasks] == [
        ("FAST", "B-09", "B-01", "picker"),
        ("SLOW", "B-01", "B-09", "picker"),
    ]
    assert tasks[1]["after"] == tasks[0]["id"]
    assert {"id", "sku", "lot", "quantity", "status", "reason", "moved"} <= set(tasks[0])
    again = client_of(here).post(APPLY, body, format="json")
    assert_error(again, 400, field="ids")


def test_apply_refuses_a_swap_no_bin_can_hold_and_creates_nothing(api, warehouse):
    swap_layout(warehouse, near_capacity=20, far_capacity=20)
    recommended(warehouse)
    body = assert_error(api.post(APPLY, {"warehouse": warehouse.code}, format="json"), 400)
    assert "can hold 18 of FAST and 5 of SLOW at once" in body["errors"]["ids"][0]
    assert MoveTask.objects.count() == 0
    assert_error(api.post(APPLY, {"warehouse": "NOPE"}, format="json"), 400, field="warehouse")
    assert_error(
        api.post(APPLY, {"warehouse": warehouse.code, "ids": ["x"]}, format="json"),
        400,
        field="ids",
    )


def test_associates_see_and_complete_their_own_and_unassigned_moves(warehouse):
    near, far, _, slow = swap_layout(warehouse)
    mine, theirs = associate_of(warehouse, "mine"), associate_of(warehouse, "theirs")
    recommended(warehouse)
    first, second = slotting_apply(warehouse=warehouse)
    MoveTask.objects.filter(pk=first.pk).update(assignee=mine)
    MoveTask.objects.filter(pk=second.pk).update(assignee=theirs)
    loose = MoveTask.objects.create(
        warehouse=warehouse, sku=slow, quantity=1, from_location=near, to_location=far
    )
    client = client_of(mine)
    assert [t["id"] for t in assert_list(client.get(MOVES))] == [first.pk, loose.pk]
    assert_error(client.get(f"{MOVES}{second.pk}/"), 404)
    assert_error(client.post(f"{MOVES}{second.pk}/complete/", {}, format="json"), 404)
    elsewhere = factories.user("elsewhere", role="associate")
    factories.warehouse().staff.add(elsewhere)
    assert assert_list(client_of(elsewhere).get(MOVES)) == []
    assert_error(client_of(elsewhere).post(f"{MOVES}{loose.pk}/complete/", {}), 404)

    done = client.post(f"{MOVES}{first.pk}/complete/", {}, format="json")
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["moved"]) == ("done", 18)
    assert StockMovement.objects.filter(
        kind=MovementKind.MOVE, reference=f"move task #{first.pk}", actor=mine
    ).exists()
    assert_error(client.post(f"{MOVES}{first.pk}/complete/", {}), 409, "invalid_state")
    stock_adjust(sku=slow, location=near, quantity=-5, reason="damaged")
    gone = assert_error(client.post(f"{MOVES}{loose.pk}/complete/", {}), 409, "invalid_state")
    assert gone["detail"].startswith("B-01 no longer holds 1 of SLOW: it holds 0.")
    assert_error(
        client.post(f"{MOVES}{loose.pk}/complete/", {"quantity": 0}), 400, field="quantity"
    )


def test_the_second_half_of_a_swap_is_refused_until_the_first_is_done(api, warehouse):
    swap_layout(warehouse)
    recommended(warehouse)
    first, second = slotting_apply(warehouse=warehouse)
    body = assert_error(api.post(f"{MOVES}{second.pk}/complete/", {}), 409, "invalid_state")
    assert body["detail"].startswith(f"Do move #{first.pk} first")
    assert api.post(f"{MOVES}{first.pk}/complete/", {}).status_code == 200
    assert api.post(f"{MOVES}{second.pk}/complete/", {"quantity": 5}).status_code == 200


def test_move_task_filters(api, warehouse):
    swap_layout(warehouse)
    associate_of(warehouse, "picker")
    recommended(warehouse)
    first, second = slotting_apply(warehouse=warehouse)
    api.post(f"{MOVES}{first.pk}/complete/", {})
    assert [t["id"] for t in assert_list(api.get(MOVES, {"status": "open"}))] == [second.pk]
    assert len(assert_list(api.get(MOVES, {"assignee": "picker"}))) == 2
    assert assert_list(api.get(MOVES, {"assignee": "nobody"})) == []
    assert assert_list(api.get(MOVES, {"warehouse": "NOPE"})) == []
    assert_error(api.get(MOVES, {"status": "lost"}), 400)


def test_lists_cost_the_same_queries_whatever_their_length(
    api, warehouse, django_assert_max_num_queries
):
    for n in range(12):
        bin_at(warehouse, f"N-{n}", n + 1)
        stocked(warehouse, f"S-{n}", bin_at(warehouse, f"F-{n}", 50 + n), 2, per_90_days=90 - n)
    recommended(warehouse)
    assert SlottingRecommendation.objects.filter(status="open").count() == 12
    # Token (with its user), the caller's roles, COUNT, the page; the warehouse named, one more.
    with django_assert_max_num_queries(4):
        assert len(assert_list(api.get(RECOMMENDATIONS, {"page_size": 10}))) == 10
    with django_assert_max_num_queries(5):
        page = api.get(RECOMMENDATIONS, {"page_size": 10, "warehouse": warehouse.code})
        assert len(assert_list(page)) == 10
    slotting_apply(warehouse=warehouse)
    with django_assert_max_num_queries(4):
        assert len(assert_list(api.get(MOVES, {"page_size": 10}))) == 10
