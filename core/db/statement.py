"""Several writes sent to PostgreSQL as ONE statement: a chain of data-modifying CTEs.

``WITH lead AS (INSERT ... RETURNING ...), msg AS (INSERT ... SELECT ... FROM lead), ...
SELECT ...`` is atomic on its own: outside a transaction it commits or writes nothing, without
BEGIN and COMMIT; inside the caller's transaction it is one more statement of it. Every part
sees the database as it was before the statement (one snapshot), so a part that needs another's
row reads it from that part's RETURNING, never from the table.

Rows are built as model instances and their values prepared as Django's own INSERT prepares
them (defaults, ``pre_save``, ``get_db_prep_save``), so a part writes what ``.create()`` would;
only the columns given as SQL expressions (a foreign key from an earlier part's RETURNING, a
value that depends on what the upsert found) differ. PostgreSQL only: SQLite has no
data-modifying CTEs.
"""

from django.db import connections
from django.db.models import NOT_PROVIDED, Model
from django.db.models.expressions import DatabaseDefault

# '"table" ("a", "b")' per (vendor, table, columns): a few per model, quoted once per process.
_QUOTED: dict[tuple, str] = {}


def _quoted(connection, table: str, columns: tuple[str, ...]) -> str:
    key = (connection.vendor, table, columns)
    sql = _QUOTED.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        sql = _QUOTED[key] = f"{quote(table)} ({', '.join(quote(column) for column in columns)})"
    return sql


# An SQL expression with its parameters, e.g. ("lead.id", []) or ("lead.id = %s", [some_id]).
Sql = tuple[str, list]


class WriteStatement:
    def __init__(self, using: str):
        self.connection = connections[using]
        if self.connection.vendor != "postgresql":
            raise NotImplementedError("one-statement writes need PostgreSQL")
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
        meta = obj._meta
        columns, values, params = [], [], []
        for field in meta.local_concrete_fields:
            if field.generated:
                continue
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
            params.append(field.get_db_prep_save(value, self.connection))
        sql = f"INSERT INTO {_quoted(self.connection, meta.db_table, tuple(columns))}\n"
        if source is None:
            sql += f"VALUES ({', '.join(values)})"
        else:
            sql += f"SELECT {', '.join(values)} FROM {source}"
            if where is not None:
                sql += f" WHERE {where[0]}"
                params.extend(where[1])
        if on_conflict:
            sql += f"\n{on_conflict}"
        if returning:
            sql += f"\nRETURNING {returning}"
        return self.part(name, sql, params)

    @property
    def sql(self) -> str:
        return "WITH " + ",\n".join(self._parts)

    def run(self, select: str, params=()) -> tuple | None:
        """Send the parts and the final ``select`` as one statement; return its first row."""
        with self.connection.cursor() as cursor:
            cursor.execute(f"{self.sql}\n{select}", [*self._params, *params])
            return cursor.fetchone()
