"""The Moderators group: may look at entries, reports and the audit log, watch
private videos, and decide (challenge.moderate_entry)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR_PERMISSIONS = [
    ("challenge", "entry", "moderate_entry"),
    ("challenge", "entry", "view_entry"),
    ("challenge", "entryevent", "view_entryevent"),
    ("challenge", "participant", "view_participant"),
    ("challenge", "report", "view_report"),
    ("videos", "video", "view_video"),
]


def create_moderators(apps, schema_editor):
    # Permissions are normally created after all migrations ran (post_migrate);
    # make sure they exist now.
    for app_label in ("challenge", "videos"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    for app_label, model, codename in MODERATOR_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(
                content_type__app_label=app_label,
                content_type__model=model,
                codename=codename,
            )
        )


def remove_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("videos", "0001_initial"),
        ("challenge", "0003_moderation_gallery"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
