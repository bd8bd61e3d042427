"""Schedule the nightly velocity recompute (inventory.tasks.velocity_recompute_task) at 02:30
server time, created idempotently by name."""

import datetime

from django.db import migrations
from django.utils import timezone

NAME = "Recompute SKU velocity and ABC classes"


def create_schedule(apps, schema_editor):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={
            "func": "inventory.tasks.velocity_recompute_task",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": timezone.make_aware(
                datetime.datetime.combine(tomorrow, datetime.time(2, 30))
            ),
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("inventory", "0009_sku_velocity"), ("django_q", "__latest__")]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
