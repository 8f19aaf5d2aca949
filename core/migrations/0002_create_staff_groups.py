"""Create the staff groups Sales, Support, Instructors and Managers with their permissions.

The permissions come from accounts/roles.py (GROUP_PERMISSIONS). Django creates permissions after
all migrations ran (post_migrate), so on a fresh database they do not exist yet here: they are
created first, for the three apps, from the historical models. The reverse removes the groups
(the permissions stay, as post_migrate would create them again anyway).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import GROUP_PERMISSIONS, sync_groups

# The apps this migration depends on. Privacy's permissions (added to the table later) are
# granted by privacy's own migrations, which run after its tables exist.
APPS = ("leads", "crm", "lms")


def create_staff_groups(apps, schema_editor):
    alias = schema_editor.connection.alias
    for app_label in APPS:
        app_config = apps.get_app_config(app_label)
        # Historical app configs have no models module, which create_permissions skips.
        app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=alias)
        finally:
            app_config.models_module = None
    sync_groups(apps, using=alias, app_labels=APPS)


def remove_staff_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=list(GROUP_PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0001_create_api_tokens"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("crm", "0007_add_contact_import_export_permissions"),
        ("leads", "0008_add_lead_staff_permissions"),
        ("lms", "0005_rename_learner_keys_and_indexes"),
    ]

    operations = [migrations.RunPython(create_staff_groups, remove_staff_groups)]
