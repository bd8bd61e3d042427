"""Exports in the columns an import of the same kind takes, so an export imports back unchanged.

CSV is streamed row by row (StreamingHttpResponse over the kind's `export_rows`, which iterates
the database in chunks); XLSX is written by openpyxl's write-only workbook (constant memory)
into a temporary file that is then streamed. Text cells are formula-safe (ims.kits.exports);
numbers stay numbers, dates are written YYYY-MM-DD, yes/no as true/false.

The API (ims.api.exports) and the screens (inventory.views.exports) both answer with
`export_response`; a blank template is the same file holding the kind's example row.
"""

import csv
import io
import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator

import openpyxl
from django.core.exceptions import ValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from ims.kits.exports import escape_cell
from inventory.imports import cells
from inventory.imports.kind import TableImport

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Control characters an XLSX cell cannot hold (tab, LF and CR it can); openpyxl would refuse
# the whole workbook for one of them.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_REPLACEMENT = "\ufffd"


def export_format(value) -> str:
    """The file format asked for: "csv" (also when none is given) or "xlsx"; anything else is a
    ValidationError naming the `format` field."""
    if value in (None, ""):
        return "csv"
    if value not in FORMATS:
        raise ValidationError(
            {"format": f"Unknown format '{value}'; the formats are: {', '.join(FORMATS)}."}
        )
    return value


def filtered(filterset_class, params, queryset):
    """`queryset` narrowed by a list's FilterSet, for a kind's `export_rows`. django-filter
    ignores a value it cannot read; an export must not quietly widen to every row, so a bad
    filter is a ValidationError naming the filter (the API answers it with 400)."""
    filterset = filterset_class(params, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(
            {name: [str(error) for error in errors] for name, errors in filterset.errors.items()}
        )
    return filterset.qs


def export_cells(row: Iterable) -> list:
    return [escape_cell(cells.render(value)) for value in row]


def _xlsx_cells(row: Iterable) -> list:
    # Replaced before escaping, so a cell starting with NUL is not left behind a stray quote.
    rendered = (cells.render(value) for value in row)
    return [
        escape_cell(_XLSX_ILLEGAL.sub(_XLSX_REPLACEMENT, cell) if isinstance(cell, str) else cell)
        for cell in rendered
    ]


def header(table: TableImport) -> list[str]:
    return [column.name for column in table.columns]


def csv_lines(table: TableImport, rows: Iterable[tuple]) -> Iterator[str]:
    """The header, then each row, as CSV text lines (with a BOM so Excel reads UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header(table))
    yield "\ufeff" + flush()
    for row in rows:
        writer.writerow(export_cells(row))
        yield flush()


def xlsx_file(table: TableImport, rows: Iterable[tuple]):
    """A temporary file holding the workbook, positioned at its start."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(table.label[:31] or table.name)
    sheet.append(header(table))
    for row in rows:
        sheet.append(_xlsx_cells(row))
    out = tempfile.TemporaryFile()  # noqa: SIM115 (returned open: the response closes it)
    book.save(out)
    out.seek(0)
    return out


def export_bytes(table: TableImport, rows: Iterable[tuple], file_format: str) -> bytes:
    """The whole file in memory (tests, small exports)."""
    if file_format == "xlsx":
        with xlsx_file(table, rows) as out:
            return out.read()
    return "".join(csv_lines(table, rows)).encode("utf-8")


def file_name(table: TableImport, file_format: str, *, template: bool = False) -> str:
    stamp = "template" if template else timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{table.name}-{stamp}.{file_format}"


class _StreamedCsv:
    """The CSV lines of a streamed export. The kind's first row is read at once: `export_rows`
    checks its filters before its first row, so a bad filter is raised in the view, not
    halfway through a response that has already begun. The response closes this when it ends
    or the client goes away, and closing it closes the rows (their database cursor) there and
    then, not whenever garbage collection comes by."""

    def __init__(self, table: TableImport, rows: Iterable[tuple]):
        self._rows = iter(rows)
        first = next(self._rows, None)
        rest = self._rows if first is None else itertools.chain((first,), self._rows)
        self._lines = csv_lines(table, rest)

    def __iter__(self) -> Iterator[str]:
        return self._lines

    def close(self) -> None:
        self._lines.close()
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()


def export_response(table: TableImport, rows: Iterable[tuple], file_format: str, **name):
    """The export as a streamed download: CSV row by row, XLSX from its temporary file."""
    disposition = f'attachment; filename="{file_name(table, file_format, **name)}"'
    if file_format == "xlsx":
        response = FileResponse(xlsx_file(table, rows), content_type=CONTENT_TYPES["xlsx"])
    else:
        lines = _StreamedCsv(table, rows)
        response = StreamingHttpResponse(lines, content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = disposition
    return response


def template_rows(table: TableImport) -> list[tuple]:
    """A blank template's one example row."""
    return [tuple(table.example_row())]
