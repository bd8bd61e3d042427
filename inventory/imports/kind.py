"""What an import kind declares: its columns (how each cell is read), the references it
resolves, what makes two rows the same, and how its staged rows are checked, counted and
written. Each app declares its kinds in its own `resources.py` (inventory.imports.registry).

A kind's `check`, `plan` and `write` are set-based SQL over the staging table
(inventory.imports.staging): one statement per rule or per table, never one per row.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from django.db import connection

from ims.kits.roles import warehouse_scope
from inventory.imports import cells

MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True)
class Column:
    name: str
    read: Callable[[object], object]  # cell → value, or ValueError in words
    sql_type: str = "text"  # text, integer, boolean, date, decimal (inventory.imports.staging)
    required: bool = False  # the file must have this column
    not_blank: bool = False  # every row must fill it
    aliases: tuple[str, ...] = ()  # other names a foreign file gives it ("Variant SKU")
    example: object = ""  # the template file's example row
    help: str = ""


def text_column(name: str, *, max_length: int | None = None, **kwargs) -> Column:
    return Column(name, partial(cells.text, max_length=max_length), "text", **kwargs)


def whole_column(name: str, *, minimum: int | None = None, **kwargs) -> Column:
    return Column(name, partial(cells.whole, minimum=minimum), "integer", **kwargs)


def yes_no_column(name: str, **kwargs) -> Column:
    return Column(name, cells.yes_no, "boolean", **kwargs)


def day_column(name: str, **kwargs) -> Column:
    return Column(name, cells.day, "date", **kwargs)


def amount_column(name: str, **kwargs) -> Column:
    return Column(name, cells.amount, "decimal", **kwargs)


def choice_column(name: str, *, choices: Iterable[str], default: str | None = None, **kw):
    return Column(name, partial(cells.choice, choices=tuple(choices), default=default), **kw)


SKU_ALIASES = ("sku code", "variant sku", "item code", "product code", "item number", "item")


def sku_column(**kwargs) -> Column:
    """The `sku` column every stock-bound kind names its SKU by (resolved by a Reference)."""
    kwargs.setdefault("aliases", SKU_ALIASES)
    return text_column(
        "sku", max_length=64, required=True, not_blank=True, example="TEE-BLK-M", **kwargs
    )


def warehouse_column(*, extra_aliases: tuple[str, ...] = (), **kwargs) -> Column:
    """The `warehouse` column, by the warehouse's code."""
    return text_column(
        "warehouse",
        max_length=32,
        required=True,
        not_blank=True,
        aliases=("warehouse code", "site", "depot", *extra_aliases),
        example="WH1",
        **kwargs,
    )


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Problems:
    """Every problem found, and which rows are bad; the report keeps the first
    MAX_REPORTED_ERRORS (by row) and says how many more there were."""

    found: list[RowError] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.found.append(RowError(row, column, message))
        if row is not None and row > 1:
            self.bad_rows.add(row)

    def __bool__(self) -> bool:
        return bool(self.found)

    def report(self) -> list[dict]:
        ordered = sorted(self.found, key=lambda e: (e.row or 0, e.column or ""))
        errors = [error.as_dict() for error in ordered[:MAX_REPORTED_ERRORS]]
        if len(ordered) > MAX_REPORTED_ERRORS:
            more = len(ordered) - MAX_REPORTED_ERRORS
            errors.append({"row": None, "column": None, "message": f"... and {more} more."})
        return errors


@dataclass(frozen=True)
class Reference:
    """A column naming a row of another table by its code: resolved for every staged row by
    one UPDATE, into the staged column `<column>_id`. `scope` pairs (staged id column, the
    other table's column) narrow the lookup (a location's code is unique per warehouse)."""

    column: str
    table: str
    label: str
    field: str = "code"
    scope: tuple[tuple[str, str], ...] = ()

    @property
    def id_column(self) -> str:
        return f"{self.column}_id"

    def resolve_sql(self) -> str:
        # A join, not a correlated subquery: right after a big import the other table has no
        # statistics yet, and PostgreSQL then scanned it once per staged row (5 s for 20k).
        q = connection.ops.quote_name
        scope = "".join(f" AND t.{q(theirs)} = {{stage}}.{ours}" for ours, theirs in self.scope)
        return (
            f"UPDATE {{stage}} SET {self.id_column} = t.id FROM {q(self.table)} t "
            f"WHERE t.{q(self.field)} = {{stage}}.{self.column}{scope} "
            f"AND {{stage}}.{self.column} <> ''"
        )

    def unknown_message(self, code: str, scope_codes: tuple) -> str:
        where = f" in {scope_codes[0]}" if scope_codes and scope_codes[0] else ""
        return f"Unknown {self.label} '{code}'{where}."


@dataclass
class ImportContext:
    """What `write` may need besides the staged rows."""

    actor: object = None
    reference: str = ""
    present: frozenset[str] = frozenset()  # our columns the file has


def refuse_other_warehouses(stage, problems: "Problems", actor, allowed) -> None:
    """A person bound to warehouses (a manager) imports only into their own, as the screens and
    the API let them change only those (warehouse_scope through `allowed`): every row naming
    another is refused. An import without a person (a command, the system) is not narrowed."""
    scope = None if actor is None else warehouse_scope(actor, allowed)
    if scope is None:
        return
    ids = sorted(scope)
    outside = f"warehouse_id NOT IN ({', '.join(['%s'] * len(ids))})" if ids else "1 = 1"
    for line, code in stage.fetch(
        f"SELECT line, warehouse FROM {{stage}} WHERE warehouse_id IS NOT NULL AND {outside}", ids
    ):
        problems.add(line, "warehouse", f"Warehouse {code} is not one of your warehouses.")


class TableImport:
    """Base of every import kind. Subclasses set `columns` and, where they apply, `key`,
    `references`, `stage_extra`; they implement `plan` and `write`, and `check` for rules
    beyond types, required values, references and duplicates."""

    name: str = ""
    label: str = ""
    columns: tuple[Column, ...] = ()
    #: columns that name one thing: a second row with the same values is a duplicate
    key: tuple[str, ...] = ()
    duplicate_message = "'{value}' appears more than once (first on row {first})."
    references: tuple[Reference, ...] = ()
    #: staged columns filled by the checks (ids of references are added automatically)
    stage_extra: tuple[tuple[str, str], ...] = ()

    def stage_columns(self) -> list[tuple[str, str]]:
        columns = [(column.name, column.sql_type) for column in self.columns]
        columns += [(reference.id_column, "integer") for reference in self.references]
        return columns + list(self.stage_extra)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    # -- checks ---------------------------------------------------------------------------

    def resolve(self, stage, problems: Problems) -> None:
        """Resolve every reference (one UPDATE each) and report the codes that name nothing
        (one SELECT each). A reference scoped by another that did not resolve stays silent:
        that column reports the problem."""
        for reference in self.references:
            stage.execute(reference.resolve_sql())
            scope_codes = ", ".join(ours.removesuffix("_id") for ours, _ in reference.scope)
            select = f"line, {reference.column}" + (f", {scope_codes}" if scope_codes else "")
            known_scope = "".join(f" AND {ours} IS NOT NULL" for ours, _ in reference.scope)
            for line, code, *scope in stage.fetch(
                f"SELECT {select} FROM {{stage}} WHERE {reference.column} IS NOT NULL "
                f"AND {reference.column} <> '' AND {reference.id_column} IS NULL{known_scope}"
            ):
                problems.add(line, reference.column, reference.unknown_message(code, tuple(scope)))

    def duplicates(self, stage, problems: Problems) -> None:
        if not self.key:
            return
        key = ", ".join(self.key)
        filled = " AND ".join(f"{c} IS NOT NULL AND {c} <> ''" for c in self.key)
        joined = " AND ".join(f"s.{c} = d.{c}" for c in self.key)
        rows = stage.fetch(
            f"SELECT s.line, d.first, {', '.join(f's.{c}' for c in self.key)} FROM {{stage}} s "
            f"JOIN (SELECT {key}, MIN(line) AS first FROM {{stage}} WHERE {filled} "
            f"GROUP BY {key} HAVING COUNT(*) > 1) d ON {joined} WHERE s.line > d.first"
        )
        for line, first, *values in rows:
            problems.add(line, self.key[-1], self.duplicate_text(values, first))

    def duplicate_text(self, values: list, first: int) -> str:
        return self.duplicate_message.format(value=" in ".join(map(str, values)), first=first)

    def check(self, stage, problems: Problems, context: ImportContext) -> None:
        """Rules beyond types, required values, references and duplicates."""

    # -- counting and writing --------------------------------------------------------------

    def plan(self, stage) -> tuple[int, int]:
        """(rows that create, rows that update)."""
        raise NotImplementedError

    def write(self, stage, context: ImportContext) -> None:
        raise NotImplementedError

    # -- exports ---------------------------------------------------------------------------

    def export_rows(self, *, user, params) -> Iterable[tuple]:
        """Rows in `columns` order for the user's export, filtered by the list's `params`;
        values as the readers above read them back."""
        raise NotImplementedError

    def example_row(self) -> list:
        return [column.example for column in self.columns]
