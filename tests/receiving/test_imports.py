"""Importing suppliers and purchase orders: the error report (every bad row, with its column),
all-or-nothing, through the resource, POST /api/v1/imports/ and the admin's dry-run preview."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.imports import import_kind, import_kinds
from inventory.imports.files import read_dataset
from receiving.models import PurchaseOrder, PurchaseOrderLine, Supplier
from tests import factories
from tests.receiving.builders import make_po

pytestmark = pytest.mark.django_db

HEADER = "po_number,supplier,warehouse,expected_date,sku,quantity,unit_cost\n"


def run(kind: str, text: str, *, dry_run: bool = False):
    resource = import_kind(kind).resource_class(reference="test", skip_diff=True)
    dataset = read_dataset(content=text.encode(), file_format="csv")
    result = resource.import_data(dataset, dry_run=dry_run)
    return resource.errors_of(result)


@pytest.fixture
def catalog(supplier, warehouse):
    return [factories.sku(code) for code in ("TEE-1", "TEE-2", "MUG-1", "CAP-1")]


def test_both_kinds_are_registered():
    kinds = import_kinds()
    assert {"purchase_orders", "suppliers"} <= set(kinds)
    assert kinds["purchase_orders"].label == "Purchase orders"


def test_a_good_file_makes_one_po_per_number(catalog, supplier, warehouse):
    errors = run(
        "purchase_orders",
        HEADER
        + f"PO-900,{supplier.code},{warehouse.code},2027-03-01,TEE-1,10,2.50\n"
        + f"PO-900,{supplier.code},{warehouse.code},2027-03-01,TEE-2,5,\n"
        + f"PO-901,{supplier.code},{warehouse.code},,MUG-1,3,0.99\n",
    )
    assert errors == []
    po = PurchaseOrder.objects.get(number="PO-900")
    assert (po.status, str(po.expected_date), po.supplier, po.warehouse) == (
        "open",
        "2027-03-01",
        supplier,
        warehouse,
    )
    assert sorted(po.lines.values_list("sku__code", "quantity_ordered")) == [
        ("TEE-1", 10),
        ("TEE-2", 5),
    ]
    assert str(po.lines.get(sku__code="TEE-1").unit_cost) == "2.5000"
    assert PurchaseOrder.objects.get(number="PO-901").expected_date is None


def test_every_bad_row_is_reported_with_its_column_and_nothing_is_applied(
    catalog, supplier, warehouse
):
    make_po(supplier, warehouse, (catalog[0], 1), number="PO-OLD")
    ok = f"{supplier.code},{warehouse.code},2027-03-01"
    errors = run(
        "purchase_orders",
        HEADER
        + f"PO-1,{ok},TEE-1,10,2.50\n"  # row 2: fine, but must not be applied
        + f"PO-1,{ok},NOPE,1,1\n"  # row 3: unknown SKU
        + f"PO-2,GHOST,{warehouse.code},,TEE-1,1,1\n"  # row 4: unknown supplier
        + f"PO-1,{ok},TEE-2,ten,1\n"  # row 5: bad number
        + f"PO-1,{ok},CAP-1,2,abc\n"  # row 6: bad unit cost
        + f"PO-1,{ok},TEE-1,3,1\n"  # row 7: duplicate line
        + f"PO-OLD,{ok},TEE-1,3,1\n"  # row 8: the PO exists already
        + f"PO-1,{supplier.code},{warehouse.code},2027-04-01,MUG-1,1,1\n"  # row 9: other date
        + f"PO-3,{ok},TEE-1,0,1\n"  # row 10: zero
        + f"PO-4,{ok},TEE-1,1.5,1\n",  # row 11: not whole
    )
    found = {(e["row"], e["column"]) for e in errors}
    assert found == {
        (3, "sku"),
        (4, "supplier"),
        (5, "quantity"),
        (6, "unit_cost"),
        (7, "sku"),
        (8, "po_number"),
        (9, "expected_date"),
        (10, "quantity"),
        (11, "quantity"),
    }, errors
    by_row = {e["row"]: e["message"] for e in errors}
    assert "NOPE" in by_row[3]
    assert "GHOST" in by_row[4]
    assert "duplicate line" in by_row[7]
    assert "already exists" in by_row[8]
    assert list(PurchaseOrder.objects.values_list("number", flat=True)) == ["PO-OLD"]
    assert PurchaseOrderLine.objects.count() == 1


def test_missing_columns_are_reported(catalog):
    errors = run("purchase_orders", "po_number,supplier\nPO-1,ACME\n")
    assert {(e["row"], e["column"]) for e in errors} == {
        (1, "warehouse"),
        (1, "sku"),
        (1, "quantity"),
    }


def test_dry_run_applies_nothing(catalog, supplier, warehouse):
    errors = run(
        "purchase_orders",
        HEADER + f"PO-5,{supplier.code},{warehouse.code},,TEE-1,1,1\n",
        dry_run=True,
    )
    assert errors == []
    assert not PurchaseOrder.objects.filter(number="PO-5").exists()


def test_draft_status_column(catalog, supplier, warehouse):
    errors = run(
        "purchase_orders",
        "po_number,supplier,warehouse,sku,quantity,status\n"
        f"PO-6,{supplier.code},{warehouse.code},TEE-1,1,draft\n"
        f"PO-7,{supplier.code},{warehouse.code},TEE-1,1,received\n",
    )
    assert [(e["row"], e["column"]) for e in errors] == [(3, "status")]
    assert not PurchaseOrder.objects.exists()


def test_suppliers_import(supplier):
    errors = run(
        "suppliers",
        "code,name,email\nS-1,First,first@example.com\nACME,Acme renamed,\n",
    )
    assert errors == []
    assert Supplier.objects.get(code="S-1").email == "first@example.com"
    assert Supplier.objects.get(code="ACME").name == "Acme renamed"
    errors = run(
        "suppliers",
        "code,name,email\nS-2,Second,\nS-2,Again,\nS-3,,x@example.com\nS-4,Four,not-an-email\n",
    )
    assert {(e["row"], e["column"]) for e in errors} == {(3, "code"), (4, "name"), (5, "email")}
    assert not Supplier.objects.filter(code="S-2").exists()


def test_through_the_imports_api(api, catalog, supplier, warehouse):
    good = HEADER + f"PO-10,{supplier.code},{warehouse.code},2027-01-01,TEE-1,4,1\n"
    response = api.post(
        "/api/v1/imports/",
        {
            "kind": "purchase_orders",
            "file": SimpleUploadedFile("pos.csv", good.encode(), content_type="text/csv"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "succeeded"
    assert response.json()["errors"] == []
    assert PurchaseOrder.objects.filter(number="PO-10").exists()

    bad = HEADER + (
        f"PO-11,{supplier.code},{warehouse.code},,TEE-1,4,1\n"
        f"PO-11,{supplier.code},{warehouse.code},,TEE-1,4,1\n"
    )
    response = api.post(
        "/api/v1/imports/",
        {"kind": "purchase_orders", "file": SimpleUploadedFile("pos.csv", bad.encode())},
        format="multipart",
    )
    body = response.json()
    assert response.status_code == 201
    assert body["status"] == "failed"
    assert body["rows_total"] == 2
    assert body["rows_valid"] == 1
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "sku")]
    assert not PurchaseOrder.objects.filter(number="PO-11").exists()

    suppliers = api.post(
        "/api/v1/imports/",
        {"kind": "suppliers", "file": SimpleUploadedFile("s.csv", b"code,name\nS-9,Nine\n")},
        format="multipart",
    )
    assert suppliers.json()["status"] == "succeeded"


def test_associates_may_not_import(catalog, supplier, warehouse):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=factories.user("dock", role="associate"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        "/api/v1/imports/",
        {"kind": "purchase_orders", "file": SimpleUploadedFile("p.csv", HEADER.encode())},
        format="multipart",
    )
    assert response.status_code == 403  # PRODUCT.md: associates do not import
    assert not PurchaseOrder.objects.exists()


def test_admin_dry_run_preview_then_confirm(client, catalog, supplier, warehouse):
    admin = factories.user("boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:receiving_purchaseorder_import")
    assert client.get(url).status_code == 200
    text = HEADER + f"PO-20,{supplier.code},{warehouse.code},2027-01-01,TEE-1,4,1\n"
    preview = client.post(
        url,
        {
            "resource": 0,
            "format": 0,
            "import_file": SimpleUploadedFile("pos.csv", text.encode(), content_type="text/csv"),
        },
    )
    assert preview.status_code == 200
    assert "PO-20" in preview.content.decode()
    assert not PurchaseOrder.objects.filter(number="PO-20").exists()  # a preview applies nothing
    form = preview.context["confirm_form"]
    confirmed = client.post(
        reverse("admin:receiving_purchaseorder_process_import"),
        {name: field.initial or form.initial.get(name) for name, field in form.fields.items()},
    )
    assert confirmed.status_code == 302
    assert PurchaseOrder.objects.get(number="PO-20").lines.count() == 1

    bad = HEADER + f"PO-21,{supplier.code},{warehouse.code},,NOPE,4,1\n"
    shown = client.post(
        url,
        {"resource": 0, "format": 0, "import_file": SimpleUploadedFile("b.csv", bad.encode())},
    ).content.decode()
    assert "Unknown SKU" in shown
    assert "NOPE" in shown
    assert not PurchaseOrder.objects.filter(number="PO-21").exists()
