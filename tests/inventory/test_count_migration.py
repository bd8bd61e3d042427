"""The count requests short picks queued before cycle counts existed become open counts of the
same bin and SKU (migration inventory 0011), snapshotted from the books; finished ones do not."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from inventory.models import CycleCount

BEFORE_COUNTS = [("inventory", "0010_velocity_schedule")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
@pytest.mark.drift  # the old state's rows are written straight into the tables, no ledger
def test_open_count_requests_become_open_counts():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE_COUNTS)
    try:
        warehouse = old.get_model("inventory", "Warehouse").objects.create(code="OLD", name="O")
        location = old.get_model("inventory", "Location").objects.create(
            warehouse=warehouse, code="B-1", path="/B-1/", type="bin"
        )
        sku = old.get_model("inventory", "Sku").objects.create(code="OLD-SKU", name="Old")
        old.get_model("inventory", "BinStock").objects.create(
            sku=sku, location=location, quantity=7
        )
        tasks = old.get_model("inventory", "CountTask").objects
        tasks.create(location=location, sku=sku, reason="short pick #3", reference="o-3")
        tasks.create(location=location, sku=sku, reason="done long ago", status="done")
    finally:
        _migrate(latest)

    count = CycleCount.objects.get()
    assert (count.status, count.origin, count.reason, count.reference) == (
        "open",
        "short_pick",
        "short pick #3",
        "o-3",
    )
    assert [(line.location.code, line.sku.code, line.snapshot) for line in count.lines.all()] == [
        ("B-1", "OLD-SKU", 7)
    ]
