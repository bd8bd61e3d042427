"""Shared fixtures. PostgreSQL-only and browser tests skip on a newcomer's machine with a line
saying how to run them; in CI (CI=true) such a skip fails the run instead."""

import os
import shutil

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"


def _skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must not skip: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _environment_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _skip_or_fail(
            "needs PostgreSQL: run with "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/ims make test"
        )
    if request.node.get_closest_marker("browser") and not (
        os.path.exists(CHROMIUM) or shutil.which("chromium")
    ):
        _skip_or_fail("needs Chromium at /usr/bin/chromium: apt-get install -y chromium")


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


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        for prefix, group in _SHARED.items():
            if path.startswith(prefix):
                item.add_marker(pytest.mark.xdist_group(group))
