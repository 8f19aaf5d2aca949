"""Give the Managers group the erase_person permission (see 0002 for why it is created here)."""

import importlib

from django.db import migrations

_grant = importlib.import_module("privacy.migrations.0002_grant_merge_contacts_to_managers")
CODENAMES = ["erase_person"]


def grant(apps, schema_editor):
    _grant.grant(apps, schema_editor, codenames=CODENAMES)


def revoke(apps, schema_editor):
    _grant.revoke(apps, schema_editor, codenames=CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0003_create_erasure_request"),
        ("privacy", "0002_grant_merge_contacts_to_managers"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
