"""Find where a live database has drifted from the migration history.

The expected schema is the one the applied migrations describe (the migration state at the
applied nodes), so a database that is merely behind shows only "not applied" migrations.
Compared: migrations (unapplied, unknown, inconsistent, model changes without a migration),
tables, columns (type, nullability, database default), primary keys, unique, foreign-key and
check constraints, and indexes. Constraints and indexes named in ``Meta`` are matched by name;
the ones Django names itself (``unique=True``, foreign keys, ``db_index``) by their columns,
because a renamed table keeps its old constraint names.

Over 400 lines on purpose: one comparison, the catalog reader and the expected-schema builder,
neither useful alone.
"""

import re
from dataclasses import asdict, dataclass, field

from django.apps import apps as global_apps
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState
from django.db.models import NOT_PROVIDED, CheckConstraint, UniqueConstraint
from django.db.models.fields import AutoFieldMixin

RECORDER_TABLE = "django_migrations"
# A table whose PostgreSQL comment starts with this belongs to another application sharing
# the database (adopt_database marks the ones it leaves alone); it is not drift.
UNMANAGED_TABLE_MARK = "leadcrm: not managed"


@dataclass(frozen=True)
class Difference:
    """One way the database differs from what the migrations describe."""

    kind: str
    table: str | None
    name: str | None
    message: str
    expected: str | None = None
    actual: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Column:
    type: str
    nullable: bool
    default: str | None
    identity: bool = False
    generated: bool = False


KIND_LABELS = {
    "unique": "unique constraint",
    "check": "check constraint",
    "pattern index": "LIKE index (pattern_ops)",
}


@dataclass
class Constraint:
    kind: str  # primary key | unique | foreign key | check | index | pattern index
    columns: tuple[str, ...]
    name: str | None = None
    target: tuple[str, str] | None = None
    named_in_models: bool = False
    matched: bool = field(default=False, compare=False)

    @property
    def signature(self) -> tuple:
        return (self.kind, self.columns, self.target)

    def describe(self) -> str:
        text = KIND_LABELS.get(self.kind, self.kind)
        if self.name and not self.name.startswith(("__", "fk_")):
            text += f" '{self.name}'"
        if self.columns:
            text += f" on ({', '.join(self.columns)})"
        if self.target:
            text += f" -> {self.target[0]}({self.target[1]})"
        return text


# --- type and default normalization -------------------------------------------------------

_TYPE_ALIASES = [
    (r"\bcharacter varying\b", "varchar"),
    (r"\bcharacter\b", "char"),
    (r"\btime without time zone\b", "time"),
    (r"\btimestamp without time zone\b", "timestamp"),
]


def normalize_type(value: str | None) -> str:
    text = re.sub(r"\s+", " ", (value or "").strip().lower())
    for pattern, replacement in _TYPE_ALIASES:
        text = re.sub(pattern, replacement, text)
    return re.sub(r"\s*([(),])\s*", r"\1", text)


def normalize_default(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    previous = None
    while text != previous:
        previous = text
        text = re.sub(r"::[a-z_ ]+(\(\d+(,\s*\d+)?\))?(\[\])?$", "", text, flags=re.I).strip()
        if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
            text = text[1:-1].strip()
    return text.lower()


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


# --- reading the live database ------------------------------------------------------------


def live_tables(connection) -> set[str]:
    with connection.cursor() as cursor:
        return {
            info.name
            for info in connection.introspection.get_table_list(cursor)
            if info.type in ("t", "p")
        }


def unmanaged_tables(connection) -> set[str]:
    """Return the tables marked as another application's (PostgreSQL table comments)."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind IN ('r', 'p') "
            "AND pg_catalog.pg_table_is_visible(c.oid) "
            "AND starts_with(obj_description(c.oid, 'pg_class'), %s)",
            [UNMANAGED_TABLE_MARK],
        )
        return {name for (name,) in cursor.fetchall()}


def live_columns(connection, table: str) -> dict[str, Column]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                       pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '',
                       a.attgenerated <> ''
                FROM pg_attribute a
                JOIN pg_class c ON c.oid = a.attrelid
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE c.relname = %s AND pg_catalog.pg_table_is_visible(c.oid)
                  AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """,
                [table],
            )
            return {
                name: Column(type_, nullable, None if generated else default, identity, generated)
                for name, type_, nullable, default, identity, generated in cursor.fetchall()
            }
        if connection.vendor == "sqlite":
            # table_xinfo also lists generated columns (hidden 2 = virtual, 3 = stored)
            cursor.execute(f"PRAGMA table_xinfo({connection.ops.quote_name(table)})")
            return {
                name: Column(
                    type_.lower().replace(" generated always", ""),
                    not notnull and not pk,
                    default,
                    bool(pk),
                    hidden in (2, 3),
                )
                for _cid, name, type_, notnull, default, pk, hidden in cursor.fetchall()
                if hidden != 1
            }
        return {
            info.name: Column(str(info.type_code), bool(info.null_ok), info.default)
            for info in connection.introspection.get_table_description(cursor, table)
        }


def live_constraints(connection, table: str) -> list[Constraint]:
    with connection.cursor() as cursor:
        raw = connection.introspection.get_constraints(cursor, table)
        pattern_indexes = set()
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT ic.relname FROM pg_index i
                JOIN pg_class ic ON ic.oid = i.indexrelid
                JOIN pg_class tc ON tc.oid = i.indrelid
                WHERE tc.relname = %s AND pg_catalog.pg_table_is_visible(tc.oid)
                  AND pg_get_indexdef(i.indexrelid) LIKE '%%\\_pattern\\_ops%%'
                """,
                [table],
            )
            pattern_indexes = {name for (name,) in cursor.fetchall()}
    found = []
    for name, info in raw.items():
        columns = tuple(column for column in info["columns"] if column)
        if info["primary_key"]:
            kind = "primary key"
        elif info["foreign_key"]:
            found.append(
                Constraint("foreign key", columns, name, target=tuple(info["foreign_key"]))
            )
            continue
        elif info["check"]:
            kind, columns = "check", tuple(sorted(set(columns)))
        elif info["unique"]:
            kind = "unique"
        elif info["index"]:
            kind = "pattern index" if name in pattern_indexes else "index"
        else:
            continue
        found.append(Constraint(kind, columns, name))
    return found


# --- what the migrations expect -----------------------------------------------------------


def expected_models(state: ProjectState) -> dict[str, type]:
    models = {}
    for model in state.apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.swapped:
            continue
        models.setdefault(meta.db_table, model)
    return models


def expected_columns(connection, model) -> dict[str, tuple[Column, object]]:
    columns = {}
    for model_field in model._meta.local_concrete_fields:
        if getattr(model_field, "generated", False):
            # a generated column: its type is the output field's, it is always nullable
            # and its expression is not a default
            output = model_field.output_field.db_parameters(connection=connection)
            columns[model_field.column] = (
                Column(output["type"], True, None, False, True),
                model_field,
            )
            continue
        params = model_field.db_parameters(connection=connection)
        if params["type"] is None:
            continue
        default = None
        if model_field.db_default is not NOT_PROVIDED:
            default = _db_default_sql(connection, model_field)
        nullable = model_field.null and not model_field.primary_key
        columns[model_field.column] = (
            Column(params["type"], nullable, default, isinstance(model_field, AutoFieldMixin)),
            model_field,
        )
    return columns


def _db_default_sql(connection, model_field) -> str:
    editor = connection.SchemaEditorClass(connection, collect_sql=True)
    sql, params = editor.db_default_sql(model_field)
    if params:
        sql = sql % tuple(editor.quote_value(param) for param in params)
    return sql


def expected_constraints(connection, model) -> list[Constraint]:
    meta = model._meta
    expected = []
    pk_fields = getattr(meta, "pk_fields", None) or [meta.pk]
    expected.append(Constraint("primary key", tuple(f.column for f in pk_fields)))
    for model_field in meta.local_concrete_fields:
        column = model_field.column
        db_type = model_field.db_type(connection=connection)
        if db_type is None:
            continue
        if model_field.unique and not model_field.primary_key:
            expected.append(Constraint("unique", (column,)))
        if (
            model_field.is_relation
            and model_field.remote_field
            and getattr(model_field, "db_constraint", False)
            and connection.features.supports_foreign_keys
        ):
            target = model_field.remote_field.model._meta.db_table
            target_column = model_field.target_field.column
            expected.append(Constraint("foreign key", (column,), target=(target, target_column)))
        if model_field.db_index and not model_field.unique:
            expected.append(Constraint("index", (column,)))
        if _has_pattern_index(connection, model_field, db_type):
            expected.append(Constraint("pattern index", (column,)))
        if model_field.db_parameters(connection=connection).get("check"):
            expected.append(Constraint("check", (column,)))
    for fields in meta.unique_together:
        columns = tuple(meta.get_field(name).column for name in fields)
        expected.append(Constraint("unique", columns))
    for constraint in meta.constraints:
        if isinstance(constraint, UniqueConstraint):
            columns = tuple(meta.get_field(name).column for name in constraint.fields)
            expected.append(Constraint("unique", columns, constraint.name, named_in_models=True))
        elif isinstance(constraint, CheckConstraint):
            expected.append(Constraint("check", (), constraint.name, named_in_models=True))
    for index in meta.indexes:
        columns = tuple(
            meta.get_field(name.lstrip("-")).column for name in getattr(index, "fields", [])
        )
        expected.append(Constraint("index", columns, index.name, named_in_models=True))
    return expected


def _has_pattern_index(connection, model_field, db_type: str) -> bool:
    if connection.vendor != "postgresql" or "[" in db_type:
        return False
    if not (model_field.db_index or model_field.unique):
        return False
    if getattr(model_field, "db_collation", None):
        return False  # non-deterministic collations get none; too rare to introspect here
    return db_type.startswith(("varchar", "text"))


# --- comparing ----------------------------------------------------------------------------


def _null(nullable: bool) -> str:
    return "NULL" if nullable else "NOT NULL"


def compare_columns(connection, table: str, model) -> list[Difference]:
    differences = []
    expected = expected_columns(connection, model)
    actual = live_columns(connection, table)
    for name, (want, model_field) in expected.items():
        have = actual.get(name)
        if have is None:
            differences.append(
                Difference(
                    "column_missing",
                    table,
                    name,
                    f"column '{name}' is missing "
                    f"(model {model._meta.label}.{model_field.name}: "
                    f"{want.type} {_null(want.nullable)})",
                    expected=f"{want.type} {_null(want.nullable)}",
                )
            )
            continue
        if normalize_type(have.type) != normalize_type(want.type):
            differences.append(
                Difference(
                    "column_type",
                    table,
                    name,
                    f"column '{name}' has type {have.type}; the models expect {want.type}",
                    expected=want.type,
                    actual=have.type,
                )
            )
        if have.nullable != want.nullable:
            differences.append(
                Difference(
                    "column_null",
                    table,
                    name,
                    f"column '{name}' is {_null(have.nullable)}; "
                    f"the models expect {_null(want.nullable)}",
                    expected=_null(want.nullable),
                    actual=_null(have.nullable),
                )
            )
        if have.generated != want.generated:
            differences.append(
                Difference(
                    "column_generated",
                    table,
                    name,
                    f"column '{name}' is {'' if have.generated else 'not '}generated; "
                    f"the models expect {'a generated' if want.generated else 'a plain'} column",
                    expected="generated" if want.generated else "plain",
                    actual="generated" if have.generated else "plain",
                )
            )
            continue
        differences.extend(_compare_default(connection, table, name, want, have))
    for name, have in actual.items():
        if name not in expected:
            differences.append(
                Difference(
                    "column_extra",
                    table,
                    name,
                    f"column '{name}' is not in the models ({have.type} {_null(have.nullable)})",
                    actual=f"{have.type} {_null(have.nullable)}",
                )
            )
    return differences


def _compare_default(connection, table, name, want: Column, have: Column) -> list[Difference]:
    have_default = have.default
    serial = (have_default or "").lower().startswith("nextval(")
    if want.identity and serial:
        have_default = None  # a serial column: auto-increment, not a model default
    if want.identity and connection.vendor == "postgresql" and not (have.identity or serial):
        return [
            Difference(
                "column_default",
                table,
                name,
                f"column '{name}' does not generate values (no identity or sequence); "
                "the models expect an auto-incrementing key",
                expected="identity",
                actual=have.default,
            )
        ]
    if normalize_default(have_default) == normalize_default(want.default):
        return []
    if want.default is None:
        message = f"column '{name}' has database default {have_default}; the models define none"
    elif have_default is None:
        message = f"column '{name}' has no database default; the models expect {want.default}"
    else:
        message = (
            f"column '{name}' has database default {have_default}; the models expect {want.default}"
        )
    return [
        Difference(
            "column_default", table, name, message, expected=want.default, actual=have_default
        )
    ]


def compare_constraints(connection, table: str, model) -> list[Difference]:
    expected = expected_constraints(connection, model)
    actual = live_constraints(connection, table)
    by_name = {constraint.name: constraint for constraint in actual}
    for want in expected:
        if want.named_in_models:
            have = by_name.get(want.name)
            if have is not None and not have.matched and have.kind in _kinds_for(want.kind):
                have.matched = want.matched = True
    for want in expected:
        if want.matched or want.named_in_models:
            continue
        for have in actual:
            if not have.matched and have.signature == want.signature:
                have.matched = want.matched = True
                break
    missing = [want for want in expected if not want.matched]
    differences = [
        Difference(
            f"{_slug(want.kind)}_missing",
            table,
            want.name,
            f"{want.describe()} is missing",
            expected=want.describe(),
        )
        for want in missing
    ]
    differences += [
        Difference(
            f"{_slug(have.kind)}_extra",
            table,
            have.name,
            f"{have.describe()} is not in the models",
            actual=have.describe(),
        )
        for have in actual
        if not have.matched
    ]
    return differences


def _kinds_for(kind: str) -> set[str]:
    # A named index may be unique in the database only through Meta.constraints, never here.
    return {"index", "pattern index"} if kind == "index" else {kind}


def _slug(kind: str) -> str:
    return kind.replace(" ", "_")


# --- migrations ---------------------------------------------------------------------------


def compare_migrations(connection, executor: MigrationExecutor) -> list[Difference]:
    loader = executor.loader
    differences = []
    try:
        loader.check_consistent_history(connection)
    except InconsistentMigrationHistory as exc:
        differences.append(
            Difference("migration_history_inconsistent", None, None, f"{exc}".strip())
        )
    plan = executor.migration_plan(loader.graph.leaf_nodes(), clean_start=False)
    for migration, _backwards in plan:
        differences.append(
            Difference(
                "migration_unapplied",
                None,
                f"{migration.app_label}.{migration.name}",
                f"migration {migration.app_label}.{migration.name} is not applied",
            )
        )
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(tuple(key) for key in migration.replaces)
    recorded = executor.recorder.applied_migrations() if executor.recorder.has_table() else {}
    for app_label, name in sorted(set(recorded) - known):
        differences.append(
            Difference(
                "migration_unknown",
                None,
                f"{app_label}.{name}",
                f"migration {app_label}.{name} is recorded as applied "
                "but does not exist in the code",
            )
        )
    changes = MigrationAutodetector(
        loader.project_state(), ProjectState.from_apps(global_apps)
    ).changes(graph=loader.graph)
    for app_label in sorted(changes):
        differences.append(
            Difference(
                "models_without_migration",
                None,
                app_label,
                f"app '{app_label}' has model changes that no migration holds (run makemigrations)",
            )
        )
    return differences


def applied_state(executor: MigrationExecutor) -> ProjectState:
    """Return the schema state that the applied migrations describe."""
    loader = executor.loader
    nodes = [key for key in loader.applied_migrations if key in loader.graph.nodes]
    if not nodes:
        return ProjectState(real_apps=loader.unmigrated_apps)
    return loader.graph.make_state(nodes=nodes, at_end=True, real_apps=loader.unmigrated_apps)


# --- entry point --------------------------------------------------------------------------


def find_drift(connection) -> tuple[list[Difference], int]:
    """Return the differences and the number of tables compared."""
    executor = MigrationExecutor(connection)
    differences = compare_migrations(connection, executor)
    models = expected_models(applied_state(executor))
    tables = live_tables(connection)
    for table in sorted(set(models) - tables):
        differences.append(
            Difference(
                "table_missing",
                table,
                table,
                f"table is missing (model {models[table]._meta.label})",
            )
        )
    for table in sorted(tables - set(models) - {RECORDER_TABLE} - unmanaged_tables(connection)):
        differences.append(
            Difference(
                "table_extra",
                table,
                table,
                "table exists, but neither the models nor an applied migration create it",
            )
        )
    compared = sorted(set(models) & tables)
    for table in compared:
        differences += compare_columns(connection, table, models[table])
        differences += compare_constraints(connection, table, models[table])
    return differences, len(compared)


def format_report(differences: list[Difference]) -> list[str]:
    """Return readable lines grouped by table; migration findings come first."""
    lines = []
    general = [d for d in differences if d.table is None]
    if general:
        lines.append("migrations:")
        lines += [f"  - {d.message}" for d in general]
    for table in sorted({d.table for d in differences if d.table is not None}):
        lines.append(f"table {table}:")
        lines += [f"  - {d.message}" for d in differences if d.table == table]
    return lines
