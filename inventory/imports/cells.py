"""Cell readers: one spreadsheet cell → a typed value, or a ValueError saying in words what is
wrong (the import reports it on the cell's row and column).

Strict where an inventory must be: 1.5 is not a whole number, "ten" is not a number, "yes" is
yes. Spreadsheets turn codes such as 0042 or barcodes into numbers; an integral number is read
back as text without a trailing ".0". A text cell escaped by a formula-safe export (`'=…`) is
read back without its `'` (ims.kits.exports), so an export imports back unchanged.
"""

import datetime
from decimal import Decimal, InvalidOperation

from ims.kits.exports import restore_cell

TRUE = frozenset({"1", "true", "yes", "y", "t"})
FALSE = frozenset({"0", "false", "no", "n", "f"})
DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value, *, max_length: int | None = None) -> str:
    """Text with surrounding spaces removed; "" for an empty cell."""
    value = restore_cell(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = "" if blank(value) else str(value).strip()
    if max_length is not None and len(result) > max_length:
        raise ValueError(f"At most {max_length} characters (this has {len(result)}).")
    return result


def whole(value, *, minimum: int | None = None) -> int | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a whole number.")
    if isinstance(value, int):
        number = value
    else:
        try:
            exact = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"'{value}' is not a whole number.") from None
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise ValueError(f"'{value}' is not a whole number.")
        number = int(exact)
    if abs(number) >= 2**31:
        raise ValueError(f"'{value}' is too large.")
    if minimum is not None and number < minimum:
        raise ValueError(f"Must be at least {minimum}, not {number}.")
    return number


def yes_no(value) -> bool | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise ValueError(f"'{value}' is not yes or no (use true/false, yes/no or 1/0).")


def day(value) -> datetime.date | None:
    if blank(value):
        return None
    if isinstance(value, datetime.datetime):  # XLSX cells hold datetimes
        return value.date()
    if isinstance(value, datetime.date):
        return value
    written = str(value).strip()
    for fmt in DAY_FORMATS:
        try:
            return datetime.datetime.strptime(written, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{value}' is not a date (write it as YYYY-MM-DD).")


def amount(value) -> Decimal | None:
    """A money amount: a plain decimal number, zero or more, at most 8 digits before the point
    and 4 after."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a number.")
    try:
        exact = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number (write it like 12.50).") from None
    if not exact.is_finite() or exact < 0:
        raise ValueError(f"'{value}' is not an amount of zero or more.")
    if exact != exact.quantize(Decimal("0.0001")) or exact >= 10**8:
        raise ValueError(f"'{value}' has too many digits (at most 8 before the point, 4 after).")
    return exact


def choice(value, *, choices: tuple[str, ...], default: str | None = None) -> str | None:
    word = text(value).lower()
    if not word:
        return default
    if word not in choices:
        raise ValueError(f"'{value}' is not one of: {', '.join(choices)}.")
    return word


def render(value) -> object:
    """A typed value as an export writes it (the inverse of the readers above): dates as
    YYYY-MM-DD, yes/no as true/false, None as an empty cell; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
