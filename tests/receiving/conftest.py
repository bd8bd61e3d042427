"""Receiving fixtures: a supplier, and the books checked after every scenario (`stock_audit`
must find no drift)."""

import pytest

from inventory.audit import stock_drift
from receiving.services import supplier_create


@pytest.fixture(autouse=True)
def _books_balance(request):
    """After each database scenario, the cached balances agree with the ledger. Taking the
    database fixture here makes this check run before the test's data is rolled back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    uses_db = marker or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db:
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    assert stock_drift() == [], "stock_audit found drift after this scenario"


@pytest.fixture
def supplier(db):
    return supplier_create(code="ACME", name="Acme Supplies", email="orders@acme.example")
