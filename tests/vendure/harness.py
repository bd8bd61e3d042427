"""A real Vendure server (npm `@vendure/core`, see peer/) for end-to-end tests of the Vendure
connector: installed with `npm ci`, seeded into its own PostgreSQL database, run as a subprocess
on a free port, and driven over real HTTP (stdlib urllib, like any storefront or sync client).

    with VendurePeer() as vendure:          # install() + start(); close() drops the database
        vendure.set_stock("VEN-001", 7, as_user=vendure.sync_username)
        code = vendure.place_order({"VEN-001": 2})
        assert vendure.stock_level("VEN-001") == (7, 2)

What the seed creates is described in peer/seed.js, and how Vendure picks the stock it sells in
peer/vendure-config.js.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

from tests.vendure.client import OrderRefused, VendureClient, VendureError

__all__ = ["OrderRefused", "VendureError", "VendurePeer"]

PEER_DIR = Path(__file__).resolve().with_name("peer")
INSTALL_STAMP = PEER_DIR / "node_modules" / ".ims-installed"
INSTALL_LOCK = PEER_DIR / ".install.lock"
MIN_NODE = 20  # file-type and graphql-ws, which @vendure/core 3.7 loads, declare node >= 20
INSTALL_HINT = "apt-get install -y nodejs npm"
SEED_TIMEOUT = 180
START_TIMEOUT = 90


def _postgres_params() -> dict:
    """The PostgreSQL server the tests already use (DATABASE_URL when it is PostgreSQL), else the
    local default 127.0.0.1:5432 as postgres."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "user": unquote(parts.username or "postgres"),
            "password": unquote(parts.password or ""),
        }
    return {"host": "127.0.0.1", "port": 5432, "user": "postgres", "password": ""}


def _maintenance_connection(params: dict) -> psycopg.Connection:
    return psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=3, **params)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node_version() -> int | None:
    node = shutil.which("node")
    if not node:
        return None
    out = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    match = re.match(r"v(\d+)", out.strip())
    return int(match.group(1)) if match else None


class VendurePeer(VendureClient):
    """The server process and its database; the API helpers come from VendureClient."""

    def __init__(self, *, database: str | None = None, log_level: str = "info"):
        super().__init__()
        self.database = database or f"vendure_test_{os.getpid()}"
        self.log_level = log_level
        self.pg = _postgres_params()
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.seeded = False
        self.timings: dict[str, float] = {}
        self._workdir = Path(tempfile.mkdtemp(prefix="vendure-peer-"))
        self.log_path = self._workdir / "vendure.log"

    # -- environment -----------------------------------------------------------------------

    @staticmethod
    def available() -> str | None:
        """None when the peer can run here, else why not (starts "needs Node.js" or "needs
        PostgreSQL")."""
        version = _node_version()
        if version is None or version < MIN_NODE or not shutil.which("npm"):
            found = f" (found Node.js {version})" if version else ""
            return f"needs Node.js {MIN_NODE}+ and npm for the Vendure peer{found}: {INSTALL_HINT}"
        params = _postgres_params()
        try:
            _maintenance_connection(params).close()
        except psycopg.Error as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
            return (
                f"needs PostgreSQL at {params['host']}:{params['port']} (user {params['user']}) "
                f"for the Vendure peer: {first_line}"
            )
        return None

    def install(self) -> None:
        """`npm ci` in peer/, only when node_modules is missing or older than package-lock.json.
        Two test processes that both need the peer install it one at a time (an exclusive lock
        on a file beside node_modules): the second finds it installed. An `npm ci` that fails
        (npm sometimes trips over its own half-removed tree: ENOTEMPTY) is run once more."""
        lock = PEER_DIR / "package-lock.json"
        with open(INSTALL_LOCK, "w") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            if INSTALL_STAMP.exists() and INSTALL_STAMP.stat().st_mtime >= lock.stat().st_mtime:
                return
            started = time.monotonic()
            for attempt in (1, 2):
                result = subprocess.run(
                    ["npm", "ci", "--no-audit", "--no-fund"],
                    cwd=PEER_DIR,
                    capture_output=True,
                    text=True,
                )
                if result.returncode == 0:
                    break
                if attempt == 2:
                    raise VendureError(
                        f"npm ci failed in {PEER_DIR}:\n{(result.stdout + result.stderr)[-3000:]}"
                    )
                shutil.rmtree(PEER_DIR / "node_modules", ignore_errors=True)
            INSTALL_STAMP.touch()
        self.timings["install"] = time.monotonic() - started
        print(f"vendure peer: npm ci took {self.timings['install']:.1f}s")

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> VendurePeer:
        """Create and seed the database on the first start, then run the server and wait until
        /health answers. A restart keeps the port and the database."""
        if self.proc is not None and self.proc.poll() is None:
            return self
        if self.port is None:
            self.port = _free_port()
        if not self.seeded:
            self._create_database()
            started = time.monotonic()
            seed = self._run_node("seed.js")
            try:
                returncode = seed.wait(timeout=SEED_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._terminate(seed)
                raise VendureError(self._with_log(f"seeding took over {SEED_TIMEOUT}s")) from None
            if returncode != 0:
                raise VendureError(self._with_log(f"seed.js exited with {returncode}"))
            self.seeded = True
            self.timings["seed"] = time.monotonic() - started
        started = time.monotonic()
        self.proc = self._run_node("server.js")
        self._wait_until_healthy()
        self.timings["restart" if "start" in self.timings else "start"] = time.monotonic() - started
        return self

    def stop(self) -> None:
        """SIGTERM the server (its process group), then kill it if it lingers."""
        if self.proc is not None:
            self._terminate(self.proc)
        self.proc = None

    def restart(self) -> VendurePeer:
        self.stop()
        return self.start()

    def close(self) -> None:
        """Stop the server, drop its database and delete the log."""
        self.stop()
        with contextlib.suppress(psycopg.Error), _maintenance_connection(self.pg) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.database)
                )
            )
        self.seeded = False
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> VendurePeer:
        self.install()
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _with_log(self, message: str) -> str:
        return f"{message}; last lines of {self.log_path}:\n{self.log_tail()}"

    def _create_database(self) -> None:
        name = sql.Identifier(self.database)
        with _maintenance_connection(self.pg) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))

    def _run_node(self, script: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "VENDURE_DISABLE_TELEMETRY": "true",
            "VENDURE_PORT": str(self.port),
            "VENDURE_DB_NAME": self.database,
            "VENDURE_DB_HOST": self.pg["host"],
            "VENDURE_DB_PORT": str(self.pg["port"]),
            "VENDURE_DB_USER": self.pg["user"],
            "VENDURE_DB_PASSWORD": self.pg["password"],
            "VENDURE_STOCK_LOCATION": self.stock_location,
            "VENDURE_LOG_LEVEL": self.log_level,
        }
        with open(self.log_path, "a") as log:
            log.write(f"\n===== node {script} on port {self.port}, database {self.database}\n")
            log.flush()
            return subprocess.Popen(
                ["node", script],
                cwd=PEER_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @staticmethod
    def _terminate(proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise VendureError(
                    self._with_log(f"server.js exited with {self.proc.returncode} while starting")
                )
            health = f"{self.base_url}/health"
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(health, timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise VendureError(self._with_log(f"server did not answer /health within {START_TIMEOUT}s"))

    # -- addresses ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_api_url(self) -> str:
        return f"{self.base_url}/admin-api"

    @property
    def shop_api_url(self) -> str:
        return f"{self.base_url}/shop-api"
