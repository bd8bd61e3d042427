"""Every SKU x warehouse with units on an open purchase order or at a receiving dock gets its
WarehouseStock row (nothing on hand), as receiving now gives one when it happens, so the
availability list shows `incoming` for a SKU that has never been sellable there."""

from django.db import migrations

INCOMING = ["open", "partially_received"]


def forwards(apps, schema_editor):
    WarehouseStock = apps.get_model("inventory", "WarehouseStock")
    lines = apps.get_model("receiving", "PurchaseOrderLine").objects.filter(
        purchase_order__status__in=INCOMING
    )
    docks = apps.get_model("inventory", "BinStock").objects.filter(
        quantity__gt=0, location__type="dock"
    )
    keys = set(lines.values_list("sku_id", "purchase_order__warehouse_id")) | set(
        docks.values_list("sku_id", "location__warehouse_id")
    )
    WarehouseStock.objects.bulk_create(
        [WarehouseStock(sku_id=sku_id, warehouse_id=wh_id) for sku_id, wh_id in sorted(keys)],
        ignore_conflicts=True,
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("receiving", "0001_initial"), ("inventory", "0008_replenishment_moves_out")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
