"""Several writes sent to PostgreSQL as ONE statement: a chain of data-modifying CTEs.

``WITH lead AS (INSERT ... RETURNING ...), msg AS (INSERT ... SELECT ... FROM lead), ...
SELECT ...`` is atomic on its own: outside a transaction it commits or writes nothing, without
BEGIN and COMMIT; inside the caller's transaction it is one more statement of it. Every part
sees the database as it was before the statement (one snapshot), so a part that needs another's
row reads it from that part's RETURNING, never from the table.

A part writes what ``.create()`` would. ``insert`` takes a model instance and prepares its
values as Django's own INSERT does (defaults, ``pre_save``, ``get_db_prep_save``).
``insert_row`` takes the model and only the values the caller has; the rest are the model's
defaults, worked out as a model instance would: a callable default is called per row, a fixed
one is prepared once per process and written into the SQL as a literal. Both keep the part's SQL per shape (model, columns,
expressions), built once per process, so a hot path (a public form's submission) pays only for
its values. Only the columns given as SQL expressions (a foreign key from an earlier part's
RETURNING, a value that depends on what the upsert found) differ from ``.create()``.
PostgreSQL only: SQLite has no data-modifying CTEs.
"""

import uuid
from datetime import datetime

from django.db import connections
from django.db.models import (
    NOT_PROVIDED,
    CharField,
    DateTimeField,
    Field,
    Model,
    TextField,
    UUIDField,
)
from django.db.models.expressions import DatabaseDefault

# An SQL expression with its parameters, e.g. ("lead.id", []) or ("lead.id = %s", [some_id]).
Sql = tuple[str, list]

# How a column of an ``insert_row`` part gets its parameter.
_VALUE, _CALLED_DEFAULT, _EXPRESSION = range(3)

# One entry per part shape, built on first use: a few per model and process.
_SQL: dict[tuple, str] = {}
_PLANS: dict[tuple, tuple[str, list]] = {}


def _is_str(value) -> bool:
    return type(value) is str


def _is_uuid(value) -> bool:
    return type(value) is uuid.UUID


def _is_aware_datetime(value) -> bool:
    return type(value) is datetime and value.tzinfo is not None


def _as_is_test(field: Field, connection):
    """A test for the values ``field.get_db_prep_save`` returns unchanged on PostgreSQL, so a
    hot path may skip its five calls: str for Django's own text columns, UUID for its UUID
    columns, an aware datetime for its datetime columns; None for any other field, or one
    that changes how it prepares."""
    kind = type(field)
    if connection.vendor != "postgresql" or any(
        getattr(kind, method) is not getattr(Field, method) for method in ("get_db_prep_save",)
    ):
        return None
    own = {  # the field's methods must be Django's own, as in the class named
        CharField: (_is_str, ("get_db_prep_value", "get_prep_value", "to_python")),
        TextField: (_is_str, ("get_db_prep_value", "get_prep_value", "to_python")),
        UUIDField: (_is_uuid, ("get_db_prep_value", "to_python")),
        DateTimeField: (_is_aware_datetime, ("get_db_prep_value", "get_prep_value", "to_python")),
    }
    for base, (test, methods) in own.items():
        if isinstance(field, base) and all(
            getattr(kind, method) is getattr(base, method) for method in methods
        ):
            return test
    return None


# Per (field, database): the field and its test. Keyed by the field's id, not the field (a
# model field's hash is computed on every call); the field is kept, so its id stays its own.
_AS_IS: dict[tuple, tuple] = {}


def value_prepare(field: Field, value, connection):
    """``field.get_db_prep_save(value, connection)``, without its calls for a value it would
    return unchanged."""
    key = (id(field), connection.vendor)
    try:
        _, test = _AS_IS[key]
    except KeyError:
        test = _as_is_test(field, connection)
        _AS_IS[key] = (field, test)
    if test is not None and test(value):
        return value
    return field.get_db_prep_save(value, connection)


def _concrete_fields(model: type[Model]) -> list:
    return [field for field in model._meta.local_concrete_fields if not field.generated]


def _part_sql(
    connection,
    table: str,
    columns: tuple[str, ...],
    values: tuple[str, ...],
    *,
    source: str | None,
    where: str | None,
    on_conflict: str,
    returning: str,
) -> str:
    """One part's INSERT, built once per shape and database, then taken from ``_SQL``."""
    key = (connection.alias, table, columns, values, source, where, on_conflict, returning)
    sql = _SQL.get(key)
    if sql is not None:
        return sql
    quote = connection.ops.quote_name
    sql = f"INSERT INTO {quote(table)} ({', '.join(quote(column) for column in columns)})\n"
    if source is None:
        sql += f"VALUES ({', '.join(values)})"
    else:
        sql += f"SELECT {', '.join(values)} FROM {source}"
        if where is not None:
            sql += f" WHERE {where}"
    if on_conflict:
        sql += f"\n{on_conflict}"
    if returning:
        sql += f"\nRETURNING {returning}"
    _SQL[key] = sql
    return sql


class WriteStatement:
    def __init__(self, using: str):
        self.connection = connections[using]
        if self.connection.vendor != "postgresql":
            raise NotImplementedError("one-statement writes need PostgreSQL")
        self.using = using
        self.quote = self.connection.ops.quote_name
        self._parts: list[str] = []
        self._params: list = []

    def part(self, name: str, sql: str, params=()) -> str:
        """Add ``name AS (sql)``; return ``name`` for the parts that read its RETURNING."""
        self._parts.append(f"{name} AS (\n{sql}\n)")
        self._params.extend(params)
        return name

    def insert(
        self,
        name: str,
        obj: Model,
        *,
        expressions: dict[str, Sql] | None = None,
        source: str | None = None,
        where: Sql | None = None,
        on_conflict: str = "",
        returning: str = "",
    ) -> str:
        """Add an INSERT of ``obj``'s row as part ``name``.

        ``expressions`` maps column names (attnames) to SQL that replaces the instance's value,
        e.g. ``{"lead_id": ("lead.id", [])}``. With ``source`` (an earlier part's name) the row
        is ``SELECT ... FROM source [WHERE where]``: one row per row that part returned.
        """
        expressions = expressions or {}
        columns, values, params = [], [], []
        for field in _concrete_fields(type(obj)):
            if field.attname in expressions:
                sql, sql_params = expressions[field.attname]
                columns.append(field.column)
                values.append(sql)
                params.extend(sql_params)
                continue
            if field.primary_key and getattr(obj, field.attname) is None:
                continue  # an auto-increment id: the database numbers it
            value = field.pre_save(obj, True)
            if isinstance(value, DatabaseDefault):
                continue
            if value is None and field.db_default is NOT_PROVIDED:
                continue  # left out, the column is NULL all the same: one parameter fewer
            columns.append(field.column)
            values.append("%s")
            params.append(value_prepare(field, value, self.connection))
        sql = _part_sql(
            self.connection,
            obj._meta.db_table,
            tuple(columns),
            tuple(values),
            source=source,
            where=where and where[0],
            on_conflict=on_conflict,
            returning=returning,
        )
        if where is not None:
            params.extend(where[1])
        return self.part(name, sql, params)

    def insert_row(
        self,
        name: str,
        model: type[Model],
        values: dict,
        *,
        expressions: dict[str, Sql] | None = None,
        source: str | None = None,
        where: Sql | None = None,
        on_conflict: str = "",
        returning: str = "",
    ) -> str:
        """Add an INSERT of a new ``model`` row with ``values`` (by attname) as part ``name``;
        every other column gets the model's default, as ``model(**values)`` would give it.

        ``expressions``, ``source`` and ``where`` as for ``insert``.
        """
        expressions = expressions or {}
        sql, plan = self._plan(
            model, values, expressions, source, where and where[0], on_conflict, returning
        )
        connection = self.connection
        params = []
        for how, field in plan:
            if how == _EXPRESSION:
                params.extend(expressions[field.attname][1])
                continue
            value = values[field.attname] if how == _VALUE else field.get_default()
            params.append(value_prepare(field, value, connection))
        if where is not None:
            params.extend(where[1])
        return self.part(name, sql, params)

    def _plan(self, model, values, expressions, source, where, on_conflict, returning):
        """The part's SQL and, per column, where its parameter comes from; built once per
        shape and process."""
        key = (
            self.using,
            model,
            tuple(values),
            tuple((attname, sql) for attname, (sql, _) in expressions.items()),
            source,
            where,
            on_conflict,
            returning,
        )
        found = _PLANS.get(key)
        if found is not None:
            return found
        unknown = set(values) - {field.attname for field in _concrete_fields(model)}
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        columns, sql_values, plan = [], [], []
        for field in _concrete_fields(model):
            attname = field.attname
            if attname in expressions:
                sql_value = expressions[attname][0]
                plan.append((_EXPRESSION, field))
            elif attname in values:
                sql_value = "%s"
                plan.append((_VALUE, field))
            elif field.has_default() and callable(field.default):
                sql_value = "%s"
                plan.append((_CALLED_DEFAULT, field))
            else:
                default = field.get_default()
                if default is None or isinstance(default, DatabaseDefault):
                    continue  # NULL, or the database's own default: the column is left out
                # A fixed default goes into the SQL as a literal, quoted by the driver as it
                # quotes parameters (% doubled: the text still goes through parameter binding).
                prepared = field.get_db_prep_save(default, self.connection)
                literal = self.connection.ops.compose_sql("%s", [prepared])
                sql_value = literal.replace("%", "%%")
            columns.append(field.column)
            sql_values.append(sql_value)
        sql = _part_sql(
            self.connection,
            model._meta.db_table,
            tuple(columns),
            tuple(sql_values),
            source=source,
            where=where,
            on_conflict=on_conflict,
            returning=returning,
        )
        found = _PLANS[key] = (sql, plan)
        return found

    @property
    def sql(self) -> str:
        return "WITH " + ",\n".join(self._parts)

    def run(self, select: str, params=()) -> tuple | None:
        """Send the parts and the final ``select`` as one statement; return its first row."""
        with self.connection.cursor() as cursor:
            cursor.execute(f"{self.sql}\n{select}", [*self._params, *params])
            return cursor.fetchone()
