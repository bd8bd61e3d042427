"""django-import-export widgets that read cells strictly and say what is wrong in words.

The library's own widgets are lenient where an inventory cannot be: IntegerWidget truncates 1.5
to 1 and raises a bare decimal error on "ten", BooleanWidget reads "yes" as False, and
ForeignKeyWidget raises DoesNotExist (a crash, not a row error). A ValueError raised here becomes
a validation error on the cell's column, which is what the import reports.
"""

import datetime
from decimal import Decimal, InvalidOperation

from import_export.widgets import CharWidget, ForeignKeyWidget, Widget


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class TextWidget(CharWidget):
    """Text with surrounding spaces removed. Spreadsheets turn codes such as 0042 or barcodes
    into numbers; an integral number is read back without a trailing ".0"."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "" if _blank(value) else str(value).strip()


class WholeNumberWidget(Widget):
    def __init__(self, *, minimum: int | None = None, **kwargs):
        self.minimum = minimum
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(f"'{value}' is not a whole number.")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"'{value}' is not a whole number.") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(f"'{value}' is not a whole number.")
        if abs(number) >= 2**31:
            raise ValueError(f"'{value}' is too large.")
        number = int(number)
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"Must be at least {self.minimum}, not {number}.")
        return number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class YesNoWidget(Widget):
    TRUE = {"1", "true", "yes", "y", "t"}
    FALSE = {"0", "false", "no", "n", "f"}

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"'{value}' is not yes or no (use true/false, yes/no or 1/0).")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else ("true" if value else "false")


class DayWidget(Widget):
    FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        if isinstance(value, datetime.datetime):  # XLSX cells hold datetimes
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for fmt in self.FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(f"'{value}' is not a date (write it as YYYY-MM-DD).")

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class ChoiceWidget(TextWidget):
    def __init__(self, choices, *, default: str | None = None, **kwargs):
        self.choices = [str(c) for c in choices]
        self.default = default
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row, **kwargs).lower()
        if not text:
            return self.default
        if text not in self.choices:
            raise ValueError(f"'{value}' is not one of: {', '.join(self.choices)}.")
        return text


class CodeWidget(ForeignKeyWidget):
    """A related object named by its code. Lookups are cached for the length of one import (a
    resource copies its widgets when it is made, so every import starts with an empty cache)."""

    def __init__(self, model, field: str = "code", *, label: str | None = None, **kwargs):
        self.label = label or model._meta.verbose_name
        self._cache: dict = {}
        super().__init__(model, field, **kwargs)

    def __deepcopy__(self, memo):
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._cache = {}
        return clone

    def lookup(self, key: tuple, **filters):
        # Only hits are cached: a row earlier in the same file may create what a later row names.
        if key not in self._cache:
            found = self.model.objects.filter(**filters).first()
            if found is None:
                return None
            self._cache[key] = found
        return self._cache[key]

    def clean(self, value, row=None, **kwargs):
        code = TextWidget().clean(value)
        if not code:
            return None
        found = self.lookup((code,), **{self.field: code})
        if found is None:
            raise ValueError(f"Unknown {self.label} '{code}'.")
        return found

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(getattr(value, self.field))
