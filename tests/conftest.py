"""Shared fixtures, the environment markers (tests/environment.py) and the books-balance check
after every test."""

import os
import shutil

import pytest
from django.core.management import call_command
from django.db import connection
from pytest_django.plugin import blocking_manager_key
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.audit import stock_drift
from tests import factories
from tests.environment import CHROMIUM, skip_or_fail


@pytest.fixture(autouse=True)
def _environment_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail(
            "needs PostgreSQL: run with "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/ims make test"
        )
    if request.node.get_closest_marker("browser") and not (
        os.path.exists(CHROMIUM) or shutil.which("chromium")
    ):
        skip_or_fail("needs Chromium at /usr/bin/chromium: apt-get install -y chromium")


@pytest.fixture(autouse=True)
def _books_balance(request):
    """After every test that used the database, the cached balances agree with the ledger
    (`stock_audit` finds no drift), whatever the test did or was refused. Taking the database
    fixture here makes the check run before the test's data is rolled back. A test that makes
    drift on purpose (to see the audit find it) says so with @pytest.mark.drift."""
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db or request.node.get_closest_marker("drift"):
        yield
        return
    transactional = bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    assert stock_drift() == [], "stock_audit found drift after this test"


@pytest.fixture
def warehouse(db):
    return factories.warehouse()


@pytest.fixture
def sku(db):
    return factories.sku()


@pytest.fixture
def lot_sku(db):
    return factories.sku(code="MILK-1L", lot_tracked=True)


@pytest.fixture
def places(warehouse):
    """A small tree: zone A with bins A-01 (cost 1) and A-02 (cost 5), a dock, quarantine and a
    packing station."""
    return factories.places(warehouse)


@pytest.fixture
def user(db):
    """The signed-in person of most tests: an admin, who may do everything everywhere. What each
    role may do is tests/api/test_roles.py's and tests/test_doors.py's business."""
    return factories.user("manager", role="admin")


@pytest.fixture
def api(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


# Tests that share something outside their own test database run on one pytest-xdist worker
# (`make test` runs -n auto --dist loadgroup): the session's Vendure server and its npm install,
# and the Redis database the qcluster tests use as their broker.
_SHARED = {"tests/vendure/": "vendure", "tests/channels/test_sync_worker.py": "redis"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (loadgroup) from the markers
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        for prefix, group in _SHARED.items():
            if path.startswith(prefix):
                item.add_marker(pytest.mark.xdist_group(group))
        _restore_after_flush(item)


def _restore_after_flush(item) -> None:
    """A transactional test empties every table when it ends (the schedules and role groups
    the migrations wrote, too). pytest-django runs such tests after all others, but xdist may
    run a group of them in the middle of a worker's share. Every transactional test is marked
    for a serialized rollback (so the test database's contents are serialized once, at setup,
    and its closing flush does not re-create content types under new ids, which the next
    serialized test's load would collide with) and `pytest_runtest_teardown` below loads that
    data back after each of them."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        item.add_marker(pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}))
        item.stash[_RESTORE] = True


_RESTORE = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield  # the fixtures are torn down: the flush has run
    contents = getattr(connection, "_test_serialized_contents", None)
    # After the session's last test the test database itself is gone: nothing to restore.
    if _flushed(item) and contents and nextitem is not None:
        with item.config.stash[blocking_manager_key].unblock():
            # A live-server test's flush ran the post-migrate handlers, which re-created the
            # content types under new ids: empty the tables again before loading them back.
            call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(contents)
    return result


def _flushed(item) -> bool:
    """The test ended with a flush: it was marked transactional, or used a live server."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.stash.get(_RESTORE, False) or bool(fixtures & {"live_server", "transactional_db"})
