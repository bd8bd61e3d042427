"""Schedule the hold-expiry task (channels.tasks.expire_holds) every minute with django-q2.

Expired holds already stop counting before the task runs: order intake releases those on the
rows it needs, and channel availability leaves them out."""

from django.db import migrations

NAME = "Release expired order holds"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={
            "func": "channels.tasks.expire_holds",
            "schedule_type": "I",  # minutes
            "minutes": 1,
            "repeats": -1,
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sales_channels", "0001_initial"),
        ("django_q", "__latest__"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
