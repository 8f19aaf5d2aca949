"""Give the learner tables the names of their new home, `crm_contact` and `crm_contactintegration`.

A table rename: the rows, keys and the foreign keys pointing at them stay as they are.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0002_rename_learner_foreign_keys_to_contact"),
    ]

    operations = [
        migrations.AlterModelTable(name="learner", table="crm_contact"),
        migrations.AlterModelTable(name="learnerintegration", table="crm_contactintegration"),
    ]
