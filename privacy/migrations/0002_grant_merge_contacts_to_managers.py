"""Give the Managers group the privacy permissions (merge contacts).

Permissions are created by post_migrate, after all migrations; on a fresh database they do not
exist yet here, so they are created first from the historical models (as core 0002 does). The
reverse takes them away from Managers again.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["merge_contacts"]


def grant(apps, schema_editor, codenames=CODENAMES):
    alias = schema_editor.connection.alias
    app_config = apps.get_app_config("privacy")
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=alias)
    finally:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    managers, _ = Group.objects.using(alias).get_or_create(name="Managers")
    managers.permissions.add(
        *Permission.objects.using(alias).filter(
            content_type__app_label="privacy", codename__in=codenames
        )
    )


def revoke(apps, schema_editor, codenames=CODENAMES):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.using(alias).filter(name="Managers"):
        group.permissions.remove(
            *Permission.objects.using(alias).filter(
                content_type__app_label="privacy", codename__in=codenames
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_create_merge_record"),
        ("core", "0002_create_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
