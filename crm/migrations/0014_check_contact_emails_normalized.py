"""The database keeps contacts' emails normalized (trimmed, lower-case) from now on.

With it, the existing unique rule on (organization, email) holds in any letter case. Pairs left
by crm 0013 (two contacts of one organization whose emails differ only in case) must not stop
the deploy: on PostgreSQL the check is added NOT VALID (every new or changed row is checked) and
validated only when no such row is left; SQLite, which has no NOT VALID, adds it only then (and
otherwise says so; `manage.py contact_email_collisions` lists the pairs to merge).
"""

from django.db import migrations, models
from django.db.models.functions import Lower, Trim

from core.db.operations import sqlite_plain_indexes

NAME = "crm_contact_email_normalized"


def _constraint() -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(email__isnull=True) | models.Q(email=Lower(Trim("email"))), name=NAME
    )


class AddEmailCheckTolerantOfCollisions(migrations.AddConstraint):
    def __init__(self):
        super().__init__(model_name="contact", constraint=_constraint())

    def deconstruct(self):
        return (self.__class__.__name__, [], {})

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if schema_editor.collect_sql:  # sqlmigrate and the linter: the statements, not the data
            unnormalized = False
        else:
            manager = model._base_manager.using(schema_editor.connection.alias)
            unnormalized = manager.exclude(self.constraint.condition).exists()
        if schema_editor.connection.vendor == "postgresql":
            table = schema_editor.quote_name(model._meta.db_table)
            check = self.constraint._get_check_sql(model, schema_editor)
            schema_editor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {NAME} CHECK ({check}) NOT VALID"
            )
            if not unnormalized:
                schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {NAME}")
            return
        if unnormalized:
            print(
                f"\n  {NAME} not added: some contacts' emails differ only in case within an "
                "organization; run `manage.py contact_email_collisions`, merge them, migrate "
                "again from crm 0013."
            )
            return
        with sqlite_plain_indexes(model):
            schema_editor.add_constraint(model, self.constraint)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor == "postgresql":
            table = schema_editor.quote_name(model._meta.db_table)
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {NAME}")
            return
        if NAME in schema_editor.connection.introspection.get_constraints(
            schema_editor.connection.cursor(), model._meta.db_table
        ):
            with sqlite_plain_indexes(model):
                schema_editor.remove_constraint(model, self.constraint)


class Migration(migrations.Migration):
    # NOT VALID commits before VALIDATE reads the table, so writes go on meanwhile.
    atomic = False

    dependencies = [
        ("crm", "0013_lowercase_contact_emails"),
    ]

    operations = [AddEmailCheckTolerantOfCollisions()]
