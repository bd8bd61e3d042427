"""The receiving API as API.md states it: paths, fields, status codes, error codes."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import BinStock, WarehouseStock
from receiving.models import Discrepancy, PurchaseOrder, PutawayTask
from tests import factories
from tests.receiving.builders import make_po, receive


def client_for(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def associate(db, warehouse):
    person = factories.user("dockhand", role="associate")
    warehouse.staff.add(person)  # associates act only where they work
    return client_for(person)


def test_create_open_receive_close_through_the_api(api, supplier, warehouse, places, sku, lot_sku):
    created = api.post(
        "/api/v1/purchase-orders/",
        {
            "number": "PO-100",
            "supplier": supplier.code,
            "warehouse": warehouse.code,
            "expected_date": "2027-01-15",
            "lines": [
                {"sku": sku.code, "quantity_ordered": 10, "unit_cost": "2.50"},
                {"sku": lot_sku.code, "quantity_ordered": 5},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["number"], body["status"], body["supplier"], body["warehouse"]) == (
        "PO-100",
        "draft",
        supplier.code,
        warehouse.code,
    )
    assert body["expected_date"] == "2027-01-15"
    assert body["lines"][0] == {
        "sku": sku.code,
        "sku_name": sku.name,
        "quantity_ordered": 10,
        "quantity_received": 0,
        "quantity_open": 10,
        "unit_cost": "2.5000",
    }

    early = api.post(
        "/api/v1/purchase-orders/PO-100/receipts/",
        {"lines": [{"sku": sku.code, "quantity": 1}]},
        format="json",
    )
    assert early.status_code == 409
    assert early.json()["code"] == "invalid_state"

    opened = api.post("/api/v1/purchase-orders/PO-100/open/")
    assert opened.status_code == 200
    assert opened.json()["status"] == "open"
    assert api.post("/api/v1/purchase-orders/PO-100/open/").json()["code"] == "invalid_state"

    receipt = api.post(
        "/api/v1/purchase-orders/PO-100/receipts/",
        {
            "lines": [
                {"sku": sku.code, "quantity": 12, "damaged": 1},
                {"sku": lot_sku.code, "quantity": 3, "lot": "L-1", "expiry": "2027-05-01"},
            ]
        },
        format="json",
    )
    assert receipt.status_code == 201, receipt.json()
    result = receipt.json()
    assert set(result) >= {"id", "lines", "discrepancies"}
    flags = sorted(
        (d["code"], d["sku"], d["expected"], d["received"]) for d in result["discrepancies"]
    )
    assert flags == [("damaged", sku.code, 10, 12), ("over_receipt", sku.code, 10, 12)]
    assert [t["suggested_location"] for t in result["putaway_tasks"]] == ["A-01", "A-02"]
    assert result["lines"][1]["lot"] == "L-1"
    assert result["lines"][1]["expiry"] == "2027-05-01"

    detail = api.get("/api/v1/purchase-orders/PO-100/").json()
    assert detail["status"] == "partially_received"
    assert [line["quantity_received"] for line in detail["lines"]] == [12, 3]
    assert len(detail["receipts"]) == 1
    assert len(detail["discrepancies"]) == 2

    closed = api.post("/api/v1/purchase-orders/PO-100/close/")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert [
        (d["code"], d["sku"], d["expected"], d["received"]) for d in closed.json()["short"]
    ] == [("short", lot_sku.code, 5, 3)]
    late = api.post(
        "/api/v1/purchase-orders/PO-100/receipts/",
        {"lines": [{"sku": sku.code, "quantity": 1}]},
        format="json",
    )
    assert late.status_code == 409
    assert late.json()["code"] == "invalid_state"


def test_status_open_on_create_and_cancel_rules(api, supplier, warehouse, places, sku):
    body = {
        "supplier": supplier.code,
        "warehouse": warehouse.code,
        "status": "open",
        "lines": [{"sku": sku.code, "quantity_ordered": 2}],
    }
    created = api.post("/api/v1/purchase-orders/", body, format="json").json()
    assert created["status"] == "open"
    assert created["number"].startswith("PO-")
    number = created["number"]
    api.post(
        f"/api/v1/purchase-orders/{number}/receipts/",
        {"lines": [{"sku": sku.code, "quantity": 1}]},
        format="json",
    )
    refused = api.post(f"/api/v1/purchase-orders/{number}/cancel/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_state"
    other = api.post("/api/v1/purchase-orders/", body, format="json").json()["number"]
    assert api.post(f"/api/v1/purchase-orders/{other}/cancel/").json()["status"] == "cancelled"
    no_receipt = api.post(
        f"/api/v1/purchase-orders/{other}/receipts/",
        {"lines": [{"sku": sku.code, "quantity": 1}]},
        format="json",
    )
    assert no_receipt.status_code == 409
    assert no_receipt.json()["code"] == "invalid_state"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "NOPE", "quantity": 1}]}, "sku"),
        ({"lines": [{"sku": "{sku}", "quantity": 0}]}, "quantity"),
        ({"lines": [{"sku": "{sku}", "quantity": "ten"}]}, "quantity"),
        ({"lines": [{"sku": "{sku}", "quantity": 2, "damaged": 3}]}, "damaged"),
        ({"lines": [{"sku": "{sku}", "quantity": 2, "damaged": "x"}]}, "damaged"),
        ({"lines": [{"sku": "{sku}", "quantity": 2, "lot": "L-1"}]}, "lot"),
        ({"lines": [{"sku": "{sku}", "quantity": 2, "expiry": "soon"}]}, "expiry"),
        ({"lines": [{"sku": "{sku}", "quantity": 2}], "dock": "NOWHERE"}, "dock"),
        ({"lines": "all of them"}, "lines"),
        ([1, 2], "non_field_errors"),
    ],
)
def test_bad_receipts_are_400_naming_the_field(
    api, supplier, warehouse, places, sku, payload, field
):
    po = make_po(supplier, warehouse, (sku, 5))
    if isinstance(payload, dict) and isinstance(payload.get("lines"), list):
        for line in payload["lines"]:
            line["sku"] = line["sku"].replace("{sku}", sku.code)
    response = api.post(f"/api/v1/purchase-orders/{po.number}/receipts/", payload, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid", body
    assert field in body["errors"], body
    assert not BinStock.objects.exists()
    assert not po.receipts.exists()


def test_a_bad_line_is_named(api, supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 5))
    response = api.post(
        f"/api/v1/purchase-orders/{po.number}/receipts/",
        {"lines": [{"sku": sku.code, "quantity": 1}, {"sku": sku.code, "quantity": -1}]},
        format="json",
    )
    assert response.json()["errors"]["quantity"][0].startswith("Line 2:")


def test_barcode_damaged_true_and_unexpected_sku(api, supplier, warehouse, places, sku):
    scanned = factories.sku(barcode="4006381333931")
    po = make_po(supplier, warehouse, (sku, 5))
    response = api.post(
        f"/api/v1/purchase-orders/{po.number}/receipts/",
        {
            "lines": [
                {"sku": "4006381333931", "quantity": 2},
                {"sku": sku.code, "quantity": 2, "damaged": True},
            ]
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    codes = sorted((d["code"], d["sku"]) for d in response.json()["discrepancies"])
    assert codes == [("damaged", sku.code), ("unexpected_sku", scanned.code)]
    assert response.json()["putaway_tasks"] == []


def test_missing_dock_is_409_location_missing(api, supplier, sku):
    bare = factories.warehouse()
    po = make_po(supplier, bare, (sku, 5))
    response = api.post(
        f"/api/v1/purchase-orders/{po.number}/receipts/",
        {"lines": [{"sku": sku.code, "quantity": 1}]},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "location_missing"
    assert "no receiving dock" in response.json()["detail"]


def test_create_errors(api, supplier, warehouse, sku):
    base = {"supplier": supplier.code, "warehouse": warehouse.code}
    cases = [
        ({**base, "lines": []}, "lines"),
        ({**base, "lines": [{"sku": sku.code, "quantity_ordered": 1}] * 2}, "lines"),
        ({**base, "lines": [{"sku": sku.code, "quantity_ordered": -1}]}, "quantity_ordered"),
        (
            {**base, "supplier": "NOPE", "lines": [{"sku": sku.code, "quantity_ordered": 1}]},
            "supplier",
        ),
        (
            {**base, "status": "received", "lines": [{"sku": sku.code, "quantity_ordered": 1}]},
            "status",
        ),
        ({**base, "number": "a/b", "lines": [{"sku": sku.code, "quantity_ordered": 1}]}, "number"),
    ]
    for payload, field in cases:
        response = api.post("/api/v1/purchase-orders/", payload, format="json")
        assert response.status_code == 400, (payload, response.json())
        assert field in response.json()["errors"], (payload, response.json())
    make_po(supplier, warehouse, (sku, 1), number="PO-1")
    dup = api.post(
        "/api/v1/purchase-orders/",
        {**base, "number": "PO-1", "lines": [{"sku": sku.code, "quantity_ordered": 1}]},
        format="json",
    )
    assert dup.status_code == 400
    assert "number" in dup.json()["errors"]
    assert PurchaseOrder.objects.count() == 1


def test_unknown_numbers_are_404(api):
    for path in (
        "/api/v1/purchase-orders/NOPE/",
        "/api/v1/suppliers/NOPE/",
        "/api/v1/discrepancies/999/",
        "/api/v1/putaway-tasks/999/",
    ):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api.post("/api/v1/purchase-orders/NOPE/open/").status_code == 404
    assert api.post("/api/v1/putaway-tasks/999/complete/", {}, format="json").status_code == 404


def test_putaway_complete_and_twice(api, supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 6))
    [task] = receive(po, (sku, 6)).tasks
    listed = api.get("/api/v1/putaway-tasks/?status=open").json()["results"]
    assert listed == [
        {
            "id": task.pk,
            "warehouse": warehouse.code,
            "sku": sku.code,
            "lot": None,
            "quantity": 6,
            "from_location": "DOCK",
            "suggested_location": "A-01",
            "location": None,
            "status": "open",
            "purchase_order": po.number,
            "created_at": listed[0]["created_at"],
            "completed_at": None,
            "completed_by": None,
        }
    ]
    wrong = api.post(
        f"/api/v1/putaway-tasks/{task.pk}/complete/", {"location": "QUAR"}, format="json"
    )
    assert wrong.status_code == 400
    assert "location" in wrong.json()["errors"]
    unknown = api.post(
        f"/api/v1/putaway-tasks/{task.pk}/complete/", {"location": "Z-9"}, format="json"
    )
    assert unknown.status_code == 400
    assert "location" in unknown.json()["errors"]
    part = api.post(
        f"/api/v1/putaway-tasks/{task.pk}/complete/",
        {"location": "A-02", "quantity": 4},
        format="json",
    )
    assert part.status_code == 200, part.json()
    body = part.json()
    assert (body["status"], body["location"], body["quantity"]) == ("done", "A-02", 4)
    assert body["remainder"]["quantity"] == 2
    assert body["remainder"]["status"] == "open"
    assert WarehouseStock.objects.get(sku=sku).on_hand == 4
    again = api.post(f"/api/v1/putaway-tasks/{task.pk}/complete/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state"
    rest = api.post(f"/api/v1/putaway-tasks/{body['remainder']['id']}/complete/", {}, format="json")
    assert rest.json()["location"] == "A-02"  # the rest follows the SKU
    assert WarehouseStock.objects.get(sku=sku).on_hand == 6


def test_discrepancies_list_filter_and_resolve(api, supplier, warehouse, places, sku, user):
    stranger = factories.sku()
    po = make_po(supplier, warehouse, (sku, 2))
    receive(po, (sku, 3), (stranger, 1))
    listed = api.get("/api/v1/discrepancies/").json()["results"]
    assert {d["code"] for d in listed} == {"over_receipt", "unexpected_sku"}
    first = listed[0]
    assert set(first) >= {
        "id",
        "purchase_order",
        "code",
        "sku",
        "expected",
        "received",
        "resolved",
        "created_at",
    }
    assert api.get("/api/v1/discrepancies/?code=unexpected_sku").json()["results"][0]["sku"] == (
        stranger.code
    )
    assert (
        api.get(f"/api/v1/discrepancies/?purchase_order={po.number}&resolved=false").json()["count"]
        == 2
    )
    unexpected = Discrepancy.objects.get(code="unexpected_sku")
    no_note = api.post(f"/api/v1/discrepancies/{unexpected.pk}/resolve/", {}, format="json")
    assert no_note.status_code == 400
    assert "note" in no_note.json()["errors"]
    done = api.post(
        f"/api/v1/discrepancies/{unexpected.pk}/resolve/",
        {"note": "Keep them", "release": True},
        format="json",
    )
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["resolved"] is True
    assert body["resolved_by"] == user.username
    assert body["resolution_note"] == "Keep them"
    assert body["putaway_task"]["from_location"] == "QUAR"
    twice = api.post(
        f"/api/v1/discrepancies/{unexpected.pk}/resolve/", {"note": "x"}, format="json"
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "invalid_state"
    assert api.get("/api/v1/discrepancies/?resolved=true").json()["count"] == 1


def test_roles_guard_the_writes(associate, supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 2))
    denied = associate.post(
        "/api/v1/purchase-orders/",
        {"supplier": supplier.code, "warehouse": warehouse.code, "lines": []},
        format="json",
    )
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    assert associate.post(f"/api/v1/purchase-orders/{po.number}/close/").status_code == 403
    received = associate.post(
        f"/api/v1/purchase-orders/{po.number}/receipts/",
        {"lines": [{"sku": sku.code, "quantity": 3}]},
        format="json",
    )
    assert received.status_code == 201
    flag = Discrepancy.objects.get()
    assert (
        associate.post(
            f"/api/v1/discrepancies/{flag.pk}/resolve/", {"note": "x"}, format="json"
        ).status_code
        == 403
    )
    task = PutawayTask.objects.get()
    assert (
        associate.post(f"/api/v1/putaway-tasks/{task.pk}/complete/", {}, format="json").status_code
        == 200
    )
    assert APIClient().get("/api/v1/purchase-orders/").status_code == 401


def test_suppliers(api):
    created = api.post(
        "/api/v1/suppliers/", {"code": "S1", "name": "First", "email": "a@b.example"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["code"] == "S1"
    dup = api.post("/api/v1/suppliers/", {"code": "S1", "name": "Again"}, format="json")
    assert dup.status_code == 400
    assert "code" in dup.json()["errors"]
    bad = api.post(
        "/api/v1/suppliers/", {"code": "S2", "name": "x", "email": "nope"}, format="json"
    )
    assert bad.status_code == 400
    assert "email" in bad.json()["errors"]
    changed = api.patch("/api/v1/suppliers/S1/", {"name": "Renamed"}, format="json")
    assert changed.json()["name"] == "Renamed"
    assert api.get("/api/v1/suppliers/?q=renam").json()["results"][0]["code"] == "S1"


def test_list_filters(api, supplier, warehouse, places, sku):
    make_po(supplier, warehouse, (sku, 1), number="PO-A", expected_date="2027-01-01")
    make_po(supplier, warehouse, (sku, 1), number="PO-B", expected_date="2027-02-01")
    draft = make_po(
        supplier, factories.warehouse(), (factories.sku(), 1), number="PO-C", status="draft"
    )

    def numbers(query):
        return sorted(
            po["number"] for po in api.get(f"/api/v1/purchase-orders/?{query}").json()["results"]
        )

    assert numbers("status=open") == ["PO-A", "PO-B"]
    assert numbers("status=draft&status=open") == ["PO-A", "PO-B", "PO-C"]
    assert numbers(f"warehouse={draft.warehouse.code}") == ["PO-C"]
    assert numbers(f"supplier={supplier.code}&expected_after=2027-01-15") == ["PO-B"]
    assert numbers("expected_before=2027-01-15") == ["PO-A"]
    assert numbers(f"sku={sku.code}") == ["PO-A", "PO-B"]
    assert numbers("q=PO-C") == ["PO-C"]
    ordered = api.get("/api/v1/purchase-orders/?ordering=-number").json()["results"]
    assert [po["number"] for po in ordered] == ["PO-C", "PO-B", "PO-A"]
    assert api.get("/api/v1/purchase-orders/?status=bogus").status_code == 400


def _many_orders(supplier, warehouse, count):
    for _n in range(count):
        skus = [factories.sku() for _ in range(3)]
        po = make_po(supplier, warehouse, *[(s, 5) for s in skus])
        receive(po, (skus[0], 6), (skus[1], 2, None, 1))


def test_po_list_and_detail_run_a_constant_number_of_queries(
    api, supplier, warehouse, places, django_assert_max_num_queries
):
    _many_orders(supplier, warehouse, 2)
    with django_assert_max_num_queries(6) as few:
        small = api.get("/api/v1/purchase-orders/")
    _many_orders(supplier, warehouse, 8)
    with django_assert_max_num_queries(6) as many:
        large = api.get("/api/v1/purchase-orders/")
    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 10
    assert len(few.captured_queries) == len(many.captured_queries)

    number = PurchaseOrder.objects.order_by("pk").last().number
    with django_assert_max_num_queries(9):
        detail = api.get(f"/api/v1/purchase-orders/{number}/")
    assert len(detail.json()["lines"]) == 3
    assert len(detail.json()["discrepancies"]) == 2
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/discrepancies/").status_code == 200
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/putaway-tasks/").status_code == 200


def test_schema_documents_the_receiving_paths(db):
    # Generated for receiving's own URLs, so another app's schema trouble cannot hide ours.
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator(patterns=[path("api/v1/", include("receiving.api.urls"))])
    schema = generator.get_schema(request=None, public=True)
    for route in (
        "/api/v1/purchase-orders/",
        "/api/v1/purchase-orders/{number}/",
        "/api/v1/purchase-orders/{number}/open/",
        "/api/v1/purchase-orders/{number}/cancel/",
        "/api/v1/purchase-orders/{number}/close/",
        "/api/v1/purchase-orders/{number}/receipts/",
        "/api/v1/discrepancies/",
        "/api/v1/discrepancies/{id}/resolve/",
        "/api/v1/putaway-tasks/",
        "/api/v1/putaway-tasks/{id}/complete/",
        "/api/v1/suppliers/",
    ):
        assert route in schema["paths"], route
    receipts = schema["paths"]["/api/v1/purchase-orders/{number}/receipts/"]["post"]
    assert {"201", "400", "409"} <= set(receipts["responses"])


def test_availability_shows_open_po_quantity_as_incoming(api, supplier, warehouse, places, sku):
    factories.stock(sku, places.bin1, 4)
    po = make_po(supplier, warehouse, (sku, 10))
    make_po(supplier, warehouse, (sku, 50), status="draft")  # not sent: not incoming
    receive(po, (sku, 3))

    def incoming():
        rows = api.get(f"/api/v1/availability/?sku={sku.code}").json()["results"]
        return [(r["warehouse"], r["on_hand"], r["incoming"]) for r in rows]

    assert incoming() == [(warehouse.code, 4, 7)]
    api.post(f"/api/v1/purchase-orders/{po.number}/close/")
    assert incoming() == [(warehouse.code, 4, 0)]


@pytest.mark.parametrize("lines", [[None], [None, None], ["A"], [1]])
def test_a_line_that_is_not_an_object_is_a_400_naming_it(
    api, supplier, warehouse, places, sku, lines
):
    created = api.post(
        "/api/v1/purchase-orders/",
        {"supplier": supplier.code, "warehouse": warehouse.code, "lines": lines},
        format="json",
    )
    assert created.status_code == 400, created.content
    assert created.json()["errors"]["lines"][0].startswith("Line 1:")
    po = make_po(supplier, warehouse, (sku, 3))
    received = api.post(
        f"/api/v1/purchase-orders/{po.number}/receipts/", {"lines": lines}, format="json"
    )
    assert received.status_code == 400, received.content
    assert received.json()["errors"]["lines"][0].startswith("Line 1:")
    assert not PurchaseOrder.objects.exclude(pk=po.pk).exists()
    assert not BinStock.objects.filter(sku=sku).exists()
