"""A cursor for the few hand-written statements every stock change sends (the reservation
guard, the reservation INSERT with its listener lookup): on PostgreSQL they are bound on the
server, so psycopg prepares each one after it has run `prepare_threshold` times (5; settings)
on a connection and PostgreSQL plans it once per connection instead of on every order. Django's
own cursors bind on the client and never prepare.

The cursor is wrapped like any Django cursor, so it runs in the surrounding transaction and its
statements are counted by `assertNumQueries` and logged in DEBUG. Behind a pooler that can't
keep prepared statements (PgBouncer in transaction mode before 1.21), set
DATABASE_PREPARE_THRESHOLD=off (ims/settings.py): psycopg then prepares nothing.
"""

from django.db import DEFAULT_DB_ALIAS, connections


def database():
    """The default connection itself (not the `connection` proxy, which looks it up again on
    every attribute: measurable on a path that runs on every order line)."""
    return connections[DEFAULT_DB_ALIAS]


def hot_cursor(db=None):
    db = db or database()
    if db.vendor != "postgresql":
        return db.cursor()
    import psycopg

    db.ensure_connection()
    raw = psycopg.Cursor(db.connection)
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)
