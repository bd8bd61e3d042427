"""Limits of an import, checked before a file is parsed, so a hostile or huge file is refused
in milliseconds instead of being expanded inside a web request.

- the upload itself: IMPORT_MAX_FILE_BYTES;
- XLSX (a zip archive): from the zip directory alone, the total and per-part uncompressed size
  (IMPORT_MAX_UNCOMPRESSED_BYTES) and the compression ratio of any large part
  (IMPORT_MAX_COMPRESSION_RATIO, a zip bomb); then the first bytes of each sheet, whose
  `<dimension ref="A1:Z500000">` must fit IMPORT_MAX_ROWS and IMPORT_MAX_COLUMNS (openpyxl pads
  a sheet out to its declared dimension, so a 149 KB file can declare half a million rows);
- CSV: rows are counted while streaming, and counting stops at IMPORT_MAX_ROWS.

Every refusal is a ValidationError on the `file` field that names the limit.
"""

import csv
import io
import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl.utils.cell import range_boundaries

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)\"")
_SHEET_HEAD_BYTES = 64 * 1024  # the dimension element comes before the sheet's data
_RATIO_CHECKED_FROM = 1024 * 1024  # small parts (styles, a few rows) may compress very well


def inline_max_rows() -> int:
    return getattr(settings, "IMPORT_INLINE_MAX_ROWS", 500)


def max_file_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_FILE_BYTES", 20 * 1024 * 1024)


def max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS", 100_000)


def max_columns() -> int:
    return getattr(settings, "IMPORT_MAX_COLUMNS", 200)


def max_uncompressed_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)


def max_compression_ratio() -> int:
    return getattr(settings, "IMPORT_MAX_COMPRESSION_RATIO", 100)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def too_large_message() -> str:
    return (
        f"The file is larger than the import limit of {_megabytes(max_file_bytes())} "
        f"({max_file_bytes()} bytes); split it into smaller files."
    )


def check_size(size: int) -> None:
    if size > max_file_bytes():
        raise _refuse(too_large_message())


def too_many_rows() -> ValidationError:
    return _refuse(
        f"The file has more than the import limit of {max_rows():,} rows; "
        "split it into smaller files."
    )


def check_xlsx(content: bytes) -> int | None:
    """Refuse a workbook over the limits, reading only the zip directory and each sheet's head.
    Returns the data rows the first sheet declares (header excluded), or None if it declares
    no dimension."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError):
        raise _refuse("The file could not be read as an XLSX workbook.") from None
    with archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        if total > max_uncompressed_bytes():
            raise _refuse(
                "The workbook expands to more than the import limit of "
                f"{_megabytes(max_uncompressed_bytes())} uncompressed; split it into smaller files."
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > _RATIO_CHECKED_FROM and ratio > max_compression_ratio():
                raise _refuse(
                    f"The workbook is compressed more than {max_compression_ratio()} to 1 "
                    "(the import limit): it looks like a zip bomb and was not opened."
                )
        sheets = sorted(
            (m for m in members if re.fullmatch(r"xl/worksheets/[^/]+\.xml", m.filename)),
            key=lambda m: _sheet_number(m.filename),
        )
        declared = [_declared_rows(archive, sheet) for sheet in sheets]
    return declared[0] if declared else None


def _sheet_number(name: str) -> int:
    digits = re.findall(r"\d+", name.rsplit("/", 1)[-1])
    return int(digits[0]) if digits else 0


def _declared_rows(archive: zipfile.ZipFile, sheet: zipfile.ZipInfo) -> int | None:
    try:
        with archive.open(sheet) as part:
            head = part.read(_SHEET_HEAD_BYTES)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        raise _refuse("The file could not be read as an XLSX workbook.") from None
    match = _DIMENSION.search(head)
    if match is None:
        return None
    ref = match.group(1).decode().upper()
    _, _, max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
    if max_row > max_rows() + 1:  # + 1: the header row
        raise too_many_rows()
    if max_col > max_columns():
        raise _refuse(
            f"The sheet has more than the import limit of {max_columns()} columns "
            f"(it declares {ref})."
        )
    return max(0, max_row - 1)


def count_csv_rows(text: str, *, delimiter: str) -> int:
    """Data rows with anything in them (header excluded), counted while streaming; refused as
    soon as the count passes IMPORT_MAX_ROWS."""
    rows = -1
    limit = max_rows()
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        if rows >= 0 and not any(cell.strip() for cell in row):
            continue
        rows += 1
        if rows > limit:
            raise too_many_rows()
    return max(rows, 0)
