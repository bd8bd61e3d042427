"""Uploaded bytes → a tablib Dataset, through django-import-export's own formats (CSV, XLSX).

Anything that cannot be read is a ValidationError on the `file` field, never a crash. The
limits (inventory.imports.limits) are checked first: `preflight` before any parsing, and the
row cap again while an XLSX sheet is read (a sheet may declare no dimension, or a false one).
"""

import csv
import io
import zipfile

import openpyxl
import tablib
from django.core.exceptions import ValidationError
from import_export.formats.base_formats import CSV, XLSX

from inventory.imports.limits import check_size, check_xlsx, count_csv_rows, max_rows, too_many_rows

FORMATS = {"csv": CSV, "xlsx": XLSX}
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
    raise _invalid("The CSV file is not UTF-8 text.")


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


def _read_xlsx(content: bytes) -> tablib.Dataset:
    """The active sheet, row by row, as many rows as it holds (not as it declares) up to the
    row cap; rows are cut or padded to the header's width."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = book.active
        sheet.reset_dimensions()  # read what is there: no padding out to a declared dimension
        rows = sheet.iter_rows(values_only=True)
        headers = list(next(rows))
        width = len(headers)
        dataset = tablib.Dataset(headers=headers)
        limit = max_rows()
        for number, row in enumerate(rows, start=1):
            if number > limit:
                raise too_many_rows()
            # cells past the header have no column name: ignored, as the resources would
            dataset.append((list(row) + [None] * width)[:width])
        return dataset
    finally:
        book.close()


def read_dataset(*, content: bytes, file_format: str) -> tablib.Dataset:
    if file_format not in FORMATS:
        raise _invalid(f"Unknown file format '{file_format}'; upload CSV or XLSX.")
    preflight(content=content, file_format=file_format)
    try:
        if file_format == "xlsx":
            dataset = _read_xlsx(content)
        else:
            text = _decode(content)
            dataset = CSV().create_dataset(text, delimiter=_delimiter(text))
    except ValidationError:
        raise
    except tablib.InvalidDimensions:
        raise _invalid("A row has more cells than the header has column names.") from None
    except (zipfile.BadZipFile, KeyError, StopIteration, OSError):
        raise _invalid("The file could not be read as an XLSX workbook.") from None
    except Exception as exc:  # csv.Error and openpyxl's own errors: unreadable input
        raise _invalid(f"The file could not be read ({exc.__class__.__name__}).") from None
    if not dataset.headers or not any(str(h or "").strip() for h in dataset.headers):
        raise _invalid("The file is empty: the first row must name the columns.")
    return dataset


def data_row_count(dataset: tablib.Dataset) -> int:
    """Rows that hold anything (spreadsheets often carry trailing empty rows)."""
    return sum(1 for row in dataset if not is_blank_row(row))


def is_blank_row(row) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)
