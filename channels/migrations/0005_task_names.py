"""The schedules name the tasks by their new names (`*_task`, DESIGN.md)."""

from django.db import migrations

RENAMED = {
    "channels.tasks.expire_holds": "channels.tasks.expire_holds_task",
    "channels.tasks.sync_sweep": "channels.tasks.sync_sweep_task",
    "channels.tasks.pull_orders": "channels.tasks.pull_orders_task",
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
    dependencies = [("sales_channels", "0004_pull_orders"), ("django_q", "__latest__")]

    operations = [migrations.RunPython(forwards, backwards)]
