# Count requests (queued by short picks). Written by hand with only this model, so it does not
# pick up other models that are still being added to inventory/models.py.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0002_ledger_guards"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CountTask",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.CharField(max_length=200)),
                ("reference", models.CharField(blank=True, max_length=100)),
                ("status", models.CharField(choices=[("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled")], default="open", max_length=16)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("location", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="count_tasks", to="inventory.location")),
                ("requested_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("sku", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="count_tasks", to="inventory.sku")),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(condition=models.Q(("status", "open")), fields=("location", "sku"), name="counttask_one_open_per_bin_sku"),
                    models.CheckConstraint(condition=models.Q(("status__in", ["open", "done", "cancelled"])), name="counttask_status_valid"),
                ],
            },
        ),
    ]
