"""Read a live PostgreSQL schema from the catalogs and compare it with an expected one.

A table's shape is written the way ``\\d`` would say it, one line per column and one per
key, constraint or index, so an expected schema is plain data (see ``prisma.py`` and
``supabase.py``) and a difference is a line that is missing or unexpected.
"""

from dataclasses import dataclass, field

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
FK_ACTIONS = {
    "a": "no action",
    "r": "restrict",
    "c": "cascade",
    "n": "set null",
    "d": "set default",
}


class AdoptionError(Exception):
    """The database cannot be adopted as it is; nothing was changed."""


class ChangedSinceInspection(Exception):
    """Rows changed between the inspection and the conversion; the transaction rolls back."""


@dataclass(frozen=True)
class TableShape:
    """A table as the catalogs describe it."""

    columns: dict[str, str]  # name -> "type NULL|NOT NULL [default ...]"
    keys: frozenset[str]  # primary keys, unique/foreign/check constraints and indexes


@dataclass
class Inspection:
    """What the source database looks like, and what stops the adoption."""

    source: str
    differences: list[str] = field(default_factory=list)
    bad_rows: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)  # converted table -> rows
    left_alone: dict[str, int] = field(default_factory=dict)  # other table -> rows
    functions: dict[str, str] = field(default_factory=dict)  # dropped function -> definition
    other_functions: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)  # source-specific findings for the plan

    @property
    def refused(self) -> bool:
        return bool(self.differences or self.bad_rows)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def public_tables(cursor) -> set[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
    )
    return {name for (name,) in cursor.fetchall()}


def row_counts(cursor, tables) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT count(*) FROM public.{quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def table_shape(cursor, table: str) -> TableShape:
    """Return the columns, keys, constraints and indexes of ``public.<table>``."""
    cursor.execute(
        """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = 'public' AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """,
        [table],
    )
    columns = {}
    for name, type_, not_null, default in cursor.fetchall():
        text = f"{type_} {'NOT NULL' if not_null else 'NULL'}"
        columns[name] = text + (f" default {default}" if default is not None else "")
    keys = set()
    cursor.execute(
        """
        SELECT con.conname, con.contype,
               ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
                     ORDER BY k.i)::text[],
               ref.relname,
               ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
                     ORDER BY k.i)::text[],
               con.confdeltype, con.confupdtype, pg_get_constraintdef(con.oid)
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_class ref ON ref.oid = con.confrelid
        WHERE n.nspname = 'public' AND c.relname = %s
        """,
        [table],
    )
    constraint_indexes = set()
    for name, kind, cols, ref, ref_cols, on_delete, on_update, definition in cursor.fetchall():
        listed = ", ".join(cols or [])
        if kind == "p":
            keys.add(f"primary key {name} ({listed})")
            constraint_indexes.add(name)
        elif kind == "u":
            keys.add(f"unique constraint {name} ({listed})")
            constraint_indexes.add(name)
        elif kind == "f":
            keys.add(
                f"foreign key {name} ({listed}) -> {ref}({', '.join(ref_cols)}) "
                f"on delete {FK_ACTIONS[on_delete]} on update {FK_ACTIONS[on_update]}"
            )
        elif kind == "c":
            keys.add(f"check {name} {definition}")
        else:
            keys.add(f"constraint {name} {definition}")
    cursor.execute(
        """
        SELECT ic.relname, i.indisunique,
               ARRAY(SELECT pg_get_indexdef(i.indexrelid, k + 1, true)
                     FROM generate_subscripts(i.indkey, 1) k ORDER BY k)::text[]
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = %s
        """,
        [table],
    )
    for name, unique, cols in cursor.fetchall():
        if name not in constraint_indexes:
            kind = "unique index" if unique else "index"
            keys.add(f"{kind} {name} ({', '.join(_unquoted(col) for col in cols)})")
    cursor.execute(
        """
        SELECT 'trigger ' || t.tgname FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = %s AND NOT t.tgisinternal
        UNION ALL
        SELECT 'row level security policy ' || p.polname FROM pg_policy p
        JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = %s
        UNION ALL
        SELECT 'row level security enabled' FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = %s AND c.relrowsecurity
        """,
        [table, table, table],
    )
    keys.update(line for (line,) in cursor.fetchall())
    return TableShape(columns, frozenset(keys))


def _unquoted(identifier: str) -> str:
    if len(identifier) > 1 and identifier[0] == identifier[-1] == '"':
        return identifier[1:-1].replace('""', '"')
    return identifier


def compare_table(table: str, expected: TableShape, actual: TableShape) -> list[str]:
    """Return one line per difference between the expected and the live table."""
    differences = []
    for name, want in expected.columns.items():
        have = actual.columns.get(name)
        if have is None:
            differences.append(f'table "{table}": column "{name}" is missing (expected {want})')
        elif have != want:
            differences.append(f'table "{table}": column "{name}" is {have}; expected {want}')
    for name, have in actual.columns.items():
        if name not in expected.columns:
            differences.append(f'table "{table}": unexpected column "{name}" ({have})')
    for key in sorted(expected.keys - actual.keys):
        differences.append(f'table "{table}": missing {key}')
    for key in sorted(actual.keys - expected.keys):
        differences.append(f'table "{table}": unexpected {key}')
    return differences


def enum_types(cursor) -> dict[str, list[str]]:
    """Return the enum types of the public schema with their labels in order."""
    cursor.execute(
        """
        SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[]
        FROM pg_type t
        JOIN pg_enum e ON e.enumtypid = t.oid
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public'
        GROUP BY t.typname
        """
    )
    return dict(cursor.fetchall())


def public_functions(cursor) -> dict[str, tuple[str, bool, str]]:
    """Return name -> (identity arguments, security definer, definition) of public functions."""
    cursor.execute(
        """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), p.prosecdef,
               pg_get_functiondef(p.oid)
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
        WHERE n.nspname = 'public' AND p.prokind = 'f' AND d.objid IS NULL
        ORDER BY p.proname
        """
    )
    return {name: (args, definer, definition) for name, args, definer, definition in cursor}


def foreign_keys_into(cursor, tables: set[str]) -> list[tuple[str, str, str]]:
    """Return (constraint, from table, to table) for keys from other tables into ``tables``."""
    cursor.execute(
        """
        SELECT con.conname, src.relname, dst.relname
        FROM pg_constraint con
        JOIN pg_class src ON src.oid = con.conrelid
        JOIN pg_class dst ON dst.oid = con.confrelid
        JOIN pg_namespace n ON n.oid = dst.relnamespace
        WHERE con.contype = 'f' AND n.nspname = 'public'
        """
    )
    return [
        (name, src, dst)
        for name, src, dst in cursor.fetchall()
        if dst in tables and src not in tables
    ]


def offending_rows(cursor, description: str, sql: str, limit: int = 50) -> list[str]:
    """Run ``sql`` (selecting a table name and a row description) and describe each hit."""
    cursor.execute(f"{sql} LIMIT {limit + 1}")
    rows = cursor.fetchall()
    lines = [f"{table} {row}: {description}" for table, row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"... and more rows where {description} (first {limit} shown)")
    return lines
