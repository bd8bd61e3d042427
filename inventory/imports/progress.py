"""Progress of a running import, visible while its transaction is still open, and its cancel.

The import runs in one transaction (all or nothing), so anything it writes on its own connection
stays invisible until the end. On PostgreSQL progress is written through a second, autocommit
connection, and the same statement reads back whether a cancel was asked. SQLite admits one
writer at a time and the import holds that lock, so there the job shows `running` with its
total and jumps to the result at the end (and only a queued job can be cancelled).
"""

import logging

from django.db import DEFAULT_DB_ALIAS, connections

from inventory.models import ImportJob

logger = logging.getLogger(__name__)


class ProgressWriter:
    def __init__(self, job_id: int, using: str = DEFAULT_DB_ALIAS):
        self.job_id = job_id
        self.using = using
        self.enabled = connections[using].vendor != "sqlite"
        self._connection = None

    def __call__(self, rows_done: int) -> bool:
        """Record `rows_done`; True when a cancel has been asked for the job."""
        if not self.enabled:
            return False
        try:
            if self._connection is None:
                self._connection = connections.create_connection(self.using)
            table = self._connection.ops.quote_name(ImportJob._meta.db_table)
            with self._connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET rows_done = %s WHERE id = %s RETURNING cancel_requested",
                    [rows_done, self.job_id],
                )
                row = cursor.fetchone()
            return bool(row and row[0])
        except Exception:  # progress is a courtesy: never let it fail the import
            logger.warning("Could not record progress of import %s", self.job_id, exc_info=True)
            self.enabled = False
            return False

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
