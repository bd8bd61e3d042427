"""The base of every import resource: all-or-nothing, and every bad row reported with its column.

Mix `ImportResource` in front of django-import-export's `Resource` or `ModelResource`. It keeps
the library's own machinery (one transaction, a savepoint per row, `dry_run` rolled back, row
validation errors collected rather than raised) and adds what an inventory needs:

- whatever the caller asks, `import_data` uses a transaction and rolls back on any validation
  error, so a file with one bad row applies nothing;
- headers are matched without regard to case or surrounding spaces; empty rows are skipped;
- a text cell escaped by a formula-safe export (`'=…`, `'-…`) is read back without its `'`
  (ims.kits.exports), so an export imports back unchanged; exports escape (FormulaSafeExport);
- rows are numbered as a spreadsheet shows them (the header is row 1), in the admin preview and in
  `errors_of(result)`: `[{"row", "column", "message"}]`;
- rows are written by calling services (`apply`), whose ValidationErrors land on the right column
  and whose conflicts (409s elsewhere) become row errors instead of crashes.
"""

import copy

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DataError, IntegrityError, transaction
from import_export import resources

from ims.kits.exports import restore_cell
from inventory.errors import StockConflict
from inventory.imports.files import is_blank_row
from inventory.imports.safe_export import FormulaSafeExport

MAX_REPORTED_ERRORS = 1000


class MissingColumns(ValueError):
    def __init__(self, columns: list[str]):
        self.columns = columns
        super().__init__(f"The file has no column named {', '.join(columns)}.")


def adopt(instance, saved) -> None:
    """Make the resource's instance the row a service just saved (for the admin log/preview)."""
    instance.pk = saved.pk
    for field in type(saved)._meta.concrete_fields:
        setattr(instance, field.attname, getattr(saved, field.attname))
    instance._state.adding = False
    instance._state.db = saved._state.db


def describe(error: Exception) -> str:
    if isinstance(error, StockConflict):
        return error.detail
    if isinstance(error, IntegrityError):
        return "The row conflicts with data already stored (a duplicate?)."
    return str(error) or error.__class__.__name__


class ImportResource(FormulaSafeExport):
    """Mixin for resources.Resource / ModelResource (put it first in the bases)."""

    #: columns a file must have; optional columns may be left out.
    required_columns: tuple[str, ...] = ()
    #: error keys raised by services that name a different column ({"path": "code"}).
    error_columns: dict[str, str] = {}
    progress_every = 100

    def __init__(self, *, actor=None, reference: str = "", on_progress=None, skip_diff=False, **kw):
        super().__init__(**kw)
        self.actor = actor
        self.reference = reference
        self.on_progress = on_progress
        if skip_diff:  # no HTML diff to show outside the admin: skip the copies it needs
            self._meta = copy.copy(type(self)._meta)
            self._meta.skip_diff = True
        self.lines: list[int] = []
        self.line: int | None = None

    # -- the library's hooks --------------------------------------------------------------

    @classmethod
    def get_display_name(cls):  # ModelResource has it; the admin asks plain Resources too
        return getattr(cls._meta, "name", None) or cls.__name__

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def before_import(self, dataset, **kwargs):
        if self.actor is None and kwargs.get("user") is not None:
            self.actor = kwargs["user"]
        headers = [str(h or "").strip().lower() for h in dataset.headers or []]
        numbered = [
            (line, list(row)) for line, row in enumerate(dataset, start=2) if not is_blank_row(row)
        ]
        numbered = self.order_rows(headers, numbered)
        missing = [c for c in self.required_columns if c not in headers]
        self.lines = [line for line, _ in numbered]
        dataset.wipe()
        dataset.headers = headers
        if missing:  # no row can be read: report the header alone
            self.lines = []
            raise MissingColumns(missing)
        for _, row in numbered:
            dataset.append([restore_cell(cell) for cell in row])

    def before_import_row(self, row, **kwargs):
        self.line = self.line_of(kwargs.get("row_number"))
        self.row_errors: dict[str, list] = {}  # found before the cells are read (duplicates)

    def after_import_row(self, row, row_result, **kwargs):
        number = kwargs.get("row_number") or 0
        if self.on_progress is not None and number % self.progress_every == 0:
            self.on_progress(number)

    def after_import(self, dataset, result, **kwargs):
        # ModelResource.after_import resets the table's id sequence to max(id): under concurrent
        # inserts that hands out ids already taken. Our rows never carry ids, so skip it.
        resources.Resource.after_import(self, dataset, result, **kwargs)
        for invalid in result.invalid_rows:
            invalid.number = self.line_of(invalid.number)
        for error_row in result.error_rows:
            error_row.number = self.line_of(error_row.number)
            for error in error_row.errors:
                error.number = error_row.number

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = {key: list(value) for key, value in (import_validation_errors or {}).items()}
        for key, messages in getattr(self, "row_errors", {}).items():
            errors.setdefault(key, []).extend(messages)
        self.check_row(instance, errors)
        if errors:
            raise ValidationError(errors)

    # -- for subclasses -------------------------------------------------------------------

    def order_rows(self, headers: list[str], numbered: list[tuple[int, list]]):
        """Reorder [(line, cells)] before the import (e.g. parents before children)."""
        return numbered

    def check_row(self, instance, errors: dict) -> None:
        """Add {column: [message]} for what the cells alone cannot tell (required values,
        cross-column rules); the service called by `do_instance_save` checks the rest."""

    @staticmethod
    def add_error(errors: dict, column: str, message: str) -> None:
        errors.setdefault(column, []).append(message)

    def apply(self, service, *, conflict_column: str | None = None, **kwargs):
        """Call one service for the row in a savepoint of its own; its refusals become the row's
        validation errors (so the row is reported, and the import rolls back)."""
        try:
            with transaction.atomic():
                return service(**kwargs)
        except StockConflict as exc:
            raise ValidationError({conflict_column or NON_FIELD_ERRORS: exc.detail}) from exc
        except IntegrityError as exc:
            raise ValidationError(describe(exc)) from exc
        except DataError as exc:
            raise ValidationError("A value is too large to store.") from exc

    # -- results ---------------------------------------------------------------------------

    def line_of(self, number: int | None) -> int | None:
        if number is None or not 0 < number <= len(self.lines):
            return number
        return self.lines[number - 1]

    def column_for(self, key: str) -> str | None:
        if key == NON_FIELD_ERRORS:
            return None
        if key in self.error_columns:
            return self.error_columns[key]
        for name, field in self.fields.items():
            if key in (name, field.attribute, field.column_name):
                return field.column_name
        return key

    def errors_of(self, result) -> list[dict]:
        """Every problem of an import result as {"row", "column", "message"}, by row."""
        errors = []
        for base in result.base_errors:
            if isinstance(base.error, MissingColumns):
                errors += [
                    {"row": 1, "column": c, "message": f"The file has no '{c}' column."}
                    for c in base.error.columns
                ]
            else:
                errors.append({"row": None, "column": None, "message": describe(base.error)})
        for invalid in result.invalid_rows:
            for key, messages in invalid.error_dict.items():
                column = self.column_for(key)
                errors += [
                    {"row": invalid.number, "column": column, "message": str(message)}
                    for message in messages
                ]
        for error_row in result.error_rows:
            errors += [
                {"row": error_row.number, "column": None, "message": describe(error.error)}
                for error in error_row.errors
            ]
        errors.sort(key=lambda e: e["row"] or 0)
        if len(errors) > MAX_REPORTED_ERRORS:
            more = len(errors) - MAX_REPORTED_ERRORS
            errors = errors[:MAX_REPORTED_ERRORS]
            errors.append({"row": None, "column": None, "message": f"... and {more} more."})
        return errors

    @staticmethod
    def bad_row_count(result) -> int:
        return len({r.number for r in result.invalid_rows} | {r.number for r in result.error_rows})
