"""/skus/ and /warehouses/: happy paths, every bad input, auth (API.md "Catalog and places")."""

import pytest
from rest_framework.test import APIClient

from inventory.models import Sku, Warehouse
from tests import factories
from tests.api.contract import assert_error, assert_list

SKUS = "/api/v1/skus/"
WAREHOUSES = "/api/v1/warehouses/"


# SKUs ---------------------------------------------------------------------------------------


def test_sku_create_returns_the_sku(api):
    body = {"code": "TSHIRT-RED-M", "name": "T-shirt", "barcode": "400123", "lot_tracked": True}
    response = api.post(SKUS, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert {k: data[k] for k in body} == body
    assert data["active"] is True
    assert Sku.objects.get(code="TSHIRT-RED-M").lot_tracked


def test_sku_list_shape_and_filters(api):
    factories.sku("A-1", barcode="111")
    factories.sku("B-2")
    Sku.objects.filter(code="B-2").update(active=False)
    assert [r["code"] for r in assert_list(api.get(SKUS), 2)] == ["A-1", "B-2"]
    assert [r["code"] for r in assert_list(api.get(SKUS, {"active": "false"}))] == ["B-2"]
    assert [r["code"] for r in assert_list(api.get(SKUS, {"q": "111"}))] == ["A-1"]
    assert [r["code"] for r in assert_list(api.get(SKUS, {"ordering": "-code"}))] == [
        "B-2",
        "A-1",
    ]
    assert assert_list(api.get(SKUS, {"code": "NOPE"})) == []


def test_sku_detail_by_code(api, sku):
    response = api.get(f"{SKUS}{sku.code}/")
    assert response.status_code == 200
    assert response.json()["code"] == sku.code


def test_sku_detail_unknown_code_is_404_in_contract_shape(api, db):
    assert_error(api.get(f"{SKUS}NOPE/"), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No code"}, "code"),
        ({"code": "X-1"}, "name"),
        ({"code": "", "name": "Empty"}, "code"),
        ({"code": "A/B", "name": "Slash"}, "code"),
        ({"code": "X" * 65, "name": "Long"}, "code"),
        ({"code": "X-1", "name": "N" * 201}, "name"),
        ({"code": "X-1", "name": "Bad flag", "lot_tracked": "maybe"}, "lot_tracked"),
        ({"code": "X-1", "name": "Bad flag", "active": [1]}, "active"),
        ({"code": {"a": 1}, "name": "Dict code"}, "code"),
        ({"code": "X\x00", "name": "NUL"}, "code"),
        ({"code": "X-1", "name": "Long barcode", "barcode": "9" * 65}, "barcode"),
    ],
)
def test_sku_create_bad_input_names_the_field(api, db, body, field):
    assert_error(api.post(SKUS, body, format="json"), 400, "invalid", field)
    assert not Sku.objects.exists()


def test_sku_create_duplicate_code_and_barcode(api, db):
    factories.sku("DUP", barcode="555")
    assert_error(api.post(SKUS, {"code": "DUP", "name": "x"}, format="json"), 400, field="code")
    assert_error(
        api.post(SKUS, {"code": "NEW", "name": "x", "barcode": "555"}, format="json"),
        400,
        field="barcode",
    )
    assert Sku.objects.count() == 1


def test_sku_create_body_not_an_object_or_not_json(api, db):
    assert_error(api.post(SKUS, [1, 2], format="json"), 400, "invalid")
    response = api.post(SKUS, "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_sku_patch_changes_descriptive_fields(api, sku):
    response = api.patch(
        f"{SKUS}{sku.code}/", {"name": "Renamed", "barcode": "777", "active": False}, format="json"
    )
    assert response.status_code == 200, response.json()
    sku.refresh_from_db()
    assert (sku.name, sku.barcode, sku.active) == ("Renamed", "777", False)
    response = api.patch(f"{SKUS}{sku.code}/", {"barcode": None}, format="json")
    assert response.status_code == 200
    sku.refresh_from_db()
    assert sku.barcode is None


def test_sku_patch_cannot_change_the_code(api, sku):
    assert_error(
        api.patch(f"{SKUS}{sku.code}/", {"code": "OTHER"}, format="json"), 400, field="code"
    )
    # Sending the same code is harmless.
    assert api.patch(f"{SKUS}{sku.code}/", {"code": sku.code}, format="json").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"active": "perhaps"}, "active"), ({"barcode": "1" * 65}, "barcode")],
)
def test_sku_patch_bad_input(api, sku, body, field):
    assert_error(api.patch(f"{SKUS}{sku.code}/", body, format="json"), 400, "invalid", field)


def test_sku_lot_tracking_changes_only_without_stock(api, sku, places):
    url = f"{SKUS}{sku.code}/"
    assert api.patch(url, {"lot_tracked": True}, format="json").json()["lot_tracked"] is True
    assert api.patch(url, {"lot_tracked": False}, format="json").json()["lot_tracked"] is False
    factories.stock(sku, places.bin1, 3)
    assert_error(api.patch(url, {"lot_tracked": True}, format="json"), 409, "invalid_state")
    sku.refresh_from_db()
    assert sku.lot_tracked is False
    # Other fields still change while stock is held; so does a no-op lot_tracked.
    response = api.patch(url, {"lot_tracked": False, "name": "Still fine"}, format="json")
    assert response.status_code == 200


def test_sku_put_and_delete_are_not_allowed(api, sku):
    assert_error(api.put(f"{SKUS}{sku.code}/", {"name": "x"}, format="json"), 405)
    assert_error(api.delete(f"{SKUS}{sku.code}/"), 405)


# Warehouses ---------------------------------------------------------------------------------


def test_warehouse_create_list_detail_patch(api, db):
    response = api.post(WAREHOUSES, {"code": "WH1", "name": "Main"}, format="json")
    assert response.status_code == 201
    assert response.json() == {"code": "WH1", "name": "Main"}
    assert [r["code"] for r in assert_list(api.get(WAREHOUSES), 1)] == ["WH1"]
    assert api.get(f"{WAREHOUSES}WH1/").json()["name"] == "Main"
    response = api.patch(f"{WAREHOUSES}WH1/", {"name": "North"}, format="json")
    assert response.json() == {"code": "WH1", "name": "North"}
    assert_error(api.patch(f"{WAREHOUSES}WH1/", {"code": "WH9"}, format="json"), 400, field="code")
    assert_error(api.get(f"{WAREHOUSES}NOPE/"), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No code"}, "code"),
        ({"code": "W1"}, "name"),
        ({"code": "W" * 33, "name": "Long"}, "code"),
        ({"code": "W/1", "name": "Slash"}, "code"),
        ({"code": 12, "name": ["not", "text"]}, "name"),
    ],
)
def test_warehouse_create_bad_input(api, db, body, field):
    assert_error(api.post(WAREHOUSES, body, format="json"), 400, "invalid", field)
    assert not Warehouse.objects.exists()


def test_warehouse_duplicate_code(api, warehouse):
    response = api.post(WAREHOUSES, {"code": warehouse.code, "name": "Again"}, format="json")
    assert_error(response, 400, "invalid", "code")


# Auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SKUS, WAREHOUSES, "/api/v1/skus/ANY/"])
def test_no_token_is_401(db, url):
    body = assert_error(APIClient().get(url), 401, "not_authenticated")
    assert "detail" in body


def test_bad_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(client.get(SKUS), 401, "authentication_failed")
    assert_error(client.post(SKUS, {"code": "X", "name": "Y"}, format="json"), 401)
    assert not Sku.objects.exists()


def test_token_endpoint(db):
    factories.user("alice", password="s3cret-pass!", role="viewer")
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "s3cret-pass!"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert set(response.json()) == {"token"}
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(SKUS).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "alice"},
        {},
        {"username": ["x"], "password": {"y": 1}},
    ],
)
def test_token_endpoint_bad_credentials(db, body):
    factories.user("alice", password="s3cret-pass!", role="viewer")
    assert_error(APIClient().post("/api/v1/auth/token/", body, format="json"), 400, "invalid")


def test_unknown_api_path_is_json_404(api, db):
    assert_error(api.get("/api/v1/no-such-thing/"), 404, "not_found")
