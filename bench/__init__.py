"""Benchmarks, run by `make bench` (`python -m bench [module ...]`).

Every public module here has a `run()` that prints its own figures; timings are printed, never
asserted. They run against a PostgreSQL database of their own, dropped and re-created on each run:
BENCH_DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/ims_bench (DATABASE_URL is
ignored on purpose, so a benchmark never touches a real database).
"""

import os
import time
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ims_bench"
THREADS = int(os.environ.get("BENCH_THREADS", "16"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def _recreate_database() -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url())
    name = parts.path.lstrip("/")
    maintenance = urlunsplit((*parts[:2], "/postgres", *parts[3:]))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup() -> None:
    """A fresh, migrated bench database, and Django configured for it with DEBUG off (a debug
    cursor records every query and would slow the services down)."""
    os.environ["DATABASE_URL"] = database_url()
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ims.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The benches' storefronts are local receivers on 127.0.0.1 over plain http.
    os.environ.setdefault("IMS_ALLOW_PRIVATE_ENDPOINTS", "1")
    os.environ.setdefault("IMS_ENDPOINTS_HTTPS_ONLY", "0")
    started = time.perf_counter()
    _recreate_database()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"bench database {database_url()} ready in {time.perf_counter() - started:.1f}s")


def reset() -> None:
    """Empty every table, for a benchmark that wants to seed from nothing."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
