"""Importing suppliers and purchase orders on the fast engine (inventory.imports.engine): every
error class named by row and column, all-or-nothing, what creating a purchase order does besides
its rows (incoming, availability rows, reorder rules re-armed), dry runs, warehouse scope,
exports that import back (CSV and XLSX), queries that do not grow with rows, and the imports
API."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.imports import import_kind, import_kinds
from inventory.imports.engine import import_run
from inventory.imports.exports import export_bytes
from inventory.models import WarehouseStock
from receiving.models import PurchaseOrder, PurchaseOrderLine, Supplier
from receiving.selectors import incoming_by_sku_warehouse
from receiving.services import supplier_create
from replenishment.models import ReorderRule
from replenishment.services import reorder_rule_create
from tests import factories
from tests.receiving.builders import make_po

pytestmark = pytest.mark.django_db

HEADER = "po_number,supplier,warehouse,expected_date,sku,quantity,unit_cost\n"
# Django splits a bulk INSERT where SQLite caps a statement's parameters (999): 200 rows may
# take a few statements more than 10. A query per row would add about 190.
SQLITE_BATCHES = 5


def run(kind: str, text: str | bytes, *, dry_run=False, actor=None, file_format="csv"):
    content = text.encode() if isinstance(text, str) else text
    return import_run(
        kind=kind,
        content=content,
        file_format=file_format,
        dry_run=dry_run,
        actor=actor,
        reference="test",
    )


def cells_of(outcome) -> set[tuple[int, str]]:
    return {(error["row"], error["column"]) for error in outcome.errors}


def skus(*codes: str) -> None:
    """A catalog through the SKU import (fast for a thousand codes)."""
    body = "".join(f"{code},Item {code}\n" for code in codes)
    assert run("skus", "code,name\n" + body).errors == []


def export(kind: str, user, file_format: str = "csv", params=None) -> bytes:
    table = import_kind(kind).table
    return export_bytes(table, table.export_rows(user=user, params=params or {}), file_format)


def rows_of(kind: str, user) -> list[tuple]:
    return list(import_kind(kind).table.export_rows(user=user, params={}))


def query_count(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def assert_not_growing(few: int, many: int) -> None:
    if connection.vendor == "postgresql":
        assert many == few
    else:
        assert few <= many <= few + SQLITE_BATCHES, (few, many)


@pytest.fixture
def catalog(supplier, warehouse):
    return [factories.sku(code) for code in ("TEE-1", "TEE-2", "MUG-1", "CAP-1")]


def test_both_kinds_are_registered_for_buyers():
    kinds = import_kinds()
    assert kinds["purchase_orders"].label == "Purchase orders"
    assert kinds["suppliers"].label == "Suppliers"
    for name in ("purchase_orders", "suppliers"):
        assert kinds[name].roles == {"admin", "manager", "purchasing"}


# --- purchase orders ---------------------------------------------------------------------------


def test_a_good_file_makes_one_po_per_number(catalog, supplier, warehouse, user):
    outcome = run(
        "purchase_orders",
        HEADER
        + f"PO-900,{supplier.code},{warehouse.code},2027-03-01,TEE-1,10,2.50\n"
        + f"PO-900,{supplier.code},{warehouse.code},2027-03-01,TEE-2,5,\n"
        + f"PO-901,{supplier.code},{warehouse.code},,MUG-1,3,0.99\n",
        actor=user,
    )
    assert outcome.errors == []
    assert (outcome.rows_total, outcome.rows_create, outcome.rows_update) == (3, 3, 0)
    po = PurchaseOrder.objects.get(number="PO-900")
    assert (po.status, str(po.expected_date), po.supplier, po.warehouse, po.created_by) == (
        "open",
        "2027-03-01",
        supplier,
        warehouse,
        user,
    )
    assert po.opened_at is not None
    assert sorted(po.lines.values_list("sku__code", "quantity_ordered", "unit_cost")) == [
        ("TEE-1", 10, Decimal("2.5")),
        ("TEE-2", 5, Decimal("0")),
    ]
    assert PurchaseOrder.objects.get(number="PO-901").expected_date is None


def test_every_bad_row_is_reported_with_its_column_and_nothing_is_applied(
    catalog, supplier, warehouse
):
    make_po(supplier, warehouse, (catalog[0], 1), number="PO-OLD")
    ok = f"{supplier.code},{warehouse.code},2027-03-01"
    outcome = run(
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
        + f"PO-4,{ok},TEE-1,1.5,1\n"  # row 11: not whole
        + f"PO-5,{supplier.code},{warehouse.code},31/02/2027,TEE-1,1,1\n"  # row 12: bad date
        + f"PO 6,{ok},TEE-1,1,1\n"  # row 13: a space in the number
        + f"{'P' * 33},{ok},TEE-1,1,1\n"  # row 14: too long
        + f"PO-7,{supplier.code},WH-X,,TEE-1,1,1\n",  # row 15: unknown warehouse
    )
    assert cells_of(outcome) == {
        (3, "sku"),
        (4, "supplier"),
        (5, "quantity"),
        (6, "unit_cost"),
        (7, "sku"),
        (8, "po_number"),
        (9, "expected_date"),
        (10, "quantity"),
        (11, "quantity"),
        (12, "expected_date"),
        (13, "po_number"),
        (14, "po_number"),
        (15, "warehouse"),
    }, outcome.errors
    by_row = {e["row"]: e["message"] for e in outcome.errors}
    assert by_row[3] == "Unknown SKU 'NOPE'."
    assert by_row[4] == "Unknown supplier 'GHOST'."
    assert "ten" in by_row[5]
    assert "abc" in by_row[6]
    assert by_row[7] == "TEE-1 is already on PO-1 (row 2): one line per SKU (duplicate line)."
    assert by_row[8] == "Purchase order PO-OLD already exists; import new orders only."
    assert by_row[9] == (
        "PO-1 has expected_date 2027-03-01 on row 2; every row of a purchase order must agree."
    )
    assert "at least 1" in by_row[10]
    assert "31/02/2027" in by_row[12]
    assert "spaces" in by_row[13]
    assert "32" in by_row[14]
    assert by_row[15] == "Unknown warehouse 'WH-X'."
    assert (outcome.applied, outcome.rows_valid) == (False, 1)
    assert list(PurchaseOrder.objects.values_list("number", flat=True)) == ["PO-OLD"]
    assert PurchaseOrderLine.objects.count() == 1


def test_rows_of_one_po_must_agree_on_every_header_column(catalog, supplier, warehouse):
    other_supplier = supplier_create(code="BOLT", name="Bolt")
    other_warehouse = factories.warehouse("WH-B")
    outcome = run(
        "purchase_orders",
        "po_number,supplier,warehouse,expected_date,sku,quantity,status\n"
        f"PO-1,{supplier.code},{warehouse.code},,TEE-1,1,\n"
        f"PO-1,{other_supplier.code},{other_warehouse.code},2027-01-01,TEE-2,1,draft\n",
    )
    assert cells_of(outcome) == {
        (3, "supplier"),
        (3, "warehouse"),
        (3, "expected_date"),
        (3, "status"),
    }
    messages = {e["column"]: e["message"] for e in outcome.errors}
    assert messages["supplier"].startswith(f"PO-1 has supplier {supplier.code} on row 2")
    assert messages["expected_date"].startswith("PO-1 has no expected_date on row 2")
    assert messages["status"].startswith("PO-1 has status open on row 2")
    assert not PurchaseOrder.objects.exists()


def test_missing_columns_are_reported(catalog):
    outcome = run("purchase_orders", "po_number,supplier\nPO-1,ACME\n")
    assert outcome.errors == [
        {"row": 1, "column": name, "message": f"The file has no '{name}' column."}
        for name in ("quantity", "sku", "warehouse")  # the report is sorted by row and column
    ]


def test_a_dry_run_applies_nothing_and_counts(catalog, supplier, warehouse):
    outcome = run(
        "purchase_orders",
        HEADER
        + f"PO-5,{supplier.code},{warehouse.code},,TEE-1,1,1\n"
        + f"PO-5,{supplier.code},{warehouse.code},,TEE-2,1,1\n",
        dry_run=True,
    )
    assert outcome.errors == []
    assert (outcome.rows_create, outcome.rows_update, outcome.applied) == (2, 0, False)
    assert not PurchaseOrder.objects.exists()
    assert not WarehouseStock.objects.exists()


def test_draft_status_and_statuses_an_import_cannot_create(catalog, supplier, warehouse):
    outcome = run(
        "purchase_orders",
        "po_number,supplier,warehouse,sku,quantity,status\n"
        f"PO-6,{supplier.code},{warehouse.code},TEE-1,1,Draft\n"
        f"PO-7,{supplier.code},{warehouse.code},TEE-1,1,received\n"
        f"PO-8,{supplier.code},{warehouse.code},TEE-1,1,later\n",
    )
    assert [(e["row"], e["column"]) for e in outcome.errors] == [(3, "status"), (4, "status")]
    assert "new purchase orders" in outcome.errors[0]["message"]
    assert outcome.errors[1]["message"] == "'later' is not one of: open, draft."
    assert not PurchaseOrder.objects.exists()
    outcome = run(
        "purchase_orders",
        "po_number,supplier,warehouse,sku,quantity,status\n"
        f"PO-6,{supplier.code},{warehouse.code},TEE-1,1,draft\n",
    )
    assert outcome.errors == []
    draft = PurchaseOrder.objects.get(number="PO-6")
    assert (draft.status, draft.opened_at) == ("draft", None)
    assert incoming_by_sku_warehouse() == {}  # a draft is not incoming


def test_open_orders_count_as_incoming_and_rearm_reorder_rules(
    catalog, supplier, warehouse, places
):
    tee, mug = catalog[0], catalog[2]
    factories.stock(tee, places.bin1, 2)
    rule = reorder_rule_create(sku=tee, warehouse=warehouse, reorder_point=5, reorder_quantity=10)
    assert not ReorderRule.objects.get(pk=rule.pk).armed  # 2 <= 5: an alert was raised
    outcome = run(
        "purchase_orders",
        HEADER
        + f"PO-1,{supplier.code},{warehouse.code},,TEE-1,10,1\n"
        + f"PO-1,{supplier.code},{warehouse.code},,MUG-1,4,1\n",
    )
    assert outcome.errors == []
    assert incoming_by_sku_warehouse() == {(tee.pk, warehouse.pk): 10, (mug.pk, warehouse.pk): 4}
    # MUG has no stock: it gets its availability row, as purchase_order_create gives it.
    assert WarehouseStock.objects.filter(sku=mug, warehouse=warehouse, on_hand=0).exists()
    assert ReorderRule.objects.get(pk=rule.pk).armed  # projected 12 > 5: re-armed


def test_one_bad_row_among_a_thousand_applies_nothing_and_is_named(supplier, warehouse):
    skus(*(f"S-{n}" for n in range(10)))
    good = "".join(
        f"PO-{n // 10},{supplier.code},{warehouse.code},,S-{n % 10},{n + 1},1.25\n"
        for n in range(999)
    )
    outcome = run("purchase_orders", HEADER + good + f"PO-X,{supplier.code},NOWHERE,,S-1,1,1\n")
    assert outcome.errors == [
        {"row": 1001, "column": "warehouse", "message": "Unknown warehouse 'NOWHERE'."}
    ]
    assert (outcome.rows_total, outcome.rows_valid, outcome.applied) == (1000, 999, False)
    assert not PurchaseOrder.objects.exists()
    outcome = run("purchase_orders", HEADER + good)
    assert outcome.errors == []
    assert PurchaseOrder.objects.count() == 100
    assert PurchaseOrderLine.objects.count() == 999


def test_a_manager_imports_only_into_their_own_warehouses(catalog, supplier, warehouse):
    manager = factories.user("floor-boss", role="manager")
    warehouse.staff.add(manager)
    elsewhere = factories.warehouse("WH-FAR")
    text = (
        HEADER
        + f"PO-1,{supplier.code},{warehouse.code},,TEE-1,1,1\n"
        + f"PO-2,{supplier.code},{elsewhere.code},,TEE-1,1,1\n"
    )
    outcome = run("purchase_orders", text, actor=manager)
    assert outcome.errors == [
        {
            "row": 3,
            "column": "warehouse",
            "message": "Warehouse WH-FAR is not one of your warehouses.",
        }
    ]
    buyer = factories.user("buyer", role="purchasing")  # buys for every warehouse
    assert run("purchase_orders", text, actor=buyer).errors == []
    assert PurchaseOrder.objects.count() == 2


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back_as_new_orders(catalog, supplier, warehouse, user, file_format):
    tee, tee2, mug = catalog[:3]
    make_po(supplier, warehouse, (tee, 10, "2.5"), (mug, 3, "0.0001"), number="PO-A")
    make_po(supplier, warehouse, (tee2, 1, "0"), number="PO-B", status="draft")
    before = rows_of("purchase_orders", user)
    assert before[0] == ("PO-A", "ACME", warehouse.code, None, "TEE-1", 10, Decimal("2.5"), "open")
    content = export("purchase_orders", user, file_format)
    PurchaseOrder.objects.all().delete()  # a fresh start: the numbers are free again
    outcome = run("purchase_orders", content, file_format=file_format)
    assert outcome.errors == []
    assert (outcome.rows_create, outcome.rows_update) == (3, 0)
    assert rows_of("purchase_orders", user) == before
    again = run("purchase_orders", content, file_format=file_format)
    assert {e["message"] for e in again.errors} == {
        "Purchase order PO-A already exists; import new orders only.",
        "Purchase order PO-B already exists; import new orders only.",
    }


def test_the_po_export_follows_the_filter_and_the_managers_warehouses(catalog, supplier, user):
    near, far = factories.warehouse("WH-NEAR"), factories.warehouse("WH-FAR")
    make_po(supplier, near, (catalog[0], 1), number="PO-NEAR")
    make_po(supplier_create(code="BOLT", name="Bolt"), far, (catalog[1], 1), number="PO-FAR")
    manager = factories.user("near-boss", role="manager")
    near.staff.add(manager)
    viewer = factories.user("looker", role="viewer")

    def numbers(who, params=None) -> list[str]:
        table = import_kind("purchase_orders").table
        return [row[0] for row in table.export_rows(user=who, params=params or {})]

    assert numbers(manager) == ["PO-NEAR"]
    assert numbers(viewer) == ["PO-FAR", "PO-NEAR"]
    assert numbers(user, {"supplier": "BOLT"}) == ["PO-FAR"]
    header = export("purchase_orders", user).decode("utf-8-sig").splitlines()[0]
    assert header == HEADER.strip() + ",status"


def test_po_import_queries_do_not_grow_with_rows(supplier, warehouse):
    skus(*(f"Q-{n}" for n in range(200)))
    # Every SKU has a rule at its point (nothing on hand): the orders re-arm them all.
    rules = "".join(f"Q-{n},{warehouse.code},5,10\n" for n in range(200))
    assert (
        run("reorder_rules", "sku,warehouse,reorder_point,reorder_quantity\n" + rules).errors == []
    )
    assert not ReorderRule.objects.filter(armed=True).exists()

    def file(number: str, lines: int) -> str:
        return HEADER + "".join(
            f"{number}-{n // 5},{supplier.code},{warehouse.code},,Q-{n},{n + 6},1\n"
            for n in range(lines)
        )

    few = query_count(lambda: run("purchase_orders", file("A", 10)))
    many = query_count(lambda: run("purchase_orders", file("B", 200)))
    assert PurchaseOrderLine.objects.count() == 210
    assert not ReorderRule.objects.filter(armed=False).exists()
    assert_not_growing(few, many)


# --- suppliers ---------------------------------------------------------------------------------


def test_suppliers_are_created_and_updated(supplier):
    outcome = run(
        "suppliers",
        "Code,Name,E-mail\nS-1,First,first@example.com\nACME,Acme renamed,\n",
    )
    assert outcome.errors == []
    assert (outcome.rows_create, outcome.rows_update) == (1, 1)
    assert Supplier.objects.get(code="S-1").email == "first@example.com"
    acme = Supplier.objects.get(code="ACME")
    assert (acme.name, acme.email) == ("Acme renamed", "")  # an empty cell clears
    # Without an email column the e-mail is kept; a blank name keeps the name.
    supplier_create(code="S-2", name="Second", email="second@example.com")
    assert run("suppliers", "code,name\nS-2,\n").errors == []
    second = Supplier.objects.get(code="S-2")
    assert (second.name, second.email) == ("Second", "second@example.com")


def test_bad_supplier_rows_are_named_and_nothing_is_applied(supplier):
    outcome = run(
        "suppliers",
        "code,name,email\n"
        "S-2,Second,\n"  # 2: fine
        "S-2,Again,\n"  # 3: duplicate code
        "S-3,,x@example.com\n"  # 4: a new supplier needs a name
        "S-4,Four,not-an-email\n"  # 5: bad e-mail
        ",Nobody,\n"  # 6: no code
        f"{'C' * 33},Long,\n",  # 7: code too long
    )
    assert cells_of(outcome) == {(3, "code"), (4, "name"), (5, "email"), (6, "code"), (7, "code")}
    by_row = {e["row"]: e["message"] for e in outcome.errors}
    assert by_row[3] == "Supplier 'S-2' appears more than once (first on row 2)."
    assert by_row[4] == "Required: S-3 is a new supplier."
    assert by_row[5] == "'not-an-email' is not an e-mail address."
    assert list(Supplier.objects.values_list("code", flat=True)) == ["ACME"]
    assert run("suppliers", "name,email\nX,\n").errors[0]["message"] == (
        "The file has no 'code' column."
    )


def test_the_last_of_a_thousand_suppliers_is_bad_and_nothing_is_applied(db):
    good = "".join(f"V-{n},Vendor {n},v{n}@example.com\n" for n in range(999))
    outcome = run("suppliers", "code,name,email\n" + good + "V-LAST,Last,v@@example\n")
    assert outcome.errors == [
        {"row": 1001, "column": "email", "message": "'v@@example' is not an e-mail address."}
    ]
    assert not Supplier.objects.exists()


def test_a_supplier_dry_run_counts_and_applies_nothing(supplier):
    outcome = run("suppliers", "code,name\nACME,Renamed\nNEW,New\n", dry_run=True)
    assert (outcome.errors, outcome.rows_create, outcome.rows_update) == ([], 1, 1)
    assert list(Supplier.objects.values_list("code", "name")) == [("ACME", "Acme Supplies")]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_supplier_export_imports_back(supplier, user, file_format):
    supplier_create(code="=CMD", name="+Formula", email="")
    supplier_create(code="0042", name="Zero forty-two", email="z@example.com")
    before = rows_of("suppliers", user)
    content = export("suppliers", user, file_format)
    outcome = run("suppliers", content, file_format=file_format)  # onto itself: no change
    assert (outcome.errors, outcome.rows_create, outcome.rows_update) == ([], 0, 3)
    Supplier.objects.all().delete()
    outcome = run("suppliers", content, file_format=file_format)
    assert (outcome.errors, outcome.rows_create) == ([], 3)
    assert rows_of("suppliers", user) == before
    assert before[0] == ("0042", "Zero forty-two", "z@example.com")


def test_the_supplier_export_follows_the_filter(supplier, user):
    supplier_create(code="BOLT", name="Bolt and Nut")
    table = import_kind("suppliers").table
    assert [r[0] for r in table.export_rows(user=user, params={"q": "nut"})] == ["BOLT"]


def test_supplier_import_queries_do_not_grow_with_rows(db):
    def file(prefix: str, rows: int) -> str:
        body = "".join(f"{prefix}{n},N{n},{prefix}{n}@x.example\n" for n in range(rows))
        return "code,name,email\n" + body

    few = query_count(lambda: run("suppliers", file("A", 10)))
    many = query_count(lambda: run("suppliers", file("B", 200)))
    assert Supplier.objects.count() == 210
    assert many == few  # no bulk INSERT through the ORM: the same statements on both


# --- through the API ---------------------------------------------------------------------------


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
    body = response.json()
    assert (body["status"], body["errors"], body["rows_create"], body["rows_update"]) == (
        "succeeded",
        [],
        1,
        0,
    )
    assert {"id", "status", "rows_total", "rows_valid", "errors"} <= set(body)
    assert PurchaseOrder.objects.get(number="PO-10").created_by.username == "manager"

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
    assert suppliers.json()["rows_create"] == 1


def _client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_associates_may_not_import_and_buyers_may(catalog, supplier, warehouse):
    text = HEADER + f"PO-1,{supplier.code},{warehouse.code},,TEE-1,1,1\n"

    def post(user):
        return _client(user).post(
            "/api/v1/imports/",
            {"kind": "purchase_orders", "file": SimpleUploadedFile("p.csv", text.encode())},
            format="multipart",
        )

    assert post(factories.user("dock", role="associate")).status_code == 403  # PRODUCT.md
    assert not PurchaseOrder.objects.exists()
    response = post(factories.user("buyer", role="purchasing"))
    assert (response.status_code, response.json()["status"]) == (201, "succeeded")


def test_xlsx_cells_are_read_as_typed(catalog, supplier, warehouse):
    book = openpyxl.Workbook()
    book.active.append(HEADER.strip().split(","))
    book.active.append(["PO-X1", supplier.code, warehouse.code, None, "TEE-1", 3.0, 1.5])
    out = io.BytesIO()
    book.save(out)
    assert run("purchase_orders", out.getvalue(), file_format="xlsx").errors == []
    line = PurchaseOrderLine.objects.get()
    assert (line.quantity_ordered, line.unit_cost) == (3, Decimal("1.5"))
