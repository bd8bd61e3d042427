"""Formula-safe exports (API.md "Imports"): a text cell that starts with a formula trigger gets a
leading `'` in every export, CSV and XLSX, of every import kind; numbers stay numbers; control
characters an XLSX cell cannot hold are replaced; and an export imports back unchanged, a
leading quote included. The doors, filters and downloads: tests/inventory/test_exports.py."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from ims.kits.exports import FORMULA_TRIGGERS, escape_cell, restore_cell
from inventory.imports import TableImport, import_kinds
from inventory.imports.engine import import_run
from inventory.imports.exports import export_bytes
from inventory.imports.kind import text_column, whole_column
from inventory.models import Sku
from tests.inventory.export_world import build_world

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\0NUL"]
# What survives an import unchanged: the import strips surrounding white space (tab, CR) and
# PostgreSQL stores no NUL, so those are checked on the written cell only.
ROUND_TRIP = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "'quoted", "''=x"]


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows(values_only=True))


def read(content: bytes, file_format: str) -> list:
    return read_csv(content) if file_format == "csv" else read_xlsx(content)


# -- the cells ---------------------------------------------------------------------------------


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


# -- the writer, over rows given as they come from a kind's export_rows ------------------------


class _Ledger(TableImport):
    """A kind's shape without a table behind it: the writer only sees columns and rows."""

    name = "ledger"
    label = "Ledger"
    columns = (
        text_column("note"),
        whole_column("delta"),
        text_column("day"),
        text_column("cost"),
        text_column("flag"),
    )


ROWS = [
    ("-5", -5, datetime.date(2025, 3, 1), Decimal("-1.2500"), True),
    ("=1+1", 0, None, Decimal("12.5000"), False),
    ("\x01bell\x1fend", 7, None, None, None),
    ("\0NUL", 1, None, None, None),
]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_text_is_quoted_and_numbers_are_not(file_format):
    header, *rows = read(export_bytes(_Ledger(), ROWS, file_format), file_format)
    assert list(header) == ["note", "delta", "day", "cost", "flag"]
    assert rows[0][0] == "'-5"  # text that looks like a negative number is text
    assert rows[1][0] == "'=1+1"
    if file_format == "xlsx":
        assert rows[0][1:] == (-5, "2025-03-01", -1.25, "true")  # numbers stay numbers
        assert rows[1][1:] == (0, None, 12.5, "false")
    else:
        assert rows[0][1:] == ["-5", "2025-03-01", "-1.2500", "true"]  # unquoted: a number
        assert rows[1][1:] == ["0", "", "12.5000", "false"]


def test_xlsx_replaces_the_control_characters_it_cannot_hold():
    rows = read_xlsx(export_bytes(_Ledger(), ROWS, "xlsx"))
    assert rows[3][0] == "\ufffdbell\ufffdend"
    # Replaced before escaping: NUL was a trigger, its replacement is not.
    assert rows[4][0] == "\ufffdNUL"


def test_csv_keeps_tab_and_cr_but_quotes_them():
    table = _Ledger()
    rows = read_csv(export_bytes(table, [("\tTAB", 1, None, None, None)], "csv"))
    assert rows[1][0] == "'\tTAB"
    rows = read_csv(export_bytes(table, [("\rCR", 1, None, None, None)], "csv"))
    assert rows[1][0] == "'\rCR"


def test_csv_starts_with_a_bom_so_excel_reads_utf8():
    assert export_bytes(_Ledger(), [], "csv").startswith("\ufeffnote,".encode())


# -- every registered kind ---------------------------------------------------------------------


def _text_cells(rows) -> list[str]:
    return [cell for row in rows for cell in row if isinstance(cell, str)]


@pytest.fixture
def hostile_world(db):
    """Text that starts with a trigger in every kind's rows: codes and names."""
    return build_world(hostile=True)


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_no_cell_of_any_kind_starts_a_formula(hostile_world, admin_user, file_format):
    assert set(import_kinds()) >= {"skus"}
    for name, kind in import_kinds().items():
        rows = list(kind.table.export_rows(user=admin_user, params={}))
        assert rows, f"{name}: the world has no rows of this kind"
        header, *written = read(export_bytes(kind.table, rows, file_format), file_format)
        assert list(header) == [column.name for column in kind.table.columns], name
        unsafe = [c for c in _text_cells(written) if c.startswith(FORMULA_TRIGGERS)]
        assert unsafe == [], name
        quoted = [c for c in _text_cells(written) if c.startswith("'")]
        assert quoted, f"{name}: the hostile world put no trigger in its text"


# -- round trips -------------------------------------------------------------------------------


@pytest.fixture
def hostile_skus(db):
    for number, name in enumerate(ROUND_TRIP):
        Sku.objects.create(code=f"-H{number}", name=name)


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(hostile_skus, admin_user, file_format):
    table = import_kinds()["skus"].table
    content = export_bytes(table, table.export_rows(user=admin_user, params={}), file_format)
    written = read(content, file_format)
    assert [row[0] for row in written[1:]] == [f"'-H{n}" for n in range(len(ROUND_TRIP))]
    assert [row[1] for row in written[1:]] == ["'" + name for name in ROUND_TRIP]
    Sku.objects.update(name="changed")
    outcome = import_run(kind="skus", content=content, file_format=file_format, actor=admin_user)
    assert outcome.errors == []
    assert (outcome.rows_create, outcome.rows_update) == (0, len(ROUND_TRIP))
    assert dict(Sku.objects.values_list("code", "name")) == {
        f"-H{number}": name for number, name in enumerate(ROUND_TRIP)
    }
