"""SKU velocity and ABC classes (API.md "Counts, velocity and slotting"): recomputed from the
ledger's pick rows, stored, listed by the API, recomputed nightly and on demand."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import Schedule
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import AbcClass, SkuVelocity
from inventory.services import ReserveLine, stock_pick, stock_reserve
from inventory.services.velocity import velocity_recompute
from inventory.tasks import velocity_recompute_task
from tests import factories
from tests.api.contract import assert_list

pytestmark = pytest.mark.django_db


def picked(sku, places, warehouse, *, picks: int, units: int = 1) -> None:
    """`picks` pick rows of `units` each, through reserve and pick."""
    factories.stock(sku, places.bin1, picks * units)
    for n in range(picks):
        [reservation] = stock_reserve(
            lines=[ReserveLine(sku, warehouse, units)], reference=f"o-{sku.code}-{n}"
        )
        stock_pick(reservation=reservation, location=places.bin1, quantity=units)


def velocity(code: str) -> SkuVelocity:
    return SkuVelocity.objects.get(sku__code=code)


def test_windows_count_picks_and_units_from_the_ledger(warehouse, places):
    tee = factories.sku("TEE")
    picked(tee, places, warehouse, picks=3, units=2)
    now = timezone.now()
    velocity_recompute(now=now)
    row = velocity("TEE")
    assert (row.picks_30d, row.units_30d, row.picks_90d, row.units_90d) == (3, 6, 3, 6)
    assert row.computed_at == now
    # Forty days on, the same picks are in the 90-day window only; a hundred days on, in none.
    velocity_recompute(now=now + datetime.timedelta(days=40))
    row = velocity("TEE")
    assert (row.picks_30d, row.units_30d, row.picks_90d, row.units_90d) == (0, 0, 3, 6)
    velocity_recompute(now=now + datetime.timedelta(days=100))
    assert (velocity("TEE").picks_90d, velocity("TEE").abc) == (0, AbcClass.C)
    assert SkuVelocity.objects.count() == 1  # recomputed in place


def test_abc_by_share_of_picks_per_warehouse(warehouse, places, settings):
    settings.IMS_ABC_A_PERCENT, settings.IMS_ABC_B_PERCENT = 80, 15
    # 100 picks in all: 60 + 25 make the top 80% (the SKU crossing 80% is A), 10 then reach 95%.
    for code, picks in (("FAST", 60), ("BUSY", 25), ("SOME", 10), ("SLOW", 5)):
        picked(factories.sku(code), places, warehouse, picks=picks)
    factories.stock(factories.sku("NEVER"), places.bin2, 3)  # stocked, never picked
    other = factories.warehouse()
    other_places = factories.places(other)
    picked(factories.sku("ELSEWHERE"), other_places, other, picks=1)

    counts = velocity_recompute()

    classes = dict(SkuVelocity.objects.values_list("sku__code", "abc"))
    assert classes == {
        "FAST": "A",
        "BUSY": "A",
        "SOME": "B",
        "SLOW": "C",
        "NEVER": "C",
        "ELSEWHERE": "A",  # ranked within its own warehouse
    }
    assert counts == {"A": 3, "B": 1, "C": 2}


def test_one_warehouse_is_recomputed_alone(warehouse, places):
    other = factories.warehouse()
    picked(factories.sku("HERE"), places, warehouse, picks=1)
    picked(factories.sku("THERE"), factories.places(other), other, picks=1)
    assert velocity_recompute(warehouses=[warehouse.pk]) == {"A": 1, "B": 0, "C": 0}
    assert list(SkuVelocity.objects.values_list("sku__code", flat=True)) == ["HERE"]


def test_the_nightly_task_recomputes_everything(warehouse, places):
    picked(factories.sku("TEE"), places, warehouse, picks=2)
    assert velocity_recompute_task() == {"A": 1, "B": 0, "C": 0}
    schedule = Schedule.objects.get(func="inventory.tasks.velocity_recompute_task")
    assert schedule.schedule_type == Schedule.DAILY


# API -----------------------------------------------------------------------------------------


def _client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_list_shows_the_stored_rows_with_filters(api, warehouse, places):
    picked(factories.sku("FAST"), places, warehouse, picks=4, units=3)
    factories.stock(factories.sku("NEVER"), places.bin2, 1)
    velocity_recompute()
    rows = assert_list(api.get("/api/v1/velocity/"))
    assert [(r["sku"], r["warehouse"], r["picks_30d"], r["units_90d"], r["abc"]) for r in rows] == [
        ("FAST", warehouse.code, 4, 12, "A"),
        ("NEVER", warehouse.code, 0, 0, "C"),
    ]
    assert [r["sku"] for r in assert_list(api.get("/api/v1/velocity/", {"abc": "C"}))] == ["NEVER"]
    assert assert_list(api.get("/api/v1/velocity/", {"sku": "FAST", "warehouse": "NOPE"})) == []
    assert api.get("/api/v1/velocity/", {"abc": "Z"}).status_code == 400


def test_recompute_through_the_api_stays_in_the_managers_warehouses(warehouse, places):
    other = factories.warehouse()
    picked(factories.sku("HERE"), places, warehouse, picks=1)
    picked(factories.sku("THERE"), factories.places(other), other, picks=1)
    manager = factories.user("boss-here", role="manager")
    warehouse.staff.add(manager)
    client = _client(manager)

    response = client.post("/api/v1/velocity/recompute/", {}, format="json")
    assert (response.status_code, response.json()) == (200, {"A": 1, "B": 0, "C": 0})
    assert list(SkuVelocity.objects.values_list("sku__code", flat=True)) == ["HERE"]
    refused = client.post("/api/v1/velocity/recompute/", {"warehouse": other.code}, format="json")
    assert refused.status_code == 404
    assert [r["sku"] for r in assert_list(client.get("/api/v1/velocity/"))] == ["HERE"]
    associate = factories.user("picker-here", role="associate")
    warehouse.staff.add(associate)
    assert _client(associate).post("/api/v1/velocity/recompute/", {}).status_code == 403


def test_the_list_costs_the_same_queries_whatever_its_length(
    api, warehouse, places, django_assert_num_queries
):
    for n in range(12):
        factories.stock(factories.sku(f"V-{n:02}"), places.bin1, 1)
    velocity_recompute()
    # Token (with its user), the caller's roles, COUNT, the page.
    with django_assert_num_queries(4):
        assert len(assert_list(api.get("/api/v1/velocity/", {"page_size": 10}))) == 10


def test_abc_boundaries_ties_all_zero_and_one_sku(warehouse, places, settings):
    settings.IMS_ABC_A_PERCENT, settings.IMS_ABC_B_PERCENT = 50, 30
    for code in ("IDLE-1", "IDLE-2"):
        factories.stock(factories.sku(code), places.bin2, 1)
    assert velocity_recompute() == {"A": 0, "B": 0, "C": 2}  # nothing picked: all C
    picked(factories.sku("ONLY"), places, warehouse, picks=2)
    velocity_recompute()
    assert velocity("ONLY").abc == AbcClass.A  # one SKU with picks makes all of them
    first, second = factories.sku("TIE-1"), factories.sku("TIE-2")
    picked(first, places, warehouse, picks=2)
    picked(second, places, warehouse, picks=2)
    velocity_recompute()
    # ONLY, TIE-1, TIE-2 each 2 of 6 picks; ties rank by SKU id: 0 %, 33 %, 67 % before each.
    assert [velocity(code).abc for code in ("ONLY", "TIE-1", "TIE-2")] == ["A", "A", "B"]


def test_the_recompute_issues_the_same_queries_for_many_skus(warehouse, places):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            velocity_recompute()
        return len(captured)

    picked(factories.sku("P-0"), places, warehouse, picks=1)
    few = queries()
    for index in range(1, 40):
        factories.stock(factories.sku(f"P-{index}"), places.bin2, 1)
    assert queries() == few
