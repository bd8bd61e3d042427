"""Two opening-stock imports touching the same bins in opposite orders, at once (PostgreSQL, real
threads): each locks every row it will change up front, in key order, so one waits for the other
instead of deadlocking; both apply in full and the books balance."""

import pytest

from inventory.imports.files import read_dataset
from inventory.imports.registry import import_kind
from inventory.models import BinStock
from tests import factories
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _import(text: str):
    resource = import_kind("stock").resource_class(reference="race", skip_diff=True)
    result = resource.import_data(read_dataset(content=text.encode(), file_format="csv"))
    return resource.errors_of(result)


def test_opposite_order_imports_neither_deadlock_nor_fail(warehouse, places, caplog):
    first, second = factories.sku("IMP-A"), factories.sku("IMP-B")
    head = "sku,warehouse,location,quantity\n"
    wh = warehouse.code
    forwards = head + f"IMP-A,{wh},A-01,3\nIMP-B,{wh},A-02,4\n"
    backwards = head + f"IMP-B,{wh},A-02,5\nIMP-A,{wh},A-01,6\n"
    for _ in range(5):
        outcomes = run_together(lambda: _import(forwards), lambda: _import(backwards))
        assert outcomes == [[], []]
    held = dict(BinStock.objects.values_list("sku__code", "quantity"))
    assert held == {first.code: 5 * (3 + 6), second.code: 5 * (4 + 5)}
    assert "deadlock" not in caplog.text
