"""A lead remembers the CRM contact it was converted into, and when (schema only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0006_create_organization_membership"),
        ("leads", "0005_drop_legacy_lead_tables"),
    ]

    operations = [
        migrations.AddField(
            model_name="userslead",
            name="converted_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="userslead",
            name="converted_contact",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="converted_leads",
                to="crm.contact",
            ),
        ),
        migrations.AddConstraint(
            model_name="userslead",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("converted_contact__isnull", True),
                    ("converted_at__isnull", False),
                    _connector="OR",
                ),
                name="users_leads_converted_has_time",
            ),
        ),
    ]
