"""check_drift: each hand-made change to a migrated database is reported, on both backends.

The changes are made to Django's own tables (and one long-lived lms table) so that the cases
keep working while the project's apps get new migrations.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from core.db.drift import find_drift


def sqlite_rebuild(table: str, change: Callable[[str], str]) -> Callable:
    """Return a step that rewrites ``table``'s CREATE TABLE the way SQLite's ALTER can't."""

    def rebuild(cursor) -> None:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        (create_sql,) = cursor.fetchone()
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [table],
        )
        index_sql = [row[0] for row in cursor.fetchall()]
        changed = change(create_sql)
        assert changed != create_sql, "the SQLite rewrite did not change anything"
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute(changed.replace(f'CREATE TABLE "{table}"', 'CREATE TABLE "drift_tmp"', 1))
        cursor.execute(f'INSERT INTO "drift_tmp" SELECT * FROM "{table}"')
        cursor.execute(f'DROP TABLE "{table}"')
        cursor.execute(f'ALTER TABLE "drift_tmp" RENAME TO "{table}"')
        for statement in index_sql:
            cursor.execute(statement)

    return rebuild


def pg_drop_index_on(table: str, column: str) -> Callable:
    def drop(cursor) -> None:
        cursor.execute(
            """
            SELECT ic.relname FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
            JOIN pg_attribute a ON a.attrelid = tc.oid AND a.attnum = i.indkey[0]
            WHERE tc.relname = %s AND a.attname = %s AND NOT i.indisunique
            """,
            [table, column],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')

    return drop


def sqlite_drop_index_on(table: str, column: str) -> Callable:
    def drop(cursor) -> None:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql LIKE %s",
            [table, f'%("{column}")%'],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')

    return drop


def pg_drop_constraint(table: str, contype: str, column: str) -> Callable:
    def drop(cursor) -> None:
        cursor.execute(
            """
            SELECT c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1]
            WHERE t.relname = %s AND c.contype = %s AND a.attname = %s
            """,
            [table, contype, column],
        )
        (name,) = cursor.fetchone()
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')

    return drop


@dataclass
class Case:
    id: str
    postgresql: str | Callable
    sqlite: str | Callable
    kind: str
    table: str | None
    name: str | None
    words: str  # must appear in the readable message


CASES = [
    Case(
        "drop-column",
        'ALTER TABLE auth_user DROP COLUMN "first_name"',
        'ALTER TABLE auth_user DROP COLUMN "first_name"',
        "column_missing",
        "auth_user",
        "first_name",
        "column 'first_name' is missing",
    ),
    Case(
        "add-column",
        "ALTER TABLE auth_group ADD COLUMN nickname text",
        "ALTER TABLE auth_group ADD COLUMN nickname text",
        "column_extra",
        "auth_group",
        "nickname",
        "column 'nickname' is not in the models",
    ),
    Case(
        "change-type",
        "ALTER TABLE auth_group ALTER COLUMN name TYPE varchar(100)",
        sqlite_rebuild(
            "auth_group", lambda sql: sql.replace('"name" varchar(150)', '"name" varchar(100)')
        ),
        "column_type",
        "auth_group",
        "name",
        "the models expect varchar(150)",
    ),
    Case(
        "change-nullability",
        "ALTER TABLE auth_user ALTER COLUMN email DROP NOT NULL",
        sqlite_rebuild(
            "auth_user",
            lambda sql: sql.replace('"email" varchar(254) NOT NULL', '"email" varchar(254) NULL'),
        ),
        "column_null",
        "auth_user",
        "email",
        "column 'email' is NULL; the models expect NOT NULL",
    ),
    Case(
        "add-default",
        "ALTER TABLE auth_user ALTER COLUMN is_staff SET DEFAULT true",
        sqlite_rebuild(
            "auth_user",
            lambda sql: sql.replace(
                '"is_staff" bool NOT NULL', '"is_staff" bool NOT NULL DEFAULT 1'
            ),
        ),
        "column_default",
        "auth_user",
        "is_staff",
        "column 'is_staff' has database default",
    ),
    Case(
        "drop-unique",
        pg_drop_constraint("auth_group", "u", "name"),
        sqlite_rebuild("auth_group", lambda sql: sql.replace(" NOT NULL UNIQUE", " NOT NULL")),
        "unique_missing",
        "auth_group",
        None,
        "unique constraint on (name) is missing",
    ),
    Case(
        "drop-named-unique",
        "ALTER TABLE lms_chapter DROP CONSTRAINT lms_chapter_unique_course_slug",
        sqlite_rebuild(
            "lms_chapter",
            lambda sql: re.sub(
                r', CONSTRAINT "lms_chapter_unique_course_slug" UNIQUE \([^)]*\)', "", sql
            ),
        ),
        "unique_missing",
        "lms_chapter",
        "lms_chapter_unique_course_slug",
        "unique constraint 'lms_chapter_unique_course_slug' on (course_id, slug) is missing",
    ),
    Case(
        "add-unique",
        "ALTER TABLE auth_user ADD CONSTRAINT drift_email_unique UNIQUE (email)",
        'CREATE UNIQUE INDEX "drift_email_unique" ON "auth_user" ("email")',
        "unique_extra",
        "auth_user",
        "drift_email_unique",
        "unique constraint 'drift_email_unique' on (email) is not in the models",
    ),
    Case(
        "drop-foreign-key",
        pg_drop_constraint("auth_permission", "f", "content_type_id"),
        sqlite_rebuild(
            "auth_permission",
            lambda sql: sql.replace(
                ' REFERENCES "django_content_type" ("id") DEFERRABLE INITIALLY DEFERRED', ""
            ),
        ),
        "foreign_key_missing",
        "auth_permission",
        None,
        "foreign key on (content_type_id) -> django_content_type(id) is missing",
    ),
    Case(
        "add-foreign-key",
        "ALTER TABLE auth_group ADD CONSTRAINT drift_group_self_fk "
        "FOREIGN KEY (id) REFERENCES auth_group (id)",
        sqlite_rebuild(
            "auth_group",
            lambda sql: (
                sql[:-1]
                + ', CONSTRAINT "drift_group_self_fk" FOREIGN KEY ("id") REFERENCES "auth_group" ("id"))'
            ),
        ),
        "foreign_key_extra",
        "auth_group",
        None,
        "on (id) -> auth_group(id) is not in the models",
    ),
    Case(
        "drop-check",
        pg_drop_constraint("django_admin_log", "c", "action_flag"),
        sqlite_rebuild(
            "django_admin_log", lambda sql: sql.replace(' CHECK ("action_flag" >= 0)', "")
        ),
        "check_missing",
        "django_admin_log",
        None,
        "check constraint on (action_flag) is missing",
    ),
    Case(
        "add-check",
        "ALTER TABLE auth_group ADD CONSTRAINT drift_name_not_empty CHECK (length(name) > 0)",
        sqlite_rebuild(
            "auth_group",
            lambda sql: (
                sql[:-1] + ', CONSTRAINT "drift_name_not_empty" CHECK (length("name") > 0))'
            ),
        ),
        "check_extra",
        "auth_group",
        "drift_name_not_empty",
        "check constraint 'drift_name_not_empty' on (name) is not in the models",
    ),
    Case(
        "drop-index",
        pg_drop_index_on("django_session", "expire_date"),
        sqlite_drop_index_on("django_session", "expire_date"),
        "index_missing",
        "django_session",
        None,
        "index on (expire_date) is missing",
    ),
    Case(
        "add-index",
        'CREATE INDEX "drift_group_name_idx" ON "auth_group" ("name")',
        'CREATE INDEX "drift_group_name_idx" ON "auth_group" ("name")',
        "index_extra",
        "auth_group",
        "drift_group_name_idx",
        "index 'drift_group_name_idx' on (name) is not in the models",
    ),
    Case(
        "delete-migration-row",
        "DELETE FROM django_migrations WHERE app = 'sessions' AND name = '0001_initial'",
        "DELETE FROM django_migrations WHERE app = 'sessions' AND name = '0001_initial'",
        "migration_unapplied",
        None,
        "sessions.0001_initial",
        "migration sessions.0001_initial is not applied",
    ),
    Case(
        "unknown-migration-row",
        "INSERT INTO django_migrations (app, name, applied) VALUES ('crm', '9999_ghost', now())",
        "INSERT INTO django_migrations (app, name, applied) "
        "VALUES ('crm', '9999_ghost', CURRENT_TIMESTAMP)",
        "migration_unknown",
        None,
        "crm.9999_ghost",
        "crm.9999_ghost is recorded as applied but does not exist in the code",
    ),
    Case(
        "generated-column-made-plain",
        "ALTER TABLE crm_contact ALTER COLUMN phone_digits DROP EXPRESSION",
        sqlite_rebuild(
            "crm_contact",
            lambda sql: re.sub(r" GENERATED ALWAYS AS \(.*?\) STORED", "", sql),
        ),
        "column_generated",
        "crm_contact",
        "phone_digits",
        "column 'phone_digits' is not generated; the models expect a generated column",
    ),
    Case(
        "extra-table",
        "CREATE TABLE drift_stray (id integer PRIMARY KEY)",
        "CREATE TABLE drift_stray (id integer PRIMARY KEY)",
        "table_extra",
        "drift_stray",
        "drift_stray",
        "table exists, but neither the models nor an applied migration create it",
    ),
    Case(
        "drop-table",
        "DROP TABLE django_session",
        "DROP TABLE django_session",
        "table_missing",
        "django_session",
        "django_session",
        "table is missing (model sessions.Session)",
    ),
]


def alter(case: Case) -> None:
    step = case.postgresql if connection.vendor == "postgresql" else case.sqlite
    with connection.cursor() as cursor:
        if callable(step):
            step(cursor)
        else:
            cursor.execute(step)


def test_freshly_migrated_database_has_no_drift(migrated_db, capsys):
    # Given a database migrated by `migrate`
    # When the drift check runs
    call_command("check_drift")

    # Then it reports nothing and exits 0
    assert "No schema drift" in capsys.readouterr().out
    assert find_drift(connection)[0] == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hand_made_change_is_reported(migrated_db, case):
    # Given a migrated database changed by hand
    alter(case)

    # When the drift check runs
    differences, _ = find_drift(connection)

    # Then the change is reported with its kind, table and a readable message
    matching = [
        d
        for d in differences
        if d.kind == case.kind
        and d.table == case.table
        and (case.name is None or d.name == case.name)
    ]
    assert matching, [d.message for d in differences]
    assert any(case.words in d.message for d in matching), [d.message for d in matching]


def test_drift_command_prints_grouped_report_and_exits_1(migrated_db, capsys):
    # Given two hand-made changes in one table
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE auth_group ADD COLUMN nickname text")
        cursor.execute('CREATE INDEX "drift_group_name_idx" ON "auth_group" ("name")')

    # When the command runs
    with pytest.raises(CommandError) as raised:
        call_command("check_drift")

    # Then it exits 1 and prints both under the table's heading
    assert raised.value.returncode == 1
    out = capsys.readouterr().out
    assert "Schema drift in" in out
    lines = out.splitlines()
    heading = lines.index("table auth_group:")
    assert "  - column 'nickname' is not in the models (text NULL)" in lines[heading + 1 :]
    assert any("drift_group_name_idx" in line for line in lines[heading + 1 :])


def test_drift_json_lists_the_same_differences(migrated_db, capsys):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE auth_group ADD COLUMN nickname text")

    with pytest.raises(CommandError):
        call_command("check_drift", "--json")

    data = json.loads(capsys.readouterr().out)
    assert data == [
        {
            "kind": "column_extra",
            "table": "auth_group",
            "name": "nickname",
            "message": "column 'nickname' is not in the models (text NULL)",
            "expected": None,
            "actual": "text NULL",
        }
    ]


def test_drift_json_is_an_empty_list_when_clean(migrated_db, capsys):
    call_command("check_drift", "--json")

    assert json.loads(capsys.readouterr().out) == []


def test_database_behind_the_code_reports_only_unapplied_migrations(migrated_db):
    # Given a database where the sessions app was migrated back (the code is ahead)
    call_command("migrate", "sessions", "zero", verbosity=0)

    # When the drift check runs
    differences, _ = find_drift(connection)

    # Then only the unapplied migration is reported, not its table as missing
    assert [(d.kind, d.name) for d in differences] == [
        ("migration_unapplied", "sessions.0001_initial")
    ]


def test_drift_check_of_another_database_by_url(migrated_db, capsys):
    # Given a changed database, checked by URL (as when checking DEV and PROD in turn)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE auth_group ADD COLUMN nickname text")

    with pytest.raises(CommandError):
        call_command("check_drift", "--url", migrated_db.url)

    out = capsys.readouterr().out
    assert migrated_db.name in out
    assert "column 'nickname' is not in the models" in out


def test_drift_check_with_a_bad_url_says_so(migrated_db):
    with pytest.raises(CommandError, match="--url must be a postgres:// or sqlite:// URL"):
        call_command("check_drift", "--url", "mysql://root@127.0.0.1/app")
