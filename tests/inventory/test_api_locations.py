"""/locations/: the warehouse tree addressed by (warehouse code, location code)."""

import pytest

from inventory.models import Location
from tests import factories
from tests.api.contract import assert_error, assert_list

URL = "/api/v1/locations/"


def test_location_create_under_a_zone(api, warehouse, places):
    body = {"warehouse": warehouse.code, "code": "A-03", "parent": "A", "travel_cost": 7}
    response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "warehouse": warehouse.code,
        "code": "A-03",
        "parent": "A",
        "type": "bin",
        "sellable": True,
        "travel_cost": 7,
        "capacity": None,
        "path": "/A/A-03/",
    }
    location = Location.objects.get(warehouse=warehouse, code="A-03")
    assert location.parent == places.zone


def test_location_create_top_level_dock_is_not_sellable(api, warehouse):
    body = {"warehouse": warehouse.code, "code": "DOCK-2", "type": "dock", "parent": None}
    response = api.post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["sellable"] is False
    assert response.json()["path"] == "/DOCK-2/"


def test_sellable_is_read_only(api, warehouse):
    body = {"warehouse": warehouse.code, "code": "Q2", "type": "quarantine", "sellable": True}
    assert api.post(URL, body, format="json").json()["sellable"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"warehouse": "NOPE"}, "warehouse"),
        ({"warehouse": None}, "warehouse"),
        ({"parent": "NOPE"}, "parent"),
        ({"parent": "A-01"}, "parent"),  # a bin cannot contain locations
        ({"code": "A-01"}, "code"),  # already there
        ({"code": "X/Y"}, "code"),
        ({"code": ""}, "code"),
        ({"type": "shelf"}, "type"),
        ({"travel_cost": -1}, "travel_cost"),
        ({"travel_cost": "far"}, "travel_cost"),
        ({"travel_cost": 10**30}, "travel_cost"),
        ({"capacity": 2**31}, "capacity"),
        ({"capacity": 1.5}, "capacity"),
    ],
)
def test_location_create_bad_input(api, warehouse, places, change, field):
    body = {"warehouse": warehouse.code, "code": "NEW", "parent": "A", **change}
    before = Location.objects.count()
    assert_error(api.post(URL, body, format="json"), 400, "invalid", field)
    assert Location.objects.count() == before


def test_parent_must_be_in_the_same_warehouse(api, warehouse, places):
    other = factories.warehouse("OTHER")
    body = {"warehouse": other.code, "code": "B-01", "parent": "A"}
    assert_error(api.post(URL, body, format="json"), 400, "invalid", "parent")


def test_location_list_and_filters(api, warehouse, places):
    other = factories.warehouse("ZZ")
    factories.places(other)
    rows = assert_list(api.get(URL, {"page_size": 100}), 12)
    assert rows[0]["warehouse"] == warehouse.code
    mine = assert_list(api.get(URL, {"warehouse": warehouse.code}), 6)
    assert [r["code"] for r in mine] == ["A", "A-01", "A-02", "DOCK", "PACK", "QUAR"]
    bins = assert_list(api.get(URL, {"warehouse": warehouse.code, "type": "bin"}))
    assert [r["code"] for r in bins] == ["A-01", "A-02"]
    children = assert_list(api.get(URL, {"warehouse": "ZZ", "parent": "A"}))
    assert [(r["warehouse"], r["code"]) for r in children] == [("ZZ", "A-01"), ("ZZ", "A-02")]
    top = assert_list(api.get(URL, {"warehouse": "ZZ", "top_level": "true"}))
    assert [r["code"] for r in top] == ["A", "DOCK", "PACK", "QUAR"]
    assert_error(api.get(URL, {"type": "shelf"}), 400, "invalid", "type")


def test_location_detail_by_warehouse_and_code(api, warehouse, places):
    response = api.get(f"{URL}{warehouse.code}/A-01/")
    assert response.status_code == 200
    assert response.json()["parent"] == "A"
    assert response.json()["travel_cost"] == 1
    assert_error(api.get(f"{URL}{warehouse.code}/NOPE/"), 404, "not_found")
    assert_error(api.get(f"{URL}NOPE/A-01/"), 404, "not_found")
