"""Schedule the replenishment tasks with django-q2 (created idempotently, by name):
- the purchasing digest e-mail of new alerts, every 15 minutes;
- the daily sweep that raises what a season starting (or a rule changed) implies."""

import datetime

from django.db import migrations
from django.utils import timezone

DIGEST = "Replenishment alert digest"
SWEEP = "Replenishment daily sweep"


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=DIGEST,
        defaults={
            "func": "inventory.replenishment.tasks.send_alert_digest",
            "schedule_type": "I",  # every `minutes`
            "minutes": 15,
            "repeats": -1,
        },
    )
    # Just after midnight (server time zone), when a new season may begin.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    first_run = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(0, 15)))
    Schedule.objects.update_or_create(
        name=SWEEP,
        defaults={
            "func": "inventory.replenishment.tasks.reorder_sweep_daily",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": first_run,
        },
    )


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[DIGEST, SWEEP]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0005_replenishment"),
        ("django_q", "__latest__"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
