"""Import limits (issue #11 "Hardening"): checked before the file is parsed, refused with a 400
naming the limit, nothing changed."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from inventory.imports import files
from inventory.models import ImportJob, Sku

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewrite(content: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item.filename, change(data) if item.filename == name else data)
    return out.getvalue()


def _declare(ref: bytes):
    def change(xml: bytes) -> bytes:
        return re.sub(
            rb"<dimension ref=\"[^\"]*\"\s*/>", ref and b'<dimension ref="' + ref + b'"/>', xml
        )

    return change


def bomb() -> bytes:
    """A tiny workbook that declares half a million rows (openpyxl would pad it out to them)."""
    content = _workbook([["code", "name"], ["A", "Apple"]])
    return _rewrite(
        content,
        "xl/worksheets/sheet1.xml",
        _declare(b"A1:Z500000"),
    )


@pytest.fixture
def parser_not_reached(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(files.openpyxl, "load_workbook", refuse)


def post(api, content: bytes, name: str = "skus.xlsx", content_type: str = XLSX_TYPE):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return api.post("/api/v1/imports/", {"kind": "skus", "file": upload}, format="multipart")


def assert_refused(response, words: str):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert any(words in message for message in body["errors"]["file"]), body
    assert words in body["detail"]
    assert not ImportJob.objects.exists()
    assert not Sku.objects.exists()


def test_the_bomb_is_small_and_declares_half_a_million_rows():
    content = bomb()
    assert len(content) < 20_000
    assert b'<dimension ref="A1:Z500000"/>' in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml"
    )


def test_an_xlsx_declaring_too_many_rows_is_refused_before_parsing(api, parser_not_reached):
    assert_refused(post(api, bomb()), "100,000 rows")


def test_an_xlsx_declaring_too_many_columns_is_refused(api, parser_not_reached):
    content = _rewrite(
        _workbook([["code", "name"], ["A", "Apple"]]),
        "xl/worksheets/sheet1.xml",
        _declare(b"A1:XFD2"),
    )
    assert_refused(post(api, content), "200 columns")


def test_an_xlsx_expanding_past_the_uncompressed_limit_is_refused(
    api, settings, parser_not_reached
):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 4096
    content = _workbook([["code", "name"]] + [[f"C{n}", "x" * 50] for n in range(200)])
    assert_refused(post(api, content), "uncompressed")


def test_a_zip_bomb_ratio_is_refused(api, parser_not_reached):
    filler = b"<!--" + b" " * (4 * 1024 * 1024) + b"-->"
    content = _rewrite(
        _workbook([["code", "name"], ["A", "Apple"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"<sheetData>", filler + b"<sheetData>"),
    )
    assert len(content) < 100_000
    assert_refused(post(api, content), "zip bomb")


def test_an_xlsx_without_a_dimension_is_capped_while_read(api, settings):
    settings.IMPORT_MAX_ROWS = 3
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    content = _rewrite(
        _workbook([["code", "name"]] + [[f"C{n}", "x"] for n in range(5)]),
        "xl/worksheets/sheet1.xml",
        _declare(b""),
    )
    table = files.open_table(content=content, file_format="xlsx")
    with pytest.raises(ValidationError, match="3 rows"):
        list(table.rows)


def test_a_csv_over_the_row_cap_is_refused(api, settings):
    settings.IMPORT_MAX_ROWS = 3
    csv = "code,name\n" + "".join(f"C{n},Name {n}\n" for n in range(5))
    assert_refused(post(api, csv.encode(), "skus.csv", "text/csv"), "3 rows")


def test_a_csv_at_the_row_cap_imports(api, settings):
    settings.IMPORT_MAX_ROWS = 3
    csv = "code,name\n" + "".join(f"C{n},Name {n}\n" for n in range(3)) + "\n\n"
    response = post(api, csv.encode(), "skus.csv", "text/csv")
    assert response.status_code == 201, response.content
    assert Sku.objects.count() == 3


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(api, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    csv = "code,name\n" + "".join(f"C{n},{'x' * 90}\n" for n in range(1000))  # ~95 KB
    assert_refused(post(api, csv.encode(), "skus.csv", "text/csv"), "import limit of")


def test_an_upload_just_over_the_size_limit_is_refused(api, settings):
    settings.IMPORT_MAX_FILE_BYTES = 20
    assert_refused(post(api, b"code,name\nA,Apple\nB,Banana\n", "s.csv", "text/csv"), "20 bytes")


def test_the_admin_refuses_the_bomb_next_to_the_field(admin_client, parser_not_reached):
    upload = SimpleUploadedFile("skus.xlsx", bomb(), content_type=XLSX_TYPE)
    response = admin_client.post("/admin/inventory/sku/import/", {"file": upload})
    assert response.status_code == 400
    assert "100,000 rows" in str(response.context["form"].errors["file"])
    assert b'id="import-file-err"' in response.content  # written next to the field
    assert not ImportJob.objects.exists()
    assert not Sku.objects.exists()
