"""The staging table of one import: every parsed row lands here first, then set-based SQL
checks it and merges it into the real tables, inside the import's one transaction.

On PostgreSQL rows arrive by COPY (psycopg's `copy`, ~50,000 rows/s); on SQLite by batched
`executemany`. The table is temporary (the connection's own, invisible to others) and dropped
when the import ends, whether it applied or rolled back.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection

BATCH = 2000
_SQL_TYPES = {
    "text": ("text", "text"),
    "integer": ("bigint", "integer"),
    "boolean": ("boolean", "boolean"),
    "date": ("date", "date"),
    "decimal": ("numeric(12, 4)", "decimal"),
}


class Stage:
    def __init__(self, name: str, columns: Sequence[tuple[str, str]]):
        """`columns`: (name, type) with type one of text, integer, boolean, date, decimal."""
        self.name = connection.ops.quote_name(f"import_stage_{name}")
        self.columns = ["line", *(column for column, _ in columns)]
        self._types = [("line", "integer"), *columns]
        self.vendor = connection.vendor

    def create(self) -> None:
        which = 0 if self.vendor == "postgresql" else 1
        definition = ", ".join(f"{name} {_SQL_TYPES[kind][which]}" for name, kind in self._types)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.name} ({definition})")

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")

    def load(self, rows: Iterable[Sequence], *, every: int = BATCH, on_batch=None) -> int:
        """Write `rows` (tuples in `columns` order, `line` first); `on_batch(count)` is called
        after every `every` rows. Returns how many were written."""
        if self.vendor == "postgresql":
            return self._copy(rows, every, on_batch)
        placeholders = ", ".join(["%s"] * len(self.columns))
        sql = f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({placeholders})"
        count = 0
        with connection.cursor() as cursor:
            for batch in _batches(rows, every):
                cursor.executemany(sql, batch)
                count += len(batch)
                if on_batch is not None:
                    on_batch(count)
        return count

    def _copy(self, rows, every, on_batch) -> int:
        count = 0
        with connection.cursor() as cursor:
            for batch in _batches(rows, every):
                # one COPY per batch: progress can be reported (and a cancel heard) in between
                with cursor.copy(f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN") as cp:
                    for row in batch:
                        cp.write_row(row)
                count += len(batch)
                if on_batch is not None:
                    on_batch(count)
        return count

    def fetch(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Run `sql`, where `{stage}` names this table; the rows it returns."""
        with connection.cursor() as cursor:
            cursor.execute(sql.format(stage=self.name), params)
            return cursor.fetchall() if cursor.description else []

    def execute(self, sql: str, params: Sequence = ()) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(stage=self.name), params)
            return cursor.rowcount

    def count(self, where: str = "1 = 1", params: Sequence = ()) -> int:
        return self.fetch(f"SELECT COUNT(*) FROM {{stage}} WHERE {where}", params)[0][0]


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def staged(name: str, columns: Sequence[tuple[str, str]]):
    """The staging table for the length of the block. It is dropped only when the block ends
    normally: on an error the transaction (or savepoint) that created it rolls back and takes it
    along, and a DROP would only hide the real error behind "transaction is aborted"."""
    stage = Stage(name, columns)
    stage.create()
    yield stage
    stage.drop()
