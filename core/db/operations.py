"""Migration operations shared by the apps."""

from contextlib import contextmanager

from django.contrib.postgres.indexes import OpClass
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import models
from django.db.migrations.operations import AddConstraint, AddField


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """Build an index without blocking writes on PostgreSQL; a plain CREATE INDEX elsewhere.

    ``CREATE INDEX CONCURRENTLY`` cannot run in a transaction, so the migration that uses this
    must say ``atomic = False`` (and hold nothing else that needs one). SQLite, the embedded
    default, has no concurrent build; its tables are small enough for a plain one.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index)


class RemoveIndexConcurrentlyOnPostgres(RemoveIndexConcurrently):
    """Drop an index without blocking writes on PostgreSQL; a plain DROP INDEX elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.remove_index(model, index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.add_index(model, index)


def _plain_index(index: models.Index) -> models.Index:
    """The index as the migrations built it on SQLite: the bare expressions, the same name."""
    if type(index) is models.Index and not any(
        isinstance(expression, OpClass) for expression in index.expressions
    ):
        return index
    if not index.expressions:
        return models.Index(fields=index.fields, name=index.name)
    expressions = [
        expression.source_expressions[0] if isinstance(expression, OpClass) else expression
        for expression in index.expressions
    ]
    return models.Index(*expressions, name=index.name)


@contextmanager
def sqlite_plain_indexes(*models_to_patch):
    """Let SQLite rebuild a table whose state holds PostgreSQL-only indexes.

    SQLite changes a column or a constraint by copying the table and recreating its indexes
    from the model state; an operator class (text_pattern_ops) or a GIN index is a syntax error
    there. For the rebuild, those indexes become the plain expression indexes that the
    migrations created on SQLite in the first place.
    """
    saved = [(model, model._meta.indexes) for model in models_to_patch]
    try:
        for model, indexes in saved:
            model._meta.indexes = [_plain_index(index) for index in indexes]
        yield
    finally:
        for model, indexes in saved:
            model._meta.indexes = indexes


class SqliteSafeAddField(AddField):
    """AddField that survives SQLite's table rebuild on a table with PostgreSQL-only indexes."""

    def _run(self, method, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return method(app_label, schema_editor, from_state, to_state)
        with sqlite_plain_indexes(
            from_state.apps.get_model(app_label, self.model_name),
            to_state.apps.get_model(app_label, self.model_name),
        ):
            return method(app_label, schema_editor, from_state, to_state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(super().database_forwards, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(super().database_backwards, app_label, schema_editor, from_state, to_state)


class AddCheckConstraintNotValidOnPostgres(AddConstraint):
    """Add a check constraint to a live table without a long lock on PostgreSQL.

    ``ADD CONSTRAINT ... NOT VALID`` takes a brief lock and checks only new writes; the
    ``VALIDATE CONSTRAINT`` that follows reads the table while writes go on. Each commits on its
    own, so the migration that uses this must say ``atomic = False``. Elsewhere (SQLite) the
    schema editor adds it as usual.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor != "postgresql":
            with sqlite_plain_indexes(model):
                schema_editor.add_constraint(model, self.constraint)
            return
        table = schema_editor.quote_name(model._meta.db_table)
        name = schema_editor.quote_name(self.constraint.name)
        check = self.constraint._get_check_sql(model, schema_editor)
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({check}) NOT VALID"
        )
        schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        with sqlite_plain_indexes(model):
            schema_editor.remove_constraint(model, self.constraint)


class AddSearchIndexConcurrentlyOnPostgres(AddIndexConcurrentlyOnPostgres):
    """A PostgreSQL search index (trigram GIN, operator classes) built concurrently; elsewhere
    the plain expression index of the same name, which SQLite can build."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        schema_editor.add_index(model, _plain_index(self.index))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        schema_editor.remove_index(model, _plain_index(self.index))
