"""A trigram index on the contacts' phone digits, built concurrently on PostgreSQL."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations

from core.db.operations import AddSearchIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0011_add_contact_phone_digits"),
    ]

    operations = [
        AddSearchIndexConcurrentlyOnPostgres(
            model_name="contact",
            index=GinIndex(
                OpClass("phone_digits", name="gin_trgm_ops"), name="crm_contact_digits_trgm_idx"
            ),
        ),
    ]
