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
        ("leads", "0015_index_lead_email_and_phone_digits"),
    ]

    operations = [
        AddSearchIndexConcurrentlyOnPostgres(
            model_name="userslead",
            index=GinIndex(
                OpClass(Fold("name"), name="gin_trgm_ops"), name="users_leads_fold_trgm_idx"
            ),
        ),
    ]
