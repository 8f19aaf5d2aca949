"""Enable pg_trgm on PostgreSQL, for the contact search indexes of crm 0009.

SQLite has no extensions: there this does nothing (Django's CreateExtension skips other
databases). pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import DatabaseError, migrations, transaction


class EnableTrigramExtension(TrigramExtension):
    """``CREATE EXTENSION IF NOT EXISTS pg_trgm``; the reverse drops it unless still in use."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute("DROP EXTENSION IF EXISTS pg_trgm")
        except DatabaseError:
            # Another app's trigram index still needs it: leaving it installed is harmless.
            pass


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0007_add_contact_import_export_permissions"),
    ]

    operations = [EnableTrigramExtension()]
