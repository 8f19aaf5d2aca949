"""Index the lead -> contact link without blocking lead capture (users_leads is live)."""

from django.db import migrations, models

from core.db.operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("leads", "0006_add_lead_conversion_fields"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="userslead",
            index=models.Index(
                condition=models.Q(("converted_contact__isnull", False)),
                fields=["converted_contact"],
                name="users_leads_converted_idx",
            ),
        ),
    ]
