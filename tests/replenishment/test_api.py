"""The replenishment API as API.md states it: /reorder-rules/, /replenishment-alerts/ and
create-purchase-orders, plus the reorder-rule import through /imports/."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from receiving.models import PurchaseOrder, PurchaseOrderStatus
from replenishment.models import ReorderRule
from tests import factories
from tests.replenishment.helpers import open_alerts, reserve, rule, stock, supplier

pytestmark = pytest.mark.django_db
RULES = "/api/v1/reorder-rules/"
ALERTS = "/api/v1/replenishment-alerts/"
WINTER = {"start": "11-15", "end": "01-31", "reorder_point": 60, "reorder_quantity": 200}


def client_for(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def tee(warehouse, places):
    sku = factories.sku("TEE")
    stock(sku, places.bin1, 20)
    return sku


def test_create_a_rule_with_seasons(api, tee, warehouse):
    acme = supplier()
    response = api.post(
        RULES,
        {
            "sku": "TEE",
            "warehouse": warehouse.code,
            "reorder_point": 10,
            "reorder_quantity": 30,
            "lead_time_days": 7,
            "supplier": "ACME",
            "pack_size": 12,
            "seasonal": [WINTER],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("sku", "warehouse", "reorder_point", "reorder_quantity")} == {
        "sku": "TEE",
        "warehouse": warehouse.code,
        "reorder_point": 10,
        "reorder_quantity": 30,
    }
    assert (body["lead_time_days"], body["supplier"], body["pack_size"]) == (7, acme.code, 12)
    assert body["seasonal"] == [WINTER]
    assert (body["available"], body["incoming"], body["projected"]) == (20, 0, 20)
    assert body["in_force"]["on"] == datetime.date.today().isoformat()
    winter_day = api.get(f"{RULES}{body['id']}/", {"on": "2025-12-24"}).json()["in_force"]
    assert winter_day == {
        "on": "2025-12-24",
        "reorder_point": 60,
        "reorder_quantity": 200,
        "season": WINTER,
    }
    spring_day = api.get(f"{RULES}{body['id']}/", {"on": "2025-04-01"}).json()["in_force"]
    assert (spring_day["reorder_point"], spring_day["season"]) == (10, None)


def test_a_rule_created_at_or_below_projected_raises_its_alert_at_once(api, tee, warehouse):
    response = api.post(
        RULES,
        {"sku": "TEE", "warehouse": warehouse.code, "reorder_point": 25, "reorder_quantity": 30},
        format="json",
    )
    assert response.status_code == 201
    (alert,) = open_alerts()
    assert response.json()["open_alert"] == alert.pk
    assert response.json()["armed"] is False


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reorder_point": -1}, "reorder_point", "greater than or equal to 0"),
        ({"reorder_quantity": 0}, "reorder_quantity", "greater than or equal to 1"),
        ({"sku": "NOPE"}, "sku", "No SKU with code NOPE."),
        ({"supplier": "NOPE"}, "supplier", "No supplier with code NOPE."),
        ({"pack_size": 0}, "pack_size", "greater than or equal to 1"),
        ({"seasonal": [{**WINTER, "start": "11-31"}]}, "seasonal", "Season 1: start '11-31'"),
        (
            {"seasonal": [WINTER, {**WINTER, "start": "01-01", "end": "01-05"}]},
            "seasonal",
            "Season 2 (1 Jan \u2013 5 Jan) overlaps season 1",
        ),
        ({"seasonal": "winter"}, "seasonal", "Expected a list"),
        ({"lead_time_days": 99999}, "lead_time_days", "less than or equal to 3650"),
    ],
)
def test_bad_rules_are_400_naming_the_field(api, tee, warehouse, change, field, message):
    payload = {"sku": "TEE", "warehouse": warehouse.code, "reorder_point": 5}
    payload["reorder_quantity"] = 10
    response = api.post(RULES, {**payload, **change}, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert any(message in str(m) for m in body["errors"][field]), body
    assert ReorderRule.objects.count() == 0


def test_a_second_rule_for_the_same_sku_and_warehouse_is_refused(api, tee, warehouse):
    first = rule(tee, warehouse, point=5)
    response = api.post(
        RULES,
        {"sku": "TEE", "warehouse": warehouse.code, "reorder_point": 1, "reorder_quantity": 1},
        format="json",
    )
    assert response.status_code == 400
    assert f"(rule {first.pk})" in response.json()["errors"]["sku"][0]


def test_patch_changes_figures_and_seasons_but_never_the_sku(api, tee, warehouse):
    existing = rule(tee, warehouse, point=5, seasonal=[WINTER])
    url = f"{RULES}{existing.pk}/"
    response = api.patch(url, {"reorder_point": 20, "seasonal": []}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["reorder_point"], response.json()["seasonal"]) == (20, [])
    assert len(open_alerts()) == 1  # 20 <= 20: raised by the change itself
    moved = api.patch(url, {"sku": "OTHER", "warehouse": warehouse.code}, format="json")
    assert moved.status_code == 400
    assert "never changes" in moved.json()["errors"]["sku"][0]
    assert api.patch(url, {"sku": "TEE"}, format="json").status_code == 200
    assert api.patch(f"{RULES}999999/", {"reorder_point": 1}, format="json").status_code == 404
    assert api.get(f"{RULES}abc/").status_code == 404


def test_delete_a_rule_keeps_its_alerts(api, tee, warehouse):
    existing = rule(tee, warehouse, point=25)
    assert api.delete(f"{RULES}{existing.pk}/").status_code == 204
    assert ReorderRule.objects.count() == 0
    assert len(open_alerts()) == 1


def test_rule_filters(api, tee, warehouse, places):
    mug = factories.sku("MUG")
    stock(mug, places.bin1, 3)
    # A season that never raises, so the test holds whatever today's date.
    rule(tee, warehouse, point=5, seasonal=[{**WINTER, "reorder_point": 0}], supplier=supplier())
    rule(mug, warehouse, point=5)
    codes = lambda **params: [r["sku"] for r in api.get(RULES, params).json()["results"]]  # noqa: E731
    assert codes() == ["MUG", "TEE"]
    assert codes(sku="MUG") == ["MUG"]
    assert codes(q="tee") == ["TEE"]
    assert codes(supplier="ACME") == ["TEE"]
    assert codes(seasonal="true") == ["TEE"]
    assert codes(seasonal="false") == ["MUG"]
    assert codes(armed="false") == ["MUG"]
    assert codes(warehouse="NOPE") == []
    assert codes(ordering="-projected") == ["TEE", "MUG"]
    assert api.get(RULES, {"on": "yesterday"}).status_code == 400


def test_alerts_list_as_the_contract_says(api, tee, warehouse):
    rule(tee, warehouse, point=10, quantity=30, supplier=supplier())
    reserve(tee, warehouse, 12)
    response = api.get(ALERTS)
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    (alert,) = body["results"]
    for field in (
        "id",
        "sku",
        "warehouse",
        "projected",
        "reorder_point",
        "suggested_quantity",
        "status",
        "created_at",
    ):
        assert field in alert
    assert (alert["sku"], alert["warehouse"], alert["status"]) == ("TEE", warehouse.code, "open")
    assert (alert["projected"], alert["reorder_point"], alert["suggested_quantity"]) == (8, 10, 30)
    assert (alert["supplier"], alert["current_projected"]) == ("ACME", 8)
    assert api.get(f"{ALERTS}{alert['id']}/").json()["id"] == alert["id"]
    assert api.get(ALERTS, {"status": "ordered"}).json()["results"] == []
    assert len(api.get(ALERTS, {"status": ["open", "ordered"]}).json()["results"]) == 1
    assert len(api.get(ALERTS, {"supplier": "ACME", "q": "tee"}).json()["results"]) == 1
    assert api.get(ALERTS, {"warehouse": "NOPE"}).json()["results"] == []
    assert api.get(ALERTS, {"status": "bogus"}).status_code == 400


def test_create_purchase_orders_one_per_supplier_and_warehouse(api, warehouse, places):
    """Four alerts: two SKUs from ACME in WH1, one from BOLT in WH1, one from ACME in WH2, and
    one without a supplier: three drafts, the supplier-less alert stays open."""
    other = factories.warehouse("WH-B")
    other_places = factories.places(other)
    acme, bolt = supplier("ACME"), supplier("BOLT")
    made = {}
    for code, wh, bins, vendor in [
        ("TEE", warehouse, places, acme),
        ("MUG", warehouse, places, acme),
        ("CAP", warehouse, places, bolt),
        ("TEE", other, other_places, acme),
        ("PEN", warehouse, places, None),
    ]:
        sku = made.get(code) or factories.sku(code)
        made[code] = sku
        stock(sku, bins.bin1, 2)
        rule(sku, wh, point=5, quantity=10 + len(made), supplier=vendor, lead_time_days=3)
    assert len(open_alerts()) == 5
    with CaptureQueriesContext(connection) as queries:
        response = api.post(f"{ALERTS}create-purchase-orders/", {}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    drafts = {(po["supplier"], po["warehouse"]): po for po in body["purchase_orders"]}
    assert set(drafts) == {("ACME", warehouse.code), ("BOLT", warehouse.code), ("ACME", "WH-B")}
    assert {po["status"] for po in drafts.values()} == {"draft"}
    acme_lines = {
        (line["sku"], line["quantity_ordered"])
        for line in drafts[("ACME", warehouse.code)]["lines"]
    }
    assert acme_lines == {("TEE", 11), ("MUG", 12)}
    expected = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    assert drafts[("BOLT", warehouse.code)]["expected_date"] == expected
    pen_alert = open_alerts(made["PEN"])[0]
    assert body["skipped"] == [
        {"id": pen_alert.pk, "reason": f"PEN in {warehouse.code}: its rule names no supplier."}
    ]
    assert len(body["ordered"]) == 4
    assert PurchaseOrder.objects.filter(status=PurchaseOrderStatus.DRAFT).count() == 3
    ordered = api.get(ALERTS, {"status": "ordered"}).json()["results"]
    assert {a["purchase_order"] for a in ordered} == {po["number"] for po in drafts.values()}
    assert len(queries.captured_queries) < 60
    # Again: nothing left to order but the supplier-less alert.
    again = api.post(f"{ALERTS}create-purchase-orders/", {}, format="json")
    assert again.status_code == 200
    assert again.json()["purchase_orders"] == []


def test_create_purchase_orders_for_chosen_alerts_and_conflicts(api, tee, warehouse, places):
    mug = factories.sku("MUG")
    stock(mug, places.bin1, 1)
    acme = supplier()
    rule(tee, warehouse, point=25, supplier=acme)
    rule(mug, warehouse, point=5, supplier=acme)
    tee_alert, mug_alert = open_alerts(tee)[0], open_alerts(mug)[0]
    url = f"{ALERTS}create-purchase-orders/"
    response = api.post(url, {"ids": [tee_alert.pk]}, format="json")
    assert response.status_code == 201
    (po,) = response.json()["purchase_orders"]
    assert [line["sku"] for line in po["lines"]] == ["TEE"]
    conflict = api.post(url, {"ids": [tee_alert.pk, mug_alert.pk]}, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "invalid_state"
    assert f"alert {tee_alert.pk} (TEE in {warehouse.code}) is ordered" in conflict.json()["detail"]
    assert open_alerts(mug)  # nothing changed
    unknown = api.post(url, {"ids": [999999]}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["ids"] == ["Unknown alert 999999."]
    assert api.post(url, {"ids": []}, format="json").status_code == 400
    assert api.post(url, {"ids": ["x"]}, format="json").status_code == 400


def test_dismiss_needs_a_reason(api, tee, warehouse):
    rule(tee, warehouse, point=25)
    (alert,) = open_alerts()
    missing = api.post(f"{ALERTS}{alert.pk}/dismiss/", {}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()["errors"]
    response = api.post(f"{ALERTS}{alert.pk}/dismiss/", {"reason": "seasonal item"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["dismiss_reason"]) == (
        "dismissed",
        "seasonal item",
    )
    assert response.json()["closed_by"] == "manager"
    twice = api.post(f"{ALERTS}dismiss/", {"ids": [alert.pk], "reason": "again"}, format="json")
    assert twice.status_code == 409


def test_roles_guard_the_writes(tee, warehouse):
    rule(tee, warehouse, point=25)
    associate = client_for(factories.user("picker", role="associate"))
    assert associate.get(ALERTS).status_code == 403  # alerts are purchasing's (PRODUCT.md)
    denied = associate.post(f"{ALERTS}create-purchase-orders/", {}, format="json")
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    create = {"sku": "TEE", "warehouse": warehouse.code, "reorder_point": 1, "reorder_quantity": 1}
    assert associate.post(RULES, create, format="json").status_code == 403
    buyer = client_for(factories.user("buyer", role="purchasing"))
    assert buyer.post(f"{ALERTS}create-purchase-orders/", {}, format="json").status_code == 200
    assert APIClient().get(ALERTS).status_code == 401


def _many_alerts(n: int, warehouse, places):
    acme = supplier(f"S{n}")
    for i in range(n):
        sku = factories.sku(f"Q{n}-{i:03}")
        stock(sku, places.bin1, 1)
        rule(sku, warehouse, point=5, supplier=acme, seasonal=[WINTER])


@pytest.mark.parametrize("url", [RULES, ALERTS])
def test_lists_run_a_constant_number_of_queries(api, warehouse, places, url):
    """Token (with its user), COUNT, the page: three queries however long the page."""
    _many_alerts(2, warehouse, places)
    with CaptureQueriesContext(connection) as few:
        assert len(api.get(url).json()["results"]) == 2
    _many_alerts(25, warehouse, places)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(url).json()["results"]) == 27
    assert len(few.captured_queries) == len(many.captured_queries) == 4


def test_reorder_rules_import_through_the_imports_api(api, tee, warehouse, places):
    mug = factories.sku("MUG")
    stock(mug, places.bin1, 50)
    supplier()
    good = (
        "sku,warehouse,reorder_point,reorder_quantity,lead_time_days,supplier,pack_size,seasonal\n"
        f"TEE,{warehouse.code},25,30,7,ACME,12,11-15..01-31=60/200\n"
        f"MUG,{warehouse.code},10,40,,,,\n"
    )
    response = api.post(
        "/api/v1/imports/",
        {"kind": "reorder_rules", "file": SimpleUploadedFile("rules.csv", good.encode())},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["rows_total"], body["rows_valid"], body["errors"]) == (
        "succeeded",
        2,
        2,
        [],
    )
    assert (body["rows_create"], body["rows_update"]) == (2, 0)
    tee_rule = ReorderRule.objects.get(sku=tee)
    assert (tee_rule.reorder_point, tee_rule.pack_size, tee_rule.supplier.code) == (25, 12, "ACME")
    assert tee_rule.seasonal == [WINTER]
    assert [a.sku.code for a in open_alerts()] == ["TEE"]  # 20 <= 25: raised by the import


def test_a_bad_reorder_rule_file_applies_nothing_and_names_every_row(api, tee, warehouse):
    bad = (
        "sku,warehouse,reorder_point,reorder_quantity,supplier,seasonal\n"
        f"TEE,{warehouse.code},5,10,,\n"
        f"NOPE,{warehouse.code},5,10,,\n"
        f"TEE,{warehouse.code},5,10,,\n"
        f"TEE,WH-X,ten,0,GHOST,winter\n"
        f"TEE,{warehouse.code},5,10,,11-15..01-31=6/2; 01-01..01-05=1/1\n"
    )
    response = api.post(
        "/api/v1/imports/",
        {"kind": "reorder_rules", "file": SimpleUploadedFile("rules.csv", bad.encode())},
        format="multipart",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "failed"
    found = {(e["row"], e["column"]) for e in body["errors"]}
    assert {
        (3, "sku"),
        (4, "sku"),
        (5, "warehouse"),
        (5, "reorder_point"),
        (5, "reorder_quantity"),
        (5, "supplier"),
        (5, "seasonal"),
    } <= found, body["errors"]
    messages = " ".join(e["message"] for e in body["errors"])
    assert "Unknown SKU 'NOPE'" in messages
    assert "appears more than once (first on row 2)" in messages
    assert ReorderRule.objects.count() == 0


def test_schema_documents_the_replenishment_paths(db):
    # Generated for these URLs alone, so another app's schema trouble cannot hide ours.
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator(patterns=[path("api/v1/", include("replenishment.api.urls"))])
    schema = generator.get_schema(request=None, public=True)
    for route in (
        "/api/v1/reorder-rules/",
        "/api/v1/reorder-rules/{id}/",
        "/api/v1/replenishment-alerts/",
        "/api/v1/replenishment-alerts/{id}/",
        "/api/v1/replenishment-alerts/create-purchase-orders/",
        "/api/v1/replenishment-alerts/{id}/dismiss/",
        "/api/v1/replenishment-alerts/dismiss/",
    ):
        assert route in schema["paths"], route
    ordering = schema["paths"]["/api/v1/replenishment-alerts/create-purchase-orders/"]["post"]
    assert {"200", "201", "400", "403", "409"} <= set(ordering["responses"])
    rule = schema["components"]["schemas"]["ReorderRule"]["properties"]
    assert rule["seasonal"]["type"] == "array"
    assert set(rule["in_force"]["allOf"][0]["$ref"].split("/")[-1:]) == {"Threshold"}
