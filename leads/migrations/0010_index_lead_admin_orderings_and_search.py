"""Indexes behind the staff admin's lists: default orderings, date drill-down, search.

The lead tables are live and grow with every visit, so every index is built with
CREATE INDEX CONCURRENTLY on PostgreSQL (writes go on meanwhile); the migration is therefore
not atomic. The search indexes use PostgreSQL operator classes (text_pattern_ops for prefix
search, pg_trgm's gin_trgm_ops for names); on SQLite the same names index the plain
expressions.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations, models
from django.db.models.functions import Upper

from core.db.operations import (
    AddIndexConcurrentlyOnPostgres,
)
from core.db.operations import (
    AddSearchIndexConcurrentlyOnPostgres as AddSearchIndexConcurrently,
)


class CreatePgTrgmIfMissing(migrations.RunSQL):
    """Enable pg_trgm on PostgreSQL (a trusted extension); kept on reverse, others use it too."""

    def __init__(self):
        super().__init__(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def deconstruct(self):
        return (self.__class__.__name__, [], {})


def _ordering_index(model_name: str, name: str, **kwargs) -> AddIndexConcurrentlyOnPostgres:
    return AddIndexConcurrentlyOnPostgres(
        model_name=model_name,
        index=models.Index(fields=["-created_at", "-id"], name=name, **kwargs),
    )


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("leads", "0009_lead_event_types_converted_reopened"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="userslead",
            index=models.Index(fields=["-last_seen_at", "-id"], name="users_leads_last_seen_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="userslead",
            index=models.Index(fields=["first_seen_at"], name="users_leads_first_seen_idx"),
        ),
        AddSearchIndexConcurrently(
            model_name="userslead",
            index=models.Index(
                OpClass(Upper("email"), name="text_pattern_ops"),
                name="users_leads_email_prefix_idx",
            ),
        ),
        AddSearchIndexConcurrently(
            model_name="userslead",
            index=models.Index(
                OpClass(Upper("phone"), name="text_pattern_ops"),
                name="users_leads_phone_prefix_idx",
            ),
        ),
        CreatePgTrgmIfMissing(),
        AddSearchIndexConcurrently(
            model_name="userslead",
            index=GinIndex(
                OpClass(Upper("name"), name="gin_trgm_ops"), name="users_leads_name_trgm_idx"
            ),
        ),
        _ordering_index("leadevent", "lead_events_created_idx"),
        _ordering_index("choicesresponse", "choices_responses_created_idx"),
        _ordering_index("earlyaccessrequest", "early_access_req_created_idx"),
        _ordering_index("contactmessage", "contact_messages_created_idx"),
        _ordering_index(
            "contactmessage",
            "contact_messages_awaiting_idx",
            condition=models.Q(("responded", False)),
        ),
        _ordering_index("pagesession", "page_sessions_created_idx"),
    ]
