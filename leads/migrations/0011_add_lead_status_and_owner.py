"""Leads get a status and an owner (schema only; the next migration fills the status).

Both columns are added without rewriting users_leads: the status carries a constant database
default (NEW), so code that predates it keeps inserting leads during the deploy, and the owner is
a nullable foreign key, indexed concurrently two migrations on.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.db.operations import SqliteSafeAddField


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0010_index_lead_admin_orderings_and_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        SqliteSafeAddField(
            model_name="userslead",
            name="status",
            field=models.CharField(
                choices=[
                    ("NEW", "New"),
                    ("CONTACTED", "Contacted"),
                    ("QUALIFIED", "Qualified"),
                    ("UNQUALIFIED", "Unqualified"),
                    ("CONVERTED", "Converted"),
                ],
                db_default="NEW",
                default="NEW",
                editable=False,
                max_length=16,
            ),
        ),
        SqliteSafeAddField(
            model_name="userslead",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="owned_leads",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
