"""Trigram indexes on the upper-cased subject and text of contact messages, built concurrently on
PostgreSQL: the global search (workspace/global_search.py) finds a message by any part of either
through the indexes instead of reading the whole table."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations, models
from django.db.models.functions import Cast, Upper

from core.db.operations import AddSearchIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0008_enable_pg_trgm"),
        ("leads", "0018_lead_event_type_contact_message_replied"),
    ]

    operations = [
        AddSearchIndexConcurrentlyOnPostgres(
            model_name="contactmessage",
            index=GinIndex(
                OpClass(Upper(Cast("subject", models.TextField())), name="gin_trgm_ops"),
                name="contact_msg_subject_trgm_idx",
            ),
        ),
        AddSearchIndexConcurrentlyOnPostgres(
            model_name="contactmessage",
            index=GinIndex(
                OpClass(Upper("message"), name="gin_trgm_ops"),
                name="contact_msg_text_trgm_idx",
            ),
        ),
    ]
