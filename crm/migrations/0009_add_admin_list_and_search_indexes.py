"""Indexes behind the CRM admin lists and the contact search, built without locking writes.

Each list's default order gets an index that matches it exactly (Django appends -id to make
the order total), once for everyone and once led by the organization (members see only
theirs). Contact search gets trigram indexes (pg_trgm, crm 0008) on the expressions Django's
``icontains``/``istartswith`` compare: ``UPPER(name::text)``, and the same for email and phone.
PostgreSQL builds them CONCURRENTLY (so this migration is not atomic); SQLite builds plain
indexes, the search ones on the bare expressions under the same names.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.comparison
import django.db.models.functions.text
from django.db import migrations, models

from core.db.operations import (
    AddIndexConcurrentlyOnPostgres,
)
from core.db.operations import (
    AddSearchIndexConcurrentlyOnPostgres as AddSearchIndexConcurrently,
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0008_enable_pg_trgm"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="appointment",
            index=models.Index(fields=["start_time", "-id"], name="crm_appt_start_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="appointment",
            index=models.Index(
                fields=["organization", "start_time", "-id"], name="crm_appt_org_start_idx"
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="contact",
            index=models.Index(fields=["name", "-id"], name="crm_contact_name_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="contact",
            index=models.Index(
                fields=["organization", "name", "-id"], name="crm_contact_org_name_idx"
            ),
        ),
        AddSearchIndexConcurrently(
            model_name="contact",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper(
                        django.db.models.functions.comparison.Cast("name", models.TextField())
                    ),
                    name="gin_trgm_ops",
                ),
                name="crm_contact_name_trgm_idx",
            ),
        ),
        AddSearchIndexConcurrently(
            model_name="contact",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper(
                        django.db.models.functions.comparison.Cast("email", models.TextField())
                    ),
                    name="gin_trgm_ops",
                ),
                name="crm_contact_email_trgm_idx",
            ),
        ),
        AddSearchIndexConcurrently(
            model_name="contact",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper(
                        django.db.models.functions.comparison.Cast("phone", models.TextField())
                    ),
                    name="gin_trgm_ops",
                ),
                name="crm_contact_phone_trgm_idx",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="contactnote",
            index=models.Index(fields=["-created_at", "-id"], name="crm_note_created_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="contactnote",
            index=models.Index(
                fields=["organization", "-created_at", "-id"], name="crm_note_org_created_idx"
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="message",
            index=models.Index(fields=["-sent_at", "-id"], name="crm_message_sent_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="message",
            index=models.Index(
                fields=["organization", "-sent_at", "-id"], name="crm_message_org_sent_idx"
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="tag",
            index=models.Index(fields=["name", "-id"], name="crm_tag_name_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="task",
            index=models.Index(fields=["due_date", "-created_at", "-id"], name="crm_task_due_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="task",
            index=models.Index(
                fields=["organization", "due_date", "-created_at", "-id"],
                name="crm_task_org_due_idx",
            ),
        ),
    ]
