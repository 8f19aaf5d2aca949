"""A trigram index on the folded name (``leadcrm_fold(name)``: lower case, no accents), built
concurrently on PostgreSQL: name search that finds "José" by "jose" stays an index scan."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations

from core.db.operations import AddSearchIndexConcurrentlyOnPostgres
from core.search import Fold


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("core", "0004_create_fold_function"),
        ("crm", "0018_add_task_due_reminder_marker"),
    ]

    operations = [
        AddSearchIndexConcurrentlyOnPostgres(
            model_name="contact",
            index=GinIndex(
                OpClass(Fold("name"), name="gin_trgm_ops"), name="crm_contact_fold_trgm_idx"
            ),
        ),
    ]
