"""A real `manage.py qcluster` subprocess against the test database (PostgreSQL), on the ORM
broker or on Redis, for end-to-end channel-sync tests and the latency bench."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


class Worker:
    """`with Worker(redis_url=None) as w:` runs qcluster in its own process group; `kill()` is a
    kill -9 of that group (the cluster and its worker processes), `start()` again restarts it."""

    def __init__(self, *, redis_url: str | None = None, env: dict[str, str] | None = None):
        self.redis_url = redis_url
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ims.test_settings",
            "DATABASE_URL": database_url(),
            "Q_WORKERS": "4",
            **self.extra_env,
        }
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """kill -9 the cluster's process group (only the one this object started)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=15)
        self.kill()

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def use_redis_broker(monkeypatch, url: str) -> None:
    """Make this process enqueue to Redis like the worker (django-q2 reads its Conf once)."""
    import redis
    from django_q.conf import Conf

    redis.from_url(url).flushdb()  # a dedicated test DB (REDIS_TEST_URL): stale tasks out
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", url)


def poll(condition, *, timeout: float, interval: float = 0.1, every=None):
    """Call `condition` until truthy or `timeout` passes (then AssertionError). `every`, if given,
    is called before each check (e.g. the sweep)."""
    deadline = time.monotonic() + timeout
    while True:
        if every is not None:
            every()
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
