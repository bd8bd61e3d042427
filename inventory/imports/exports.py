"""Exports in the columns an import of the same kind takes, so an export imports back unchanged.

CSV is streamed row by row (StreamingHttpResponse over the kind's `export_rows`, which iterates
the database in chunks); XLSX is written by openpyxl's write-only workbook (constant memory)
into a temporary file that is then streamed. Text cells are formula-safe (ims.kits.exports);
numbers stay numbers, dates are written YYYY-MM-DD, yes/no as true/false.
"""

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator

import openpyxl
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from ims.kits.exports import escape_cell
from inventory.imports import cells
from inventory.imports.kind import TableImport

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XLSX cannot hold


def export_cells(row: Iterable) -> list:
    return [escape_cell(cells.render(value)) for value in row]


def csv_lines(table: TableImport, rows: Iterable[tuple]) -> Iterator[str]:
    """The header, then each row, as CSV text lines (with a BOM so Excel reads UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([column.name for column in table.columns])
    yield "\ufeff" + flush()
    for row in rows:
        writer.writerow(export_cells(row))
        yield flush()


def xlsx_file(table: TableImport, rows: Iterable[tuple]):
    """A temporary file holding the workbook, positioned at its start."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(table.label[:31] or table.name)
    sheet.append([column.name for column in table.columns])
    for row in rows:
        sheet.append([_xlsx_safe(cell) for cell in export_cells(row)])
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out


def _xlsx_safe(cell):
    return _XLSX_ILLEGAL.sub("\ufffd", cell) if isinstance(cell, str) else cell


def export_bytes(table: TableImport, rows: Iterable[tuple], file_format: str) -> bytes:
    """The whole file in memory (tests, small exports)."""
    if file_format == "xlsx":
        with xlsx_file(table, rows) as out:
            return out.read()
    return "".join(csv_lines(table, rows)).encode("utf-8")


def file_name(table: TableImport, file_format: str, *, template: bool = False) -> str:
    stamp = "template" if template else timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{table.name}-{stamp}.{file_format}"


def export_response(table: TableImport, rows: Iterable[tuple], file_format: str, **name):
    """The export as a streamed download."""
    disposition = f'attachment; filename="{file_name(table, file_format, **name)}"'
    if file_format == "xlsx":
        response = FileResponse(xlsx_file(table, rows), content_type=CONTENT_TYPES["xlsx"])
    else:
        response = StreamingHttpResponse(csv_lines(table, rows), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = disposition
    return response


def template_rows(table: TableImport) -> list[tuple]:
    """A blank template's one example row."""
    return [tuple(table.example_row())]
