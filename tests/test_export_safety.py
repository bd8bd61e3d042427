"""Formula-safe exports (issue #11, API.md "Imports"): text cells that start with a formula
trigger get a leading `'` in every admin export, CSV and XLSX; numbers stay numbers; an export
imports back unchanged."""

import io

import openpyxl
import pytest
from django.contrib import admin
from django.test import RequestFactory
from import_export import resources
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX

from ims.kits.exports import escape_cell, restore_cell
from inventory.imports import FormulaSafeExport, import_kind
from inventory.imports.files import read_dataset
from inventory.models import BinStock, Sku
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\0NUL"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_trigger_gets_a_quote_and_import_takes_it_off(text):
    assert escape_cell(text) == "'" + text
    assert restore_cell(escape_cell(text)) == text


@pytest.mark.parametrize("value", [-5, 3.5, 0, None, True, "plain", "a=b", ""])
def test_numbers_and_plain_text_are_left_alone(value):
    assert escape_cell(value) == value


def test_a_leading_quote_survives_the_round_trip():
    assert escape_cell("'=x") == "''=x"
    assert restore_cell("''=x") == "'=x"
    assert restore_cell("'abc") == "'abc"  # not one of ours: kept


def _admin_export(model, file_format, superuser):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = superuser
    return model_admin.get_export_data(
        file_format, request, model_admin.get_export_queryset(request)
    )


def _xlsx_rows(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def hostile_skus():
    for number, name in enumerate(HOSTILE[:4]):
        Sku.objects.create(code=f"-H{number}", name=name)


def test_admin_csv_export_of_skus_is_formula_safe(hostile_skus, admin_user):
    text = _admin_export(Sku, CSV(), admin_user)
    for number, name in enumerate(HOSTILE[:4]):
        assert f"'-H{number}" in text
        assert ("'" + name).replace('"', '""') in text


def test_admin_xlsx_export_of_skus_is_formula_safe(hostile_skus, admin_user):
    rows = _xlsx_rows(_admin_export(Sku, XLSX(), admin_user))
    header, body = rows[0], rows[1:]
    cells = [cell for row in body for cell in row if isinstance(cell, str)]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]
    names = {row[header.index("name")] for row in body}
    assert names == {"'" + name for name in HOSTILE[:4]}


def test_admin_xlsx_export_keeps_quantities_as_numbers(admin_user, warehouse, places):
    sku = factories.sku("-DASH")
    factories.stock(sku, places.bin1, 7)
    rows = _xlsx_rows(_admin_export(BinStock, XLSX(), admin_user))
    header, row = rows[0], rows[1]
    assert row[header.index("quantity")] == 7
    assert row[header.index("sku")] == "'-DASH"


class _Signed(FormulaSafeExport, resources.Resource):
    delta = Field(attribute="delta", column_name="delta")
    note = Field(attribute="note", column_name="note")


class _Row:
    delta = -5
    note = "-5"


def test_a_negative_number_is_not_quoted_but_negative_text_is():
    dataset = _Signed().export(queryset=[_Row()])
    assert dataset.dict == [{"delta": "-5", "note": "'-5"}]  # CSV renders numbers as text
    native = _Signed().export(queryset=[_Row()], force_native_type=True)
    assert native.dict == [{"delta": -5, "note": "'-5"}]


def test_every_admin_export_resource_is_formula_safe():
    request = RequestFactory().get("/")
    checked = 0
    for model_admin in admin.site._registry.values():
        if not hasattr(model_admin, "get_export_resource_classes"):
            continue
        for resource_class in model_admin.get_export_resource_classes(request):
            assert issubclass(resource_class, FormulaSafeExport), resource_class
            checked += 1
    assert checked >= 4


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=["csv", "xlsx"])
def test_an_export_imports_back_unchanged(hostile_skus, admin_user, file_format):
    content = _admin_export(Sku, file_format(), admin_user)
    content = content.encode() if isinstance(content, str) else content
    Sku.objects.all().update(name="changed")
    resource = import_kind("skus").resource_class(actor=admin_user, reference="t", skip_diff=True)
    dataset = read_dataset(content=content, file_format=file_format().get_title())
    result = resource.import_data(dataset)
    assert resource.errors_of(result) == []
    assert dict(Sku.objects.values_list("code", "name")) == {
        f"-H{number}": name for number, name in enumerate(HOSTILE[:4])
    }
