"""Imports, the engine and its jobs: the SKU kind (all-or-nothing, every bad row with its row and
column), files (CSV, XLSX, encodings, delimiters), column mapping, the registry, ImportJob and
the imports API (inline, through django-q2, progress, cancel, preview and apply). Each kind has
its own tests beside its app's (test_import_locations.py, test_import_stock.py, ...)."""

import datetime
import io
import threading
import time

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.test import APIClient

from inventory.imports import import_kind, import_kinds
from inventory.imports.engine import import_run
from inventory.imports.files import detect_format, open_table
from inventory.imports.jobs import import_job_cancel, import_job_run, import_job_submit
from inventory.imports.mapping import mapping_suggest
from inventory.models import ImportJob, ImportMapping, ImportStatus, Sku
from tests import factories

pytestmark = pytest.mark.django_db


def run(kind: str, text: str | bytes, *, file_format: str = "csv", **kwargs):
    content = text.encode() if isinstance(text, str) else text
    outcome = import_run(kind=kind, content=content, file_format=file_format, **kwargs)
    return outcome.errors, outcome


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- SKUs ------------------------------------------------------------------------------------


def test_skus_import_creates_and_updates():
    factories.sku("OLD-1")
    errors, outcome = run(
        "skus",
        "Code, Name ,barcode,lot_tracked,active\n"
        "TEE-BLK-M,Tee black M,5012345678900,no,yes\n"
        "\n"
        "MILK-1L,Milk 1L,,yes,\n"
        "OLD-1,Renamed,,,false\n",
    )
    assert errors == []
    assert (outcome.rows_total, outcome.rows_create, outcome.rows_update) == (3, 2, 1)
    tee, milk, old = (Sku.objects.get(code=c) for c in ("TEE-BLK-M", "MILK-1L", "OLD-1"))
    assert (tee.name, tee.barcode, tee.lot_tracked, tee.active) == (
        "Tee black M",
        "5012345678900",
        False,
        True,
    )
    assert (milk.barcode, milk.lot_tracked, milk.active) == (None, True, True)
    assert (old.name, old.active) == ("Renamed", False)


def test_blank_cells_keep_what_is_stored_and_an_absent_barcode_column_too():
    factories.sku("KEEP", barcode="777")
    Sku.objects.filter(code="KEEP").update(lot_tracked=True, active=False)
    assert run("skus", "code,name,lot_tracked,active\nKEEP,,,\n")[0] == []
    kept = Sku.objects.get(code="KEEP")
    assert (kept.name, kept.barcode, kept.lot_tracked, kept.active) == (
        "Item KEEP",
        "777",
        True,
        False,
    )
    assert run("skus", "code,name,barcode\nKEEP,New name,\n")[0] == []
    assert Sku.objects.get(code="KEEP").barcode is None  # an empty barcode cell clears it


def test_skus_file_with_bad_rows_applies_nothing_and_lists_every_bad_row():
    factories.sku("HAS-STOCK", barcode="999")
    errors, outcome = run(
        "skus",
        "code,name,barcode,lot_tracked\n"
        "GOOD-1,Good,111,no\n"  # row 2: fine, but must not be applied
        "GOOD-1,Again,,no\n"  # row 3: duplicate code
        ",No code,,no\n"  # row 4: missing code
        "BAD-FLAG,Bad flag,,maybe\n"  # row 5
        "DUP-BAR,Same barcode,111,no\n"  # row 6: barcode also on row 2
        "LONG," + "x" * 300 + ",,no\n"  # row 7: name too long
        "NEW-1,,,no\n"  # row 8: a new SKU needs a name
        "TAKEN,Taken,999,no\n",  # row 9: barcode of a stored SKU
    )
    by_row = {(e["row"], e["column"]) for e in errors}
    assert by_row == {
        (3, "code"),
        (4, "code"),
        (5, "lot_tracked"),
        (6, "barcode"),
        (7, "name"),
        (8, "name"),
        (9, "barcode"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in errors}
    assert messages[(3, "code")] == "SKU 'GOOD-1' appears more than once (first on row 2)."
    assert messages[(4, "code")] == "Required."
    assert "maybe" in messages[(5, "lot_tracked")]
    assert messages[(6, "barcode")] == "Barcode 111 is on row 2 too."
    assert messages[(7, "name")] == "At most 200 characters (this has 300)."
    assert messages[(9, "barcode")] == "Barcode 999 belongs to SKU HAS-STOCK."
    assert (outcome.rows_total, outcome.rows_valid, outcome.applied) == (8, 1, False)
    assert list(Sku.objects.values_list("code", flat=True)) == ["HAS-STOCK"]


def test_sku_lot_tracking_cannot_change_with_stock_and_the_row_says_so(warehouse, places, sku):
    factories.stock(sku, places.bin1, 3)
    errors, _ = run("skus", f"code,name,lot_tracked\n{sku.code},Renamed,yes\n")
    assert errors == [
        {
            "row": 2,
            "column": "lot_tracked",
            "message": f"{sku.code} has stock: lot tracking can change only when none is left.",
        }
    ]
    sku.refresh_from_db()
    assert (sku.name, sku.lot_tracked) == (f"Item {sku.code}", False)


def test_missing_required_column_is_reported_on_the_header_row():
    errors, _ = run("skus", "code,title x\nA,Apple\n")
    assert errors == [{"row": 1, "column": "name", "message": "The file has no 'name' column."}]
    assert not Sku.objects.exists()


def test_a_bad_row_at_the_end_of_a_long_file_is_named_and_nothing_applies():
    rows = "".join(f"S{n:05d},Item {n}\n" for n in range(2, 3001))
    errors, outcome = run("skus", "code,name\n" + rows + "S00002,Again\n")
    assert errors == [
        {
            "row": 3001,
            "column": "code",
            "message": "SKU 'S00002' appears more than once (first on row 2).",
        }
    ]
    assert outcome.rows_valid == 2999
    assert not Sku.objects.exists()


def test_dry_run_applies_nothing_and_counts_what_it_would_do():
    factories.sku("OLD")
    errors, outcome = run("skus", "code,name\nOLD,Renamed\nNEW,New\n", dry_run=True)
    assert errors == []
    assert (outcome.rows_create, outcome.rows_update, outcome.applied) == (1, 1, False)
    assert list(Sku.objects.values_list("code", "name")) == [("OLD", "Item OLD")]


def test_queries_do_not_grow_with_rows(django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (10, 300):
        text = "code,name\n" + "".join(f"Q{size}-{n},Item\n" for n in range(size))
        with CaptureQueriesContext(connection) as queries:
            assert run("skus", text)[0] == []
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Sku.objects.count() == 310


# --- files -----------------------------------------------------------------------------------


def test_xlsx_files_are_read_with_numbers_and_dates():
    content = xlsx(
        [
            ["Code", "Name", "Barcode", "Lot tracked"],
            [4711, "Numbered", 5012345678900, 1],
            [None, None, None, None],
            ["B-2", "Text", "", False],
        ]
    )
    assert detect_format(file_name="skus.csv", content=content) == "xlsx"
    errors, outcome = run(
        "skus", content, file_format="xlsx", mapping={"Lot tracked": "lot_tracked"}
    )
    assert errors == []
    assert outcome.rows_total == 2
    numbered = Sku.objects.get(code="4711")
    assert (numbered.barcode, numbered.lot_tracked) == ("5012345678900", True)


def test_semicolon_csv_bom_and_cp1252_text_are_read():
    assert run("skus", "code;name\nCAFE-1;Caf\u00e9 cr\u00e8me\n")[0] == []
    assert run("skus", "\ufeffcode,name\nBOM-1,With BOM\n".encode("utf-8"))[0] == []
    assert run("skus", "code\tname\nTAB-1,x\tTabbed\n")[0] == []
    assert run("skus", "code;name\nX;Cr\u00e8me\n".encode("cp1252"))[0] == []
    assert dict(Sku.objects.values_list("code", "name")) == {
        "CAFE-1": "Caf\u00e9 cr\u00e8me",
        "BOM-1": "With BOM",
        "TAB-1,x": "Tabbed",
        "X": "Cr\u00e8me",
    }


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.xlsx", b"PK\x03\x04 not really a zip", "XLSX"),
        ("a.csv", b"\x00\x01\x02binary", "neither CSV nor XLSX"),
        ("a.xls", b"\xd0\xcf\x11\xe0 old excel", "Save the sheet as CSV or XLSX"),
        ("a.csv", b"", "empty"),
        ("a.csv", b"\n\n", "empty"),
        ("a.csv", b"code,name\n\x81\x8d\x8f bad bytes\n", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_unreadable_files_are_a_validation_error_on_file(name, content, message):
    with pytest.raises(ValidationError) as caught:
        open_table(content=content, file_format=detect_format(file_name=name, content=content))
    assert message in caught.value.message_dict["file"][0]


def test_a_header_without_rows_is_said_on_file():
    errors, _ = run("skus", "code,name\n\n")
    assert errors == [
        {"row": None, "column": "file", "message": "The file has a header but no rows."}
    ]


def test_cells_past_the_header_are_ignored():
    assert run("skus", "code,name\nA,Apple,extra,cells\n")[0] == []
    assert Sku.objects.get(code="A").name == "Apple"


def test_registry_knows_every_kind_and_names_the_field_for_others():
    assert {"skus", "locations", "stock", "suppliers", "purchase_orders", "reorder_rules"} <= set(
        import_kinds()
    )
    with pytest.raises(ValidationError) as caught:
        import_kind("widgets")
    assert "kind" in caught.value.message_dict


# --- mapping ---------------------------------------------------------------------------------

SHOPIFY_HEADER = (
    "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,"
    "Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Barcode,Status"
)


def test_a_shopify_product_export_is_suggested_code_name_and_barcode():
    headers = SHOPIFY_HEADER.split(",")
    suggestion = mapping_suggest(import_kind("skus").table, headers)
    assert {k: v for k, v in suggestion.items() if v} == {
        "Variant SKU": "code",
        "Title": "name",
        "Variant Barcode": "barcode",
    }


def test_the_users_last_mapping_comes_first():
    table = import_kind("skus").table
    remembered = {"Artikel": "code", "Bezeichnung": "name"}
    assert mapping_suggest(table, ["Artikel", "Bezeichnung", "EAN"], remembered) == {
        "Artikel": "code",
        "Bezeichnung": "name",
        "EAN": "barcode",
    }


def test_a_mapping_reads_foreign_columns_and_ignores_the_rest():
    text = (
        f"{SHOPIFY_HEADER}\n"
        "tee,Tee black,<p>x</p>,ACME,Shirt,,true,Size,M,TEE-M,200,5,19.99,5012345678900,active\n"
    )
    mapping = {"Variant SKU": "code", "Title": "name", "Variant Barcode": "barcode"}
    assert run("skus", text, mapping=mapping)[0] == []
    tee = Sku.objects.get()
    assert (tee.code, tee.name, tee.barcode) == ("TEE-M", "Tee black", "5012345678900")


def test_a_mapping_can_ignore_one_of_our_columns_and_feed_it_from_another():
    text = "code,Product code,name\nWRONG,RIGHT,Thing\n"
    assert run("skus", text, mapping={"code": "", "Product code": "code"})[0] == []
    assert list(Sku.objects.values_list("code", flat=True)) == ["RIGHT"]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"Variant SKU": "sku_code"}, "'sku_code' is not a column of skus"),
        ({"A": "code", "B": "code"}, "More than one file column maps to code."),
        (["code"], "Give an object"),
    ],
)
def test_a_bad_mapping_is_refused_naming_mapping(mapping, message):
    with pytest.raises(ValidationError) as caught:
        run("skus", "code,name\nA,B\n", mapping=mapping)
    assert message in caught.value.message_dict["mapping"][0]


# --- ImportJob and the API -------------------------------------------------------------------


def upload(text: str, name: str = "file.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_api_imports_a_small_file_inline(api):
    response = api.post(
        "/api/v1/imports/", {"kind": "skus", "file": upload("code,name\nA,Apple\n")}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        k: body[k] for k in ("status", "rows_total", "rows_valid", "rows_create", "errors")
    } == {"status": "succeeded", "rows_total": 1, "rows_valid": 1, "rows_create": 1, "errors": []}
    assert api.get(f"/api/v1/imports/{body['id']}/").json()["status"] == "succeeded"
    assert Sku.objects.get().name == "Apple"


def test_api_reports_every_bad_row_and_applies_nothing(api):
    csv = "code,name,active\nA,Apple,yes\nB,Banana,perhaps\nA,Again,no\n"
    response = api.post("/api/v1/imports/", {"kind": "skus", "file": upload(csv)})
    body = response.json()
    assert (body["status"], body["rows_total"], body["rows_valid"]) == ("failed", 3, 1)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "active"), (4, "code")]
    assert not Sku.objects.exists()


def test_api_takes_a_mapping_and_remembers_it(api, user):
    response = api.post(
        "/api/v1/imports/",
        {
            "kind": "skus",
            "file": upload("Variant SKU,Title\nTEE-M,Tee\n"),
            "mapping": '{"Variant SKU": "code", "Title": "name"}',
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["mapping"] == {"Variant SKU": "code", "Title": "name"}
    assert Sku.objects.get().code == "TEE-M"
    assert ImportMapping.objects.get(kind="skus", user=user).mapping == {
        "Variant SKU": "code",
        "Title": "name",
    }


@pytest.mark.parametrize(
    ("mapping", "message"),
    [('{"Variant SKU": "colour"}', "not a column"), ("not json", "JSON")],
)
def test_api_refuses_a_bad_mapping_with_400(api, mapping, message):
    response = api.post(
        "/api/v1/imports/",
        {"kind": "skus", "file": upload("Variant SKU,Title\nA,B\n"), "mapping": mapping},
    )
    assert response.status_code == 400
    assert message in str(response.json()["errors"]["mapping"])
    assert not ImportJob.objects.exists()


def test_api_dry_run_previews_and_apply_runs_it(api):
    factories.sku("OLD")
    response = api.post(
        "/api/v1/imports/",
        {"kind": "skus", "file": upload("code,name\nA,Apple\nOLD,Renamed\n"), "dry_run": "true"},
    )
    preview = response.json()
    assert (preview["status"], preview["dry_run"]) == ("succeeded", True)
    assert (preview["rows_create"], preview["rows_update"]) == (1, 1)
    assert not Sku.objects.filter(code="A").exists()
    applied = api.post(f"/api/v1/imports/{preview['id']}/apply/")
    assert applied.status_code == 201
    assert (applied.json()["status"], applied.json()["dry_run"]) == ("succeeded", False)
    assert Sku.objects.get(code="OLD").name == "Renamed"
    again = api.post(f"/api/v1/imports/{applied.json()['id']}/apply/")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")


def test_a_failed_preview_cannot_be_applied(api):
    preview = api.post(
        "/api/v1/imports/",
        {"kind": "skus", "file": upload("code,name\nA,\n"), "dry_run": "true"},
    ).json()
    assert preview["status"] == "failed"
    assert api.post(f"/api/v1/imports/{preview['id']}/apply/").status_code == 409
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
    buyer = APIClient()
    buyer.force_authenticate(factories.user("buyer", role="purchasing"))  # POs, not SKUs
    response = buyer.post("/api/v1/imports/", {"kind": "skus", "file": upload("code,name\nA,B\n")})
    assert response.status_code == 403
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
    assert buyer.post(f"/api/v1/imports/{job_id}/cancel/").status_code == 404
    assert buyer.get("/api/v1/imports/").json()["results"] == []
    assert [j["id"] for j in api.get("/api/v1/imports/").json()["results"]] == [job_id]


def test_api_large_file_runs_in_django_q(api, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_INLINE_MAX_ROWS = 2
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    rows = "".join(f"Q-{i},Item {i}\n" for i in range(5))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/imports/", {"kind": "skus", "file": upload("code,name\n" + rows)}
        )
        assert response.status_code == 201
        assert (response.json()["status"], response.json()["rows_total"]) == ("queued", 5)
    body = api.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (body["status"], body["rows_done"], body["rows_valid"]) == ("succeeded", 5, 5)
    assert Sku.objects.count() == 5


def test_a_finished_job_never_runs_twice(api):
    job_id = api.post(
        "/api/v1/imports/", {"kind": "skus", "file": upload("code,name\nA,B\n")}
    ).json()["id"]
    Sku.objects.all().delete()
    assert import_job_run(job_id=job_id).status == ImportStatus.SUCCEEDED
    assert not Sku.objects.exists()


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


def test_a_queued_job_cancelled_never_runs(api):
    job = _queued_job("code,name\nA,Apple\n")
    cancelled = api.post(f"/api/v1/imports/{job.pk}/cancel/")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert import_job_run(job_id=job.pk).status == ImportStatus.CANCELLED
    assert not Sku.objects.exists()
    again = api.post(f"/api/v1/imports/{job.pk}/cancel/")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")


def test_progress_is_reported_as_the_file_streams():
    seen = []
    rows = "".join(f"P-{n},Item\n" for n in range(4500))
    errors, _ = run("skus", "code,name\n" + rows, progress=lambda done: seen.append(done))
    assert errors == []
    assert seen == [2000, 4000, 4500]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_the_import_transaction_is_open():
    from django.db import transaction

    from inventory.imports.progress import ProgressWriter

    job = _queued_job("code,name\nA,Apple\n", status=ImportStatus.RUNNING)
    writer = ProgressWriter(job.pk)
    try:
        with transaction.atomic():
            assert writer(7) is False
            assert ImportJob.objects.get(pk=job.pk).rows_done == 7
            transaction.set_rollback(True)
    finally:
        writer.close()
    assert ImportJob.objects.get(pk=job.pk).rows_done == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_running_import_advances_and_a_cancel_stops_it_with_nothing_applied(settings):
    """A real worker thread runs a 60,000-row import; this thread watches rows_done advance
    through its own connection, cancels, and the import rolls back."""
    settings.IMPORT_INLINE_MAX_ROWS = 10
    rows = "".join(f"BIG-{n:06d},Item {n}\n" for n in range(60_000))
    job = import_job_submit(
        kind="skus", file_name="big.csv", content=("code,name\n" + rows).encode()
    )
    assert job.status == ImportStatus.QUEUED
    worker = threading.Thread(target=lambda: (import_job_run(job_id=job.pk), connection.close()))
    worker.start()
    try:
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = ImportJob.objects.filter(pk=job.pk).values_list("rows_done", flat=True)[0]
            if done:
                seen.append(done)
            if done >= 4000:
                import_job_cancel(job=job)
                break
            time.sleep(0.005)
    finally:
        worker.join(timeout=120)
    job.refresh_from_db()
    assert seen
    assert seen[0] < 60_000
    assert (job.status, job.cancel_requested) == (ImportStatus.CANCELLED, True)
    assert not Sku.objects.exists()


def test_api_refuses_a_file_over_the_size_limit(api, settings):
    settings.IMPORT_MAX_FILE_BYTES = 10
    response = api.post("/api/v1/imports/", {"kind": "skus", "file": upload("code,name\nA,B\n")})
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
