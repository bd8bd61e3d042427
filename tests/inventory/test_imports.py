"""CSV/XLSX imports: resources (all-or-nothing, every bad row with its column), files, the
kind registry, ImportJob and the imports API (inline and through django-q2)."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from inventory.audit import stock_drift
from inventory.imports import import_kind, import_kinds
from inventory.imports.files import detect_format, read_dataset
from inventory.imports.jobs import import_job_run
from inventory.models import (
    BinStock,
    ImportJob,
    ImportStatus,
    Location,
    LocationType,
    Sku,
    StockMovement,
    WarehouseStock,
)
from inventory.resources import OPENING_STOCK_REASON
from tests import factories

pytestmark = pytest.mark.django_db


def run(kind: str, text: str, *, dry_run: bool = False, actor=None):
    resource = import_kind(kind).resource_class(actor=actor, reference="test", skip_diff=True)
    dataset = read_dataset(content=text.encode(), file_format="csv")
    result = resource.import_data(dataset, dry_run=dry_run)
    return resource.errors_of(result), result


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- SKUs ------------------------------------------------------------------------------------


def test_skus_import_creates_and_updates_through_the_services():
    factories.sku("OLD-1")
    errors, _ = run(
        "skus",
        "Code, Name ,barcode,lot_tracked,active\n"
        "TEE-BLK-M,Tee black M,5012345678900,no,yes\n"
        "\n"
        "MILK-1L,Milk 1L,,yes,\n"
        "OLD-1,Renamed,,,false\n",
    )
    assert errors == []
    tee, milk, old = (Sku.objects.get(code=c) for c in ("TEE-BLK-M", "MILK-1L", "OLD-1"))
    assert (tee.name, tee.barcode, tee.lot_tracked, tee.active) == (
        "Tee black M",
        "5012345678900",
        False,
        True,
    )
    assert (milk.barcode, milk.lot_tracked, milk.active) == (None, True, True)
    assert (old.name, old.active) == ("Renamed", False)


def test_skus_file_with_bad_rows_applies_nothing_and_lists_every_bad_row():
    factories.sku("HAS-STOCK")
    errors, _ = run(
        "skus",
        "code,name,barcode,lot_tracked\n"
        "GOOD-1,Good,111,no\n"  # row 2: fine, but must not be applied
        "GOOD-1,Again,,no\n"  # row 3: duplicate code
        ",No code,,no\n"  # row 4: missing code
        "BAD-FLAG,Bad flag,,maybe\n"  # row 5
        "DUP-BAR,Same barcode,111,no\n"  # row 6: barcode taken by row 2
        "LONG," + "x" * 300 + ",,no\n",  # row 7: name too long
    )
    by_row = {(e["row"], e["column"]) for e in errors}
    assert {(3, "code"), (4, "code"), (5, "lot_tracked"), (6, "barcode"), (7, "name")} <= by_row
    assert 2 not in {e["row"] for e in errors}
    assert "more than once" in next(e["message"] for e in errors if e["row"] == 3)
    assert "maybe" in next(e["message"] for e in errors if e["row"] == 5)
    assert list(Sku.objects.values_list("code", flat=True)) == ["HAS-STOCK"]


def test_sku_lot_tracking_cannot_change_with_stock_and_the_row_says_so(warehouse, places, sku):
    factories.stock(sku, places.bin1, 3)
    errors, _ = run("skus", f"code,name,lot_tracked\n{sku.code},Renamed,yes\n")
    assert [(e["row"], e["column"]) for e in errors] == [(2, "lot_tracked")]
    sku.refresh_from_db()
    assert (sku.name, sku.lot_tracked) == (f"Item {sku.code}", False)


def test_missing_required_column_is_reported_on_the_header_row():
    errors, _result = run("skus", "code,title\nA,Apple\n")
    assert errors == [{"row": 1, "column": "name", "message": "The file has no 'name' column."}]
    assert not Sku.objects.exists()


# --- locations -------------------------------------------------------------------------------


def test_locations_import_children_before_parents_in_the_file(warehouse):
    wh = warehouse.code
    errors, _ = run(
        "locations",
        "warehouse,code,parent,type,travel_cost,capacity\n"
        f"{wh},A-01-01,A-01,bin,12,200\n"
        f"{wh},A-01,A,zone,,\n"
        f"{wh},A,,zone,,\n"
        f"{wh},DOCK,,dock,,\n"
        f"{wh},A-01-02,A-01,,14,\n",
    )
    assert errors == []
    bin1 = Location.objects.get(warehouse=warehouse, code="A-01-01")
    assert (bin1.path, bin1.travel_cost, bin1.capacity, bin1.type) == (
        "/A/A-01/A-01-01/",
        12,
        200,
        LocationType.BIN,
    )
    assert Location.objects.get(code="A-01-02").type == LocationType.BIN  # blank type: a bin
    assert Location.objects.get(code="DOCK").path == "/DOCK/"


def test_locations_bad_rows_apply_nothing_and_name_their_columns(warehouse, places):
    wh = warehouse.code
    errors, _ = run(
        "locations",
        "warehouse,code,parent,type,travel_cost,capacity\n"
        f"{wh},B,,zone,,\n"  # 2: fine
        f"{wh},B-01,A-01,bin,3,\n"  # 3: parent is a bin
        f"WHX,C,,zone,,\n"  # 4: unknown warehouse
        f"{wh},A-01,A,bin,1,\n"  # 5: code exists already
        f"{wh},B-02,B,shelf,-1,0\n"  # 6: type, travel_cost, capacity
        f"{wh},B-03,NOPE,bin,,\n"  # 7: unknown parent
        f"{wh},B,,zone,,\n"  # 8: duplicate in file
        f"{wh},B/1,B,bin,,\n",  # 9: slash in code
    )
    found = {(e["row"], e["column"]) for e in errors}
    assert found == {
        (3, "parent"),
        (4, "warehouse"),
        (5, "code"),
        (6, "type"),
        (6, "travel_cost"),
        (6, "capacity"),
        (7, "parent"),
        (8, "code"),
        (9, "code"),
    }
    assert all(e["message"] for e in errors)
    assert not Location.objects.filter(code__startswith="B").exists()


# --- opening stock ---------------------------------------------------------------------------


def test_opening_stock_goes_through_stock_adjust_and_keeps_the_books(
    warehouse, places, sku, lot_sku, user
):
    wh = warehouse.code
    errors, _ = run(
        "stock",
        "sku,warehouse,location,lot,expiry,quantity\n"
        f"{sku.code},{wh},A-01,,,10\n"
        f"{lot_sku.code},{wh},A-02,L1,2030-01-31,4\n"
        f"{lot_sku.code},{wh},A-02,L2,31/12/2030,6\n"
        f"{sku.code},{wh},QUAR,,,2\n",
        actor=user,
    )
    assert errors == []
    assert WarehouseStock.objects.get(sku=sku).on_hand == 10  # quarantine is not sellable
    assert WarehouseStock.objects.get(sku=lot_sku).on_hand == 10
    assert BinStock.objects.get(lot__lot_number="L2").lot.expiry == datetime.date(2030, 12, 31)
    movements = StockMovement.objects.all()
    assert {(m.reason, m.actor_id, m.reference) for m in movements} == {
        (OPENING_STOCK_REASON, user.pk, "test")
    }
    assert movements.count() == 4
    assert stock_drift() == []


def test_opening_stock_bad_rows_apply_nothing(warehouse, places, sku, lot_sku):
    wh = warehouse.code
    errors, _ = run(
        "stock",
        "sku,warehouse,location,lot,expiry,quantity\n"
        f"{sku.code},{wh},A-01,,,10\n"  # 2: fine
        f"NOPE,{wh},A-01,,,1\n"  # 3: unknown SKU
        f"{sku.code},WHX,A-01,,,1\n"  # 4: unknown warehouse
        f"{sku.code},{wh},Z-99,,,1\n"  # 5: unknown location
        f"{sku.code},{wh},A-01,,,ten\n"  # 6: bad number
        f"{sku.code},{wh},A-01,,,1.5\n"  # 7: not whole
        f"{lot_sku.code},{wh},A-01,,,1\n"  # 8: lot missing on a lot-tracked SKU
        f"{sku.code},{wh},A-01,L9,,1\n"  # 9: lot on an untracked SKU
        f"{sku.code},{wh},A,,,1\n"  # 10: a zone holds no stock
        f"{lot_sku.code},{wh},A-01,L1,soon,1\n"  # 11: bad date
        f"{sku.code},{wh},A-01,,,0\n",  # 12: zero
    )
    assert {(e["row"], e["column"]) for e in errors} == {
        (3, "sku"),
        (4, "warehouse"),
        (5, "location"),
        (6, "quantity"),
        (7, "quantity"),
        (8, "lot"),
        (9, "lot"),
        (10, "location"),
        (11, "expiry"),
        (12, "quantity"),
    }
    assert "ten" in next(e["message"] for e in errors if e["row"] == 6)
    assert "lot-tracked" in next(e["message"] for e in errors if e["row"] == 8)
    assert not StockMovement.objects.exists()
    assert not BinStock.objects.filter(quantity__gt=0).exists()


def test_dry_run_applies_nothing_even_when_every_row_is_good(warehouse, places, sku):
    errors, result = run(
        "stock",
        f"sku,warehouse,location,quantity\n{sku.code},{warehouse.code},A-01,5\n",
        dry_run=True,
    )
    assert errors == []
    assert result.totals["new"] == 1
    assert not StockMovement.objects.exists()


# --- files and registry ----------------------------------------------------------------------


def test_xlsx_files_are_read_with_numbers_and_dates(warehouse, places, lot_sku):
    content = xlsx(
        [
            ["SKU", "Warehouse", "Location", "Lot", "Expiry", "Quantity"],
            [lot_sku.code, warehouse.code, "A-01", 4711, datetime.datetime(2031, 5, 1), 7],
            [None, None, None, None, None, None],
        ]
    )
    assert detect_format(file_name="stock.csv", content=content) == "xlsx"
    resource = import_kind("stock").resource_class()
    result = resource.import_data(read_dataset(content=content, file_format="xlsx"))
    assert resource.errors_of(result) == []
    row = BinStock.objects.get(sku=lot_sku)
    assert (row.quantity, row.lot.lot_number, row.lot.expiry) == (
        7,
        "4711",
        datetime.date(2031, 5, 1),
    )


def test_semicolon_csv_and_cp1252_text_are_read():
    errors, _ = run("skus", "code;name\nCAFE-1;Caf\u00e9 cr\u00e8me\n")
    assert errors == []
    dataset = read_dataset(content="code;name\nX;Cr\u00e8me\n".encode("cp1252"), file_format="csv")
    assert dataset.headers == ["code", "name"]
    assert dataset[0] == ("X", "Cr\u00e8me")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.xlsx", b"PK\x03\x04 not really a zip"),
        ("a.csv", b"\x00\x01\x02binary"),
        ("a.xls", b"\xd0\xcf\x11\xe0 old excel"),
        ("a.csv", b""),
        ("a.csv", b"a,b\n1,2,3\n"),
    ],
)
def test_unreadable_files_are_a_validation_error_on_file(name, content):
    with pytest.raises(ValidationError) as caught:
        read_dataset(content=content, file_format=detect_format(file_name=name, content=content))
    assert "file" in caught.value.message_dict


def test_registry_knows_the_inventory_kinds_and_names_the_field_for_others():
    assert {"skus", "locations", "stock"} <= set(import_kinds())
    with pytest.raises(ValidationError) as caught:
        import_kind("widgets")
    assert "kind" in caught.value.message_dict


# --- ImportJob and the API -------------------------------------------------------------------


def upload(text: str, name: str = "file.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_api_imports_a_small_file_inline(api, warehouse, places, sku, user):
    csv = f"sku,warehouse,location,quantity\n{sku.code},{warehouse.code},A-01,5\n"
    response = api.post(
        "/api/v1/imports/", {"kind": "stock", "file": upload(csv)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("status", "rows_total", "rows_valid", "errors")} == {
        "status": "succeeded",
        "rows_total": 1,
        "rows_valid": 1,
        "errors": [],
    }
    movement = StockMovement.objects.get()
    assert (movement.reference, movement.actor) == (f"import #{body['id']}", user)
    detail = api.get(f"/api/v1/imports/{body['id']}/")
    assert detail.status_code == 200
    assert detail.json()["status"] == "succeeded"


def test_api_reports_every_bad_row_and_applies_nothing(api, warehouse, places, sku):
    csv = (
        "sku,warehouse,location,quantity\n"
        f"{sku.code},{warehouse.code},A-01,5\n"
        f"NOPE,{warehouse.code},A-01,5\n"
        f"{sku.code},{warehouse.code},A-01,-2\n"
    )
    response = api.post(
        "/api/v1/imports/", {"kind": "stock", "file": upload(csv)}, format="multipart"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["rows_total"], body["rows_valid"]) == ("failed", 3, 1)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "sku"), (4, "quantity")]
    assert not StockMovement.objects.exists()


def test_api_dry_run_validates_without_applying(api):
    response = api.post(
        "/api/v1/imports/",
        {"kind": "skus", "file": upload("code,name\nA,Apple\n"), "dry_run": "true"},
        format="multipart",
    )
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["dry_run"]) == ("succeeded", True)
    assert not Sku.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "widgets", "file": "x"}, "kind"),
        ({"kind": "skus"}, "file"),
        ({"kind": "skus", "file": "bytes"}, "file"),
    ],
)
def test_api_bad_requests_are_400_naming_the_field(api, data, field):
    if data.get("file") == "bytes":
        data = {**data, "file": SimpleUploadedFile("a.csv", b"code,name\n")}
    elif "file" in data:
        data = {**data, "file": upload("code,name\nA,B\n")}
    response = api.post("/api/v1/imports/", data, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]
    assert not ImportJob.objects.exists()


def test_api_needs_a_role_that_may_import(db):
    client = APIClient()
    client.force_authenticate(factories.user("picker", role="associate"))
    response = client.post("/api/v1/imports/", {"kind": "skus", "file": upload("code,name\nA,B\n")})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Sku.objects.exists()


def test_api_jobs_of_others_are_hidden_from_users_without_the_role(api):
    job_id = api.post(
        "/api/v1/imports/", {"kind": "skus", "file": upload("code,name\nA,B\n")}
    ).json()["id"]
    client = APIClient()
    client.force_authenticate(factories.user("picker", role="associate"))
    assert client.get(f"/api/v1/imports/{job_id}/").status_code == 403
    assert client.get("/api/v1/imports/").status_code == 403
    buyer = APIClient()
    buyer.force_authenticate(factories.user("buyer", role="purchasing"))  # may import POs
    assert buyer.get(f"/api/v1/imports/{job_id}/").status_code == 404
    assert buyer.get("/api/v1/imports/").json()["results"] == []
    assert [j["id"] for j in api.get("/api/v1/imports/").json()["results"]] == [job_id]


def test_api_large_file_runs_in_django_q(
    api, warehouse, places, sku, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_MAX_ROWS = 2
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    rows = "".join(f"{sku.code},{warehouse.code},A-0{1 + i % 2},{i + 1}\n" for i in range(5))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/imports/",
            {"kind": "stock", "file": upload("sku,warehouse,location,quantity\n" + rows)},
            format="multipart",
        )
        assert response.status_code == 201
        assert (response.json()["status"], response.json()["rows_total"]) == ("queued", 5)
    body = api.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (body["status"], body["rows_done"], body["rows_valid"]) == ("succeeded", 5, 5)
    assert WarehouseStock.objects.get(sku=sku).on_hand == 15
    assert stock_drift() == []


def test_a_finished_job_never_runs_twice(api, warehouse, places, sku):
    csv = f"sku,warehouse,location,quantity\n{sku.code},{warehouse.code},A-01,5\n"
    job_id = api.post("/api/v1/imports/", {"kind": "stock", "file": upload(csv)}).json()["id"]
    assert import_job_run(job_id=job_id).status == ImportStatus.SUCCEEDED
    assert StockMovement.objects.count() == 1


def _queued_job(text: str, kind: str = "skus", **fields) -> ImportJob:
    return ImportJob.objects.create(
        kind=kind, file_format="csv", content=text.encode(), rows_total=1, **fields
    )


def test_a_running_job_is_left_alone_unless_its_worker_died_long_ago(settings):
    settings.IMPORT_TASK_TIMEOUT = 60
    now = datetime.datetime.now(tz=datetime.UTC)
    busy = _queued_job("code,name\nA,Apple\n", status=ImportStatus.RUNNING, started_at=now)
    assert import_job_run(job_id=busy.pk).status == ImportStatus.RUNNING
    assert not Sku.objects.exists()
    abandoned = _queued_job(
        "code,name\nB,Banana\n",
        status=ImportStatus.RUNNING,
        started_at=now - datetime.timedelta(minutes=5),
    )
    assert import_job_run(job_id=abandoned.pk).status == ImportStatus.SUCCEEDED
    assert list(Sku.objects.values_list("code", flat=True)) == ["B"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_the_import_transaction_is_open():
    from django.db import transaction

    from inventory.imports.progress import ProgressWriter

    job = _queued_job("code,name\nA,Apple\n", status=ImportStatus.RUNNING)
    writer = ProgressWriter(job.pk)
    try:
        with transaction.atomic():
            writer(7)
            assert ImportJob.objects.get(pk=job.pk).rows_done == 7
            transaction.set_rollback(True)
    finally:
        writer.close()
    assert ImportJob.objects.get(pk=job.pk).rows_done == 7


def test_api_refuses_a_file_over_the_size_limit(api, settings):
    settings.IMPORT_MAX_FILE_BYTES = 10
    response = api.post("/api/v1/imports/", {"kind": "skus", "file": upload("code,name\nA,B\n")})
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
