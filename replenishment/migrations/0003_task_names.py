"""The schedules name the tasks by their new names (`*_task`, DESIGN.md)."""

from django.db import migrations

RENAMED = {
    "replenishment.tasks.send_alert_digest": "replenishment.tasks.alert_digest_task",
    "replenishment.tasks.reorder_sweep_daily": "replenishment.tasks.reorder_sweep_task",
}


def _rename(apps, names: dict[str, str]) -> None:
    schedules = apps.get_model("django_q", "Schedule").objects
    for old, new in names.items():
        schedules.filter(func=old).update(func=new)


def forwards(apps, schema_editor):
    _rename(apps, RENAMED)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [("replenishment", "0002_moved_names"), ("django_q", "__latest__")]

    operations = [migrations.RunPython(forwards, backwards)]
