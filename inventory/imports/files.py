"""Uploaded bytes → a tablib Dataset, through django-import-export's own formats (CSV, XLSX).

Anything that cannot be read is a ValidationError on the `file` field, never a crash.
"""

import zipfile

import tablib
from django.core.exceptions import ValidationError
from import_export.formats.base_formats import CSV, XLSX

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


def read_dataset(*, content: bytes, file_format: str) -> tablib.Dataset:
    if file_format not in FORMATS:
        raise _invalid(f"Unknown file format '{file_format}'; upload CSV or XLSX.")
    try:
        if file_format == "xlsx":
            dataset = XLSX().create_dataset(content)
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
