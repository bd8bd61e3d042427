"""/stock/, /availability/, /stock/adjust/, /stock/move/, /movements/ (API.md "Stock")."""

import datetime

import pytest
from rest_framework.test import APIClient

from inventory.audit import stock_drift
from inventory.models import BinStock, StockMovement, WarehouseStock
from inventory.services import ReserveLine, location_create, stock_reserve
from tests import factories
from tests.api.contract import assert_error, assert_list

ADJUST = "/api/v1/stock/adjust/"
MOVE = "/api/v1/stock/move/"


def _snapshot():
    return (
        sorted(BinStock.objects.values_list("sku_id", "location_id", "lot_id", "quantity")),
        sorted(WarehouseStock.objects.values_list("sku_id", "warehouse_id", "on_hand", "reserved")),
        StockMovement.objects.count(),
    )


# Reads --------------------------------------------------------------------------------------


def test_stock_lists_bins_with_units(api, sku, lot_sku, warehouse, places):
    factories.stock(sku, places.bin1, 5)
    factories.stock(sku, places.dock, 2)
    factories.stock(lot_sku, places.bin2, 4, lot_number="L1", expiry=datetime.date(2031, 1, 2))
    factories.stock(sku, places.bin2, 3)
    factories.stock(sku, places.bin2, -3)  # an emptied bin row stays in the table, not the list
    rows = assert_list(api.get("/api/v1/stock/"), 3)
    assert {
        "sku": lot_sku.code,
        "warehouse": warehouse.code,
        "location": "A-02",
        "lot": "L1",
        "expiry": "2031-01-02",
        "quantity": 4,
        "sellable": True,
    } in rows
    by_sku = assert_list(api.get("/api/v1/stock/", {"sku": sku.code}), 2)
    assert {(r["location"], r["quantity"], r["lot"]) for r in by_sku} == {
        ("A-01", 5, None),
        ("DOCK", 2, None),
    }
    assert_list(api.get("/api/v1/stock/", {"location": "DOCK"}), 1)
    assert_list(api.get("/api/v1/stock/", {"lot": "L1"}), 1)
    assert_list(api.get("/api/v1/stock/", {"warehouse": warehouse.code}), 3)
    assert_list(api.get("/api/v1/stock/", {"warehouse": "NOPE"}), 0)
    assert_list(api.get("/api/v1/stock/", {"under": "A"}), 2)


def test_availability_per_sku_and_warehouse(api, sku, warehouse, places):
    other = factories.warehouse("ZW")
    other_places = factories.places(other)
    factories.stock(sku, places.bin1, 10)
    factories.stock(sku, places.dock, 50)  # not sellable: not on hand
    factories.stock(sku, other_places.bin1, 1)
    stock_reserve(lines=[ReserveLine(sku, warehouse, 4)], reference="order-1")
    rows = assert_list(api.get("/api/v1/availability/", {"sku": sku.code}), 2)
    assert rows[0] == {
        "sku": sku.code,
        "warehouse": warehouse.code,
        "on_hand": 10,
        "reserved": 4,
        "available": 6,
        "incoming": 0,
    }
    assert rows[1]["warehouse"] == "ZW"
    assert rows[1]["available"] == 1
    assert_list(api.get("/api/v1/availability/", {"warehouse": "ZW"}), 1)
    assert_list(api.get("/api/v1/availability/", {"sku": "NOPE"}), 0)
    ordered = assert_list(api.get("/api/v1/availability/", {"ordering": "available"}))
    assert [r["available"] for r in ordered] == [1, 6]


# Adjust -------------------------------------------------------------------------------------


def test_adjust_adds_and_returns_the_movement(api, user, sku, warehouse, places):
    body = {
        "sku": sku.code,
        "warehouse": warehouse.code,
        "location": "A-01",
        "quantity": 7,
        "reason": "found behind the shelf",
    }
    response = api.post(ADJUST, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["sku"] == sku.code
    assert data["quantity"] == 7
    assert data["to_location"] == "A-01"
    assert data["from_location"] is None
    assert data["kind"] == "adjust"
    assert data["actor"] == user.username
    assert data["reason"] == "found behind the shelf"
    assert StockMovement.objects.filter(pk=data["id"]).exists()
    assert WarehouseStock.objects.get(sku=sku, warehouse=warehouse).on_hand == 7

    body["quantity"] = -3
    data = api.post(ADJUST, body, format="json").json()
    assert (data["quantity"], data["from_location"], data["to_location"]) == (3, "A-01", None)
    assert BinStock.objects.get(sku=sku, location=places.bin1).quantity == 4
    assert stock_drift() == []


def test_adjust_below_zero_is_409_and_writes_nothing(api, sku, warehouse, places):
    factories.stock(sku, places.bin1, 2)
    before = _snapshot()
    body = {"sku": sku.code, "warehouse": warehouse.code, "location": "A-01", "quantity": -3}
    body["reason"] = "broken"
    error = assert_error(api.post(ADJUST, body, format="json"), 409, "insufficient_stock")
    assert error["lines"] == [{"sku": sku.code, "requested": 3, "available": 2}]
    assert _snapshot() == before


def test_adjust_cannot_take_reserved_units(api, sku, warehouse, places):
    factories.stock(sku, places.bin1, 5)
    stock_reserve(lines=[ReserveLine(sku, warehouse, 4)], reference="order-1")
    before = _snapshot()
    body = {"sku": sku.code, "warehouse": warehouse.code, "location": "A-01", "quantity": -2}
    body["reason"] = "damaged"
    assert_error(api.post(ADJUST, body, format="json"), 409, "insufficient_stock")
    assert _snapshot() == before


def test_adjust_lot_tracked(api, lot_sku, warehouse, places):
    body = {"sku": lot_sku.code, "warehouse": warehouse.code, "location": "A-01", "reason": "r"}
    response = api.post(
        ADJUST, {**body, "quantity": 4, "lot": "L7", "expiry": "2030-05-01"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["lot"] == "L7"
    assert_error(api.post(ADJUST, {**body, "quantity": 1}, format="json"), 400, "invalid", "lot")
    assert_error(
        api.post(ADJUST, {**body, "quantity": -1, "lot": "NOPE"}, format="json"), 400, field="lot"
    )
    assert_error(
        api.post(
            ADJUST, {**body, "quantity": 1, "lot": "L7", "expiry": "2030-06-01"}, format="json"
        ),
        400,
        field="expiry",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sku": "NOPE"}, "sku"),
        ({"sku": None}, "sku"),
        ({"sku": 12345}, "sku"),
        ({"sku": ["A"]}, "sku"),
        ({"warehouse": "NOPE"}, "warehouse"),
        ({"location": "NOPE"}, "location"),
        ({"location": "A"}, "location"),  # a zone holds no stock
        ({"quantity": 0}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": 10**20}, "quantity"),
        ({"quantity": -(10**20)}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 201}, "reason"),
        ({"lot": "L1"}, "lot"),  # not lot-tracked
        ({"lot": "L" * 65}, "lot"),
        ({"expiry": "tomorrow"}, "expiry"),
        ({"reference": "r" * 101}, "reference"),
    ],
)
def test_adjust_bad_input_names_the_field(api, sku, warehouse, places, change, field):
    factories.stock(sku, places.bin1, 5)
    before = _snapshot()
    body = {"sku": sku.code, "warehouse": warehouse.code, "location": "A-01", "quantity": 1}
    body["reason"] = "count"
    assert_error(api.post(ADJUST, {**body, **change}, format="json"), 400, "invalid", field)
    assert _snapshot() == before


@pytest.mark.parametrize("missing", ["sku", "warehouse", "location", "quantity", "reason"])
def test_adjust_missing_field(api, sku, warehouse, places, missing):
    body = {"sku": sku.code, "warehouse": warehouse.code, "location": "A-01", "quantity": 1}
    body["reason"] = "count"
    del body[missing]
    assert_error(api.post(ADJUST, body, format="json"), 400, "invalid", missing)


def test_adjust_location_of_another_warehouse(api, sku, warehouse, places):
    other = factories.warehouse("ZW")
    location_create(warehouse=other, code="ONLY-THERE")
    body = {"sku": sku.code, "warehouse": warehouse.code, "location": "ONLY-THERE"}
    body.update(quantity=1, reason="count")
    assert_error(api.post(ADJUST, body, format="json"), 400, "invalid", "location")
    body["warehouse"] = "ZW"
    assert api.post(ADJUST, body, format="json").json()["warehouse"] == "ZW"


# Move ---------------------------------------------------------------------------------------


def test_move_between_bins(api, sku, warehouse, places):
    factories.stock(sku, places.bin1, 5)
    body = {
        "sku": sku.code,
        "warehouse": warehouse.code,
        "from_location": "A-01",
        "to_location": "A-02",
        "quantity": 3,
    }
    response = api.post(MOVE, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["kind"], data["from_location"], data["to_location"], data["quantity"]) == (
        "move",
        "A-01",
        "A-02",
        3,
    )
    assert BinStock.objects.get(sku=sku, location=places.bin2).quantity == 3
    assert stock_drift() == []


def test_move_to_quarantine_takes_only_available_units(api, sku, warehouse, places):
    factories.stock(sku, places.bin1, 5)
    stock_reserve(lines=[ReserveLine(sku, warehouse, 4)], reference="order-1")
    before = _snapshot()
    body = {
        "sku": sku.code,
        "warehouse": warehouse.code,
        "from_location": "A-01",
        "to_location": "QUAR",
        "quantity": 2,
    }
    assert_error(api.post(MOVE, body, format="json"), 409, "insufficient_stock")
    assert _snapshot() == before
    body["quantity"] = 1
    assert api.post(MOVE, body, format="json").status_code == 201


def test_move_more_than_the_bin_holds_is_409(api, sku, warehouse, places):
    factories.stock(sku, places.bin1, 1)
    before = _snapshot()
    body = {
        "sku": sku.code,
        "warehouse": warehouse.code,
        "from_location": "A-01",
        "to_location": "A-02",
        "quantity": 2,
    }
    assert_error(api.post(MOVE, body, format="json"), 409, "insufficient_stock")
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sku": "NOPE"}, "sku"),
        ({"warehouse": "NOPE"}, "warehouse"),
        ({"from_location": "NOPE"}, "from_location"),
        ({"to_location": "NOPE"}, "to_location"),
        ({"to_location": "A-01"}, "to_location"),  # already there
        ({"to_location": "A"}, "to_location"),  # a zone
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": "1e3"}, "quantity"),
        ({"quantity": 10**12}, "quantity"),
        ({"lot": "L1"}, "lot"),
        ({"reason": "x" * 201}, "reason"),
    ],
)
def test_move_bad_input_names_the_field(api, sku, warehouse, places, change, field):
    factories.stock(sku, places.bin1, 5)
    before = _snapshot()
    body = {
        "sku": sku.code,
        "warehouse": warehouse.code,
        "from_location": "A-01",
        "to_location": "A-02",
        "quantity": 1,
    }
    assert_error(api.post(MOVE, {**body, **change}, format="json"), 400, "invalid", field)
    assert _snapshot() == before


def test_move_lot_tracked_needs_a_known_lot(api, lot_sku, warehouse, places):
    factories.stock(lot_sku, places.bin1, 3, lot_number="L1")
    body = {
        "sku": lot_sku.code,
        "warehouse": warehouse.code,
        "from_location": "A-01",
        "to_location": "A-02",
        "quantity": 1,
    }
    assert_error(api.post(MOVE, body, format="json"), 400, "invalid", "lot")
    assert_error(api.post(MOVE, {**body, "lot": "L2"}, format="json"), 400, "invalid", "lot")
    assert api.post(MOVE, {**body, "lot": "L1"}, format="json").json()["lot"] == "L1"


# Movements ----------------------------------------------------------------------------------


def test_movements_newest_first_and_filters(api, sku, lot_sku, warehouse, places):
    other = factories.warehouse("W2")
    other_places = factories.places(other)
    first = factories.stock(sku, places.bin1, 5)
    factories.stock(lot_sku, places.bin1, 1, lot_number="L1")
    factories.stock(sku, other_places.bin1, 2)
    api.post(
        MOVE,
        {
            "sku": sku.code,
            "warehouse": warehouse.code,
            "from_location": "A-01",
            "to_location": "A-02",
            "quantity": 1,
        },
        format="json",
    )
    rows = assert_list(api.get("/api/v1/movements/"), 4)
    assert [r["kind"] for r in rows] == ["move", "adjust", "adjust", "adjust"]
    assert rows[-1]["id"] == first.pk
    assert set(rows[0]) == {
        "id",
        "sku",
        "warehouse",
        "lot",
        "quantity",
        "from_location",
        "to_location",
        "kind",
        "reference",
        "actor",
        "reason",
        "created_at",
    }
    assert_list(api.get("/api/v1/movements/", {"sku": sku.code}), 3)
    assert_list(api.get("/api/v1/movements/", {"warehouse": "W2"}), 1)
    assert_list(api.get("/api/v1/movements/", {"kind": "move"}), 1)
    assert_list(api.get("/api/v1/movements/", {"sku": sku.code, "kind": "adjust"}), 2)
    assert_error(api.get("/api/v1/movements/", {"kind": "teleport"}), 400, "invalid", "kind")
    assert_error(api.get("/api/v1/movements/", {"created_after": "yesterday"}), 400, "invalid")
    # Offsets PostgreSQL would refuse are normalised to UTC; instants beyond year 1-9999 are 400.
    assert_list(api.get("/api/v1/movements/", {"created_after": "2000-01-01T00:00:00+21:20"}), 4)
    assert_error(
        api.get("/api/v1/movements/", {"created_before": "0001-01-01T00:00:00+14:00"}),
        400,
        "invalid",
        "created_before",
    )
    detail = api.get(f"/api/v1/movements/{first.pk}/")
    assert detail.status_code == 200
    assert detail.json()["reason"] == "opening stock"
    assert_error(api.get("/api/v1/movements/999999/"), 404, "not_found")


def test_movements_cannot_be_changed(api, sku, places):
    movement = factories.stock(sku, places.bin1, 5)
    assert_error(api.delete(f"/api/v1/movements/{movement.pk}/"), 405)
    assert_error(api.patch(f"/api/v1/movements/{movement.pk}/", {"quantity": 1}), 405)


def test_pagination_next_link(api, sku, places):
    for _ in range(3):
        factories.stock(sku, places.bin1, 1)
    body = api.get("/api/v1/movements/", {"page_size": 2}).json()
    assert len(body["results"]) == 2
    assert body["next"]
    assert api.get(body["next"]).json()["next"] is None
    assert_error(api.get("/api/v1/movements/", {"page": 99}), 404, "not_found")


@pytest.mark.parametrize(
    "url",
    ["/api/v1/stock/", "/api/v1/availability/", "/api/v1/movements/", "/api/v1/locations/"],
)
def test_reads_need_a_token(db, url):
    assert_error(APIClient().get(url), 401, "not_authenticated")


@pytest.mark.parametrize("url", [ADJUST, MOVE])
def test_writes_need_a_token(sku, warehouse, places, url):
    before = _snapshot()
    body = {"sku": sku.code, "warehouse": warehouse.code, "location": "A-01", "quantity": 1}
    assert_error(APIClient().post(url, body, format="json"), 401, "not_authenticated")
    assert _snapshot() == before


def test_non_finite_and_huge_numbers_in_raw_json(api, sku, warehouse, places):
    before = _snapshot()
    for raw in ("1e400", "-1e400", "99999999999999999999999999", "1.5", '"12abc"', "true"):
        body = (
            f'{{"sku": "{sku.code}", "warehouse": "{warehouse.code}", "location": "A-01", '
            f'"quantity": {raw}, "reason": "r"}}'
        )
        response = api.post(ADJUST, body, content_type="application/json")
        assert_error(response, 400, "invalid", "quantity")
    assert _snapshot() == before


@pytest.mark.postgres
def test_balance_beyond_the_database_integer_is_400_and_writes_nothing(api, sku, warehouse, places):
    body = {"sku": sku.code, "warehouse": warehouse.code, "location": "A-01"}
    body.update(quantity=1_000_000_000, reason="found")
    assert api.post(ADJUST, body, format="json").status_code == 201
    assert api.post(ADJUST, body, format="json").status_code == 201
    before = _snapshot()
    assert_error(api.post(ADJUST, body, format="json"), 400, "invalid")
    assert _snapshot() == before
