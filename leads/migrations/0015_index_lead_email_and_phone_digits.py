"""Trigram indexes for search by any part of an email or phone, built concurrently.

The admin's ``icontains`` compares ``UPPER(email::text)``; the phone search compares the digits.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations, models
from django.db.models.functions import Cast, Upper

from core.db.operations import AddSearchIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("leads", "0014_add_lead_phone_digits"),
    ]

    operations = [
        AddSearchIndexConcurrentlyOnPostgres(
            model_name="userslead",
            index=GinIndex(
                OpClass(Upper(Cast("email", models.TextField())), name="gin_trgm_ops"),
                name="users_leads_email_trgm_idx",
            ),
        ),
        AddSearchIndexConcurrentlyOnPostgres(
            model_name="userslead",
            index=GinIndex(
                OpClass("phone_digits", name="gin_trgm_ops"), name="users_leads_digits_trgm_idx"
            ),
        ),
    ]
