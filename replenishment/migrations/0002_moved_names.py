"""What names the moved code by its old path: the django-q2 schedules of inventory 0006 and the
content types (admin log entries, permissions) of the three models."""

from django.db import migrations

MODELS = ["reorderrule", "replenishmentalert", "alertdigest"]
OLD, NEW = "inventory.replenishment.tasks.", "replenishment.tasks."


def _rename(apps, old_label, new_label, old_path, new_path):
    for schedule in apps.get_model("django_q", "Schedule").objects.filter(
        func__startswith=old_path
    ):
        schedule.func = new_path + schedule.func[len(old_path) :]
        schedule.save(update_fields=["func"])
    content_types = apps.get_model("contenttypes", "ContentType").objects
    for model in MODELS:
        if not content_types.filter(app_label=new_label, model=model).exists():
            content_types.filter(app_label=old_label, model=model).update(app_label=new_label)


def forwards(apps, schema_editor):
    _rename(apps, "inventory", "replenishment", OLD, NEW)


def backwards(apps, schema_editor):
    _rename(apps, "replenishment", "inventory", NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("replenishment", "0001_initial"),
        ("inventory", "0006_replenishment_schedules"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_q", "__latest__"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
