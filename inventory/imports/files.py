"""Uploaded bytes → a stream of rows (CSV and XLSX), never the whole file as Python objects.

Anything that cannot be read is a ValidationError on the `file` field, never a crash. The
limits (inventory.imports.limits) are checked first: `preflight` before any parsing, and the
row cap again while an XLSX sheet is read (a sheet may declare no dimension, or a false one).
Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import openpyxl
from django.core.exceptions import ValidationError

from inventory.imports.limits import check_size, check_xlsx, count_csv_rows, max_rows, too_many_rows

FORMATS = ("csv", "xlsx")
_ZIP_MAGIC = b"PK\x03\x04"  # an XLSX file is a zip archive


def _invalid(message: str) -> ValidationError:
    return ValidationError({"file": message})


def detect_format(*, file_name: str, content: bytes) -> str:
    """ "csv" or "xlsx", by content first (a renamed file is still read right), then by name."""
    if content.startswith(_ZIP_MAGIC):
        return "xlsx"
    name = (file_name or "").lower()
    if name.endswith((".xls", ".ods", ".numbers")):
        raise _invalid("Save the sheet as CSV or XLSX (Excel workbook) and upload that.")
    if b"\x00" in content[:4096]:
        raise _invalid("The file is neither CSV nor XLSX.")
    return "csv"


def _decode(content: bytes) -> str:
    # Excel on Windows still writes CSV in cp1252; anything else is UTF-8 (with or without BOM).
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _invalid("The CSV file is neither UTF-8 nor Windows-1252 text.")


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    # Spreadsheets set to a European locale save CSV with semicolons.
    return max((",", ";", "\t"), key=header.count)


def preflight(*, content: bytes, file_format: str) -> int | None:
    """Check the limits without parsing cells; the data rows the file holds (CSV) or declares
    (XLSX; None when it declares nothing)."""
    check_size(len(content))
    if file_format == "xlsx":
        return check_xlsx(content)
    text = _decode(content)
    try:
        return count_csv_rows(text, delimiter=_delimiter(text))
    except csv.Error as exc:
        raise _invalid(f"The file could not be read ({exc}).") from None


def is_blank_row(row) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


@dataclass
class Table:
    """The header and a one-pass iterator of (row number, cells) over the rows that hold
    anything; cells are cut or padded to the header's width."""

    headers: list[str]
    rows: Iterator[tuple[int, list]]


def open_table(*, content: bytes, file_format: str) -> Table:
    if file_format not in FORMATS:
        raise _invalid(f"Unknown file format '{file_format}'; upload CSV or XLSX.")
    preflight(content=content, file_format=file_format)
    if not content.strip():
        raise _invalid("The file is empty: the first row must name the columns.")
    rows = _xlsx_rows(content) if file_format == "xlsx" else _csv_rows(content)
    try:
        header = next(rows, None)
    except ValidationError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError):
        raise _invalid("The file could not be read as an XLSX workbook.") from None
    except Exception as exc:  # csv.Error and openpyxl's own errors: unreadable input
        raise _invalid(f"The file could not be read ({exc.__class__.__name__}).") from None
    headers = [str(cell if cell is not None else "").strip() for cell in header or []]
    if not any(headers):
        raise _invalid("The file is empty: the first row must name the columns.")
    return Table(headers=headers, rows=_numbered(rows, len(headers)))


def _numbered(rows: Iterator[list], width: int) -> Iterator[tuple[int, list]]:
    limit, held = max_rows(), 0
    for number, row in enumerate(_guarded(rows), start=2):
        if is_blank_row(row):
            continue
        held += 1
        if held > limit:
            raise too_many_rows()
        # cells past the header have no column name: ignored
        yield number, (list(row) + [None] * width)[:width]


def _guarded(rows: Iterator[list]) -> Iterator[list]:
    try:
        yield from rows
    except csv.Error as exc:
        raise _invalid(f"The file could not be read ({exc}).") from None


def _csv_rows(content: bytes) -> Iterator[list]:
    text = _decode(content)
    return csv.reader(_lines(text), delimiter=_delimiter(text))


def _lines(text: str) -> Iterator[str]:
    """The text's lines one at a time (io.StringIO would hold a second, 4-byte-per-character
    copy of the whole file: 21 MiB of a 100,000-row import's 48 MiB peak)."""
    start, end = 0, len(text)
    while start < end:
        newline = text.find("\n", start)
        stop = end if newline < 0 else newline + 1
        yield text[start:stop]
        start = stop


def _xlsx_rows(content: bytes) -> Iterator[list]:
    """The active sheet, row by row, as many rows as it holds (not as it declares)."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _invalid("The file could not be read as an XLSX workbook.") from None
    try:
        sheet = book.active
        sheet.reset_dimensions()  # read what is there: no padding out to a declared dimension
        yield from sheet.iter_rows(values_only=True)
    finally:
        book.close()


def file_sample(*, content: bytes, file_format: str, rows: int = 3) -> tuple[list[str], list[list]]:
    """The header and the first `rows` rows (for the mapping screen)."""
    table = open_table(content=content, file_format=file_format)
    sample = []
    for _, cells in table.rows:
        sample.append(cells)
        if len(sample) >= rows:
            break
    return table.headers, sample
