"""Receiving fixtures: a supplier (the books are checked after every test by tests/conftest.py)."""

import pytest

from receiving.services import supplier_create


@pytest.fixture
def supplier(db):
    return supplier_create(code="ACME", name="Acme Supplies", email="orders@acme.example")
