"""The Moderators group may also look at notes, their reports and their log, and
remove or restore notes (challenge.moderate_note)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

NOTE_PERMISSIONS = [
    ("challenge", "note", "moderate_note"),
    ("challenge", "note", "view_note"),
    ("challenge", "noteevent", "view_noteevent"),
    ("challenge", "notereport", "view_notereport"),
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("challenge")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    for app_label, model, codename in NOTE_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(
                content_type__app_label=app_label,
                content_type__model=model,
                codename=codename,
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="challenge",
                codename__in=[codename for _, _, codename in NOTE_PERMISSIONS],
            )
        )


class Migration(migrations.Migration):
    dependencies = [("challenge", "0012_notes")]

    operations = [migrations.RunPython(grant, revoke)]
