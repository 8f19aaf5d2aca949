"""A trigram index on the upper-cased text of notes, built concurrently on PostgreSQL: the global
search (workspace/global_search.py) finds a note by any part of it through the index instead of
reading the whole table."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations
from django.db.models.functions import Upper

from core.db.operations import AddSearchIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0019_index_contact_folded_name"),
    ]

    operations = [
        AddSearchIndexConcurrentlyOnPostgres(
            model_name="contactnote",
            index=GinIndex(
                OpClass(Upper("content"), name="gin_trgm_ops"), name="crm_note_content_trgm_idx"
            ),
        ),
    ]
