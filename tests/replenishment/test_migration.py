"""The move of reorder rules, alerts and digests from the inventory app into replenishment keeps
an existing database's rows: the migrations only change Django's state (and the names that
point at the moved code), never the tables."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from replenishment.models import AlertStatus, ReorderRule, ReplenishmentAlert

BEFORE_THE_MOVE = [("replenishment", None), ("inventory", "0007_role_groups")]
OLD_TASK = "inventory.replenishment.tasks.send_alert_digest"


def _migrate(targets):
    """Migrate to `targets`; the apps of that state (a target of None: the app unapplied)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_rules_alerts_and_schedules():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE_THE_MOVE)
    try:
        sku = old.get_model("inventory", "Sku").objects.create(code="OLD-TEE", name="Tee")
        warehouse = old.get_model("inventory", "Warehouse").objects.create(code="OLDWH", name="W")
        supplier = old.get_model("receiving", "Supplier").objects.create(code="ACME", name="Acme")
        rule = old.get_model("inventory", "ReorderRule").objects.create(
            sku=sku,
            warehouse=warehouse,
            reorder_point=10,
            reorder_quantity=40,
            supplier=supplier,
            seasonal=[],
        )
        old.get_model("inventory", "ReplenishmentAlert").objects.create(
            sku=sku,
            warehouse=warehouse,
            rule=rule,
            status="open",
            available=4,
            incoming=0,
            projected=4,
            reorder_point=10,
            reorder_quantity=40,
            suggested_quantity=40,
        )
        old.get_model("django_q", "Schedule").objects.create(
            name="old digest", func=OLD_TASK, schedule_type="H"
        )
    finally:
        _migrate(latest)

    moved = ReorderRule.objects.select_related("sku", "warehouse", "supplier").get()
    assert (moved.sku.code, moved.warehouse.code, moved.supplier.code) == (
        "OLD-TEE",
        "OLDWH",
        "ACME",
    )
    assert (moved.reorder_point, moved.reorder_quantity) == (10, 40)
    alert = ReplenishmentAlert.objects.get()
    assert (alert.rule_id, alert.status, alert.projected) == (moved.pk, AlertStatus.OPEN, 4)
    schedules = old.get_model("django_q", "Schedule").objects
    assert schedules.get(name="old digest").func == "replenishment.tasks.alert_digest_task"
