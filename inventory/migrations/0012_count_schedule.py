"""Schedule the daily cycle counts (inventory.tasks.count_schedule_task) at 03:30 server time,
after the velocity recompute has classed the SKUs; created idempotently by name."""

import datetime

from django.db import migrations
from django.utils import timezone

NAME = "Open the scheduled cycle counts"


def create_schedule(apps, schema_editor):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={
            "func": "inventory.tasks.count_schedule_task",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": timezone.make_aware(
                datetime.datetime.combine(tomorrow, datetime.time(3, 30))
            ),
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("inventory", "0011_cycle_counts_and_slotting"), ("django_q", "__latest__")]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
