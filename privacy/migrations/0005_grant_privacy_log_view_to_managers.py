"""Let Managers read the privacy logs (merge records, erasure requests), as accounts/roles.py says.

Data only; reuses 0002's grant and revoke (see there for why permissions are created here).
"""

import importlib

from django.db import migrations

_grant = importlib.import_module("privacy.migrations.0002_grant_merge_contacts_to_managers")
CODENAMES = ["view_mergerecord", "view_erasurerequest"]


def grant(apps, schema_editor):
    _grant.grant(apps, schema_editor, codenames=CODENAMES)


def revoke(apps, schema_editor):
    _grant.revoke(apps, schema_editor, codenames=CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0004_grant_erase_person_to_managers")]

    operations = [migrations.RunPython(grant, revoke)]
