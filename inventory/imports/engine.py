"""One import, all or nothing: stream the file into the staging table, check it in bulk, count
what it would create and update, and write it with one set-based statement per table.

    outcome = import_run(kind="skus", content=b"...", file_format="csv")

Every step runs in one transaction. Any bad row, a dry run, a cancel or an error while writing
rolls everything back; `outcome.errors` then names every bad row (row as a spreadsheet numbers
it, column, message). Cell types and required values are checked while the file streams;
references, duplicates and each kind's own rules are checked by SQL over the whole file.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from inventory.errors import StockConflict
from inventory.imports.files import open_table
from inventory.imports.kind import ImportContext, Problems, TableImport
from inventory.imports.mapping import columns_of_file, mapping_clean, missing_columns
from inventory.imports.registry import import_kind
from inventory.imports.staging import staged

logger = logging.getLogger(__name__)

#: progress(rows_done) → True when the import should stop (a cancel was asked)
Progress = Callable[[int], bool]


class ImportCancelled(Exception):
    pass


class _RollBack(Exception):
    """Leave the import's transaction without applying it."""


@dataclass
class ImportOutcome:
    rows_total: int = 0
    rows_create: int = 0
    rows_update: int = 0
    bad_rows: int = 0
    errors: list[dict] = field(default_factory=list)
    applied: bool = False
    cancelled: bool = False
    file_error: bool = False  # the file as a whole was refused (header, format, conflict)

    @property
    def rows_valid(self) -> int:
        return 0 if self.file_error else max(0, self.rows_total - self.bad_rows)


def import_run(
    *,
    kind: str,
    content: bytes,
    file_format: str,
    mapping: dict | None = None,
    dry_run: bool = False,
    actor=None,
    reference: str = "",
    progress: Progress | None = None,
) -> ImportOutcome:
    table = import_kind(kind).table
    mapping = mapping_clean(table, mapping)
    outcome = ImportOutcome()
    problems = Problems()
    try:
        rows = open_table(content=content, file_format=file_format)
        read = columns_of_file(table, rows.headers, mapping)
        for name in missing_columns(table, read):
            problems.add(1, name, f"The file has no '{name}' column.")
        if problems:
            raise _RollBack
        context = ImportContext(
            actor=actor, reference=reference, present=frozenset(c.name for _, c in read)
        )
        with transaction.atomic(), staged(table.name, table.stage_columns()) as stage:
            outcome.rows_total = _stage(table, rows, read, stage, problems, progress)
            if not outcome.rows_total:
                raise ValidationError({"file": "The file has a header but no rows."})
            table.resolve(stage, problems)
            table.duplicates(stage, problems)
            table.check(stage, problems, context)
            if problems:
                raise _RollBack
            outcome.rows_create, outcome.rows_update = table.plan(stage)
            if dry_run:
                raise _RollBack
            table.write(stage, context)
            outcome.applied = True
    except _RollBack:
        pass
    except ImportCancelled:
        outcome.cancelled = True
    except ValidationError as exc:
        problems.add(None, _field_of(exc), exc.messages[0])
    except StockConflict as exc:
        problems.add(None, None, exc.detail)
    except IntegrityError:
        logger.warning("Import of %s conflicted with stored data", kind, exc_info=True)
        problems.add(None, None, "The file conflicts with data stored meanwhile; try again.")
    except DataError:
        problems.add(None, None, "A value is too large to store.")
    outcome.errors = problems.report()
    outcome.bad_rows = len(problems.bad_rows)
    outcome.file_error = any(error.row in (None, 1) for error in problems.found)
    return outcome


def _field_of(error: ValidationError) -> str | None:
    fields = list(getattr(error, "error_dict", {}) or {})
    return fields[0] if fields else None


def _stage(table: TableImport, rows, read, stage, problems: Problems, progress) -> int:
    """Read, check and stage every row; returns how many rows the file holds."""
    names = [name for name, _ in table.stage_columns()]
    slot = {name: index for index, name in enumerate(names)}
    width = len(names)

    def parsed():
        for line, cells in rows.rows:
            values = [None] * width
            for index, column in read:
                cell = cells[index]
                try:
                    values[slot[column.name]] = column.read(cell)
                except ValueError as exc:
                    problems.add(line, column.name, str(exc))
                    continue
                if column.not_blank and values[slot[column.name]] in (None, ""):
                    problems.add(line, column.name, "Required.")
            for column in table.columns:  # required values of columns the file lacks
                if column.not_blank and not column.required and column.name not in names_read:
                    problems.add(line, column.name, "Required.")
            yield (line, *values)

    names_read = {column.name for _, column in read}

    def on_batch(count: int) -> None:
        if progress is not None and progress(count):
            raise ImportCancelled

    return stage.load(parsed(), on_batch=on_batch)
