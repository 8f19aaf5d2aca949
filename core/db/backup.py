"""Back up a database to one file and restore it from that file.

PostgreSQL: ``pg_dump --format=custom``, restored with ``pg_restore`` piped into one ``psql``
transaction (all or nothing). SQLite: the online backup API of the ``sqlite3`` module.
A restore brings back exactly the backed-up tables: tables, extensions and functions created
after the backup (by a later migration, say) are dropped, so the schema and the migration
history match again.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

PG_DUMP_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
SUFFIXES = {"postgresql": ".dump", "sqlite": ".sqlite3"}


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    dropped_tables: tuple[str, ...]


def backup_directory() -> Path:
    return Path(getattr(settings, "BACKUP_DIR", Path(settings.BASE_DIR) / "backups"))


def backup_file_name(*, database_name: str, vendor: str, label: str = "") -> str:
    """Return e.g. ``leadcrm-prod-20261121T231500Z-pre-migrate.dump``."""
    stem = Path(str(database_name)).stem or "database"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    environment = str(getattr(settings, "APP_ENVIRONMENT", "dev")).lower()
    parts = [stem, environment, stamp]
    if label:
        parts.append(re.sub(r"[^A-Za-z0-9_-]+", "-", label))
    return "-".join(parts) + SUFFIXES[vendor]


def _unused_path(directory: Path, name: str) -> Path:
    path = directory / name
    counter = 1
    while path.exists():
        path = directory / f"{Path(name).stem}-{counter}{Path(name).suffix}"
        counter += 1
    return path


def backup_database(
    *, alias: str = DEFAULT_DB_ALIAS, directory: Path | None = None, label: str = ""
) -> Path:
    """Write a restorable backup of the ``alias`` database and return its path."""
    connection = connections[alias]
    if connection.vendor not in SUFFIXES:
        raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
    directory = Path(directory) if directory else backup_directory()
    directory.mkdir(parents=True, exist_ok=True)
    name = backup_file_name(
        database_name=connection.settings_dict["NAME"], vendor=connection.vendor, label=label
    )
    path = _unused_path(directory, name)
    partial = path.with_name(path.name + ".partial")
    try:
        if connection.vendor == "postgresql":
            _pg_dump(connection, partial)
        else:
            _sqlite_backup(connection, partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore_database(*, path: Path, alias: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Replace the ``alias`` database's contents with the backup at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    connection = connections[alias]
    with path.open("rb") as backup_file:
        head = backup_file.read(16)
    if connection.vendor == "postgresql":
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(
                f"{path} is not a pg_dump custom-format file; "
                "a PostgreSQL database can only be restored from dbbackup's .dump files."
            )
        return _pg_restore(connection, path)
    if connection.vendor == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{path} is not an SQLite database file.")
        return _sqlite_restore(connection, path)
    raise BackupError(f"Restoring {connection.vendor} databases is not supported.")


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_backup(connection, path: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _sqlite_tables(raw: sqlite3.Connection) -> set[str]:
    rows = raw.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {name for (name,) in rows}


def _sqlite_restore(connection, path: Path) -> RestoreResult:
    if connection.in_atomic_block:
        raise BackupError("Cannot restore inside a transaction.")
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        before = _sqlite_tables(connection.connection)
        # The backup API replaces every page of the target, so later tables vanish too.
        source.backup(connection.connection)
        after = _sqlite_tables(connection.connection)
    finally:
        source.close()
    return RestoreResult(path=path, dropped_tables=tuple(sorted(before - after)))


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) in the version of the server."
        )
    return found


def _pg_env(connection) -> dict[str, str]:
    """Return the environment that points libpq tools at this connection (no secrets in argv)."""
    params = connection.settings_dict
    options = params.get("OPTIONS", {})
    env = dict(os.environ)
    mapping = {
        "PGHOST": params.get("HOST"),
        "PGPORT": params.get("PORT"),
        "PGUSER": params.get("USER"),
        "PGPASSWORD": params.get("PASSWORD"),
        "PGDATABASE": params.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGPASSFILE": options.get("passfile"),
        "PGSERVICE": options.get("service"),
    }
    for key, value in mapping.items():
        if value not in (None, ""):
            env[key] = str(value)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")
    return result


def _pg_dump(connection, path: Path) -> None:
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}"]
    _run(command, _pg_env(connection), "pg_dump")


def _pg_dump_tables(path: Path, env: dict[str, str]) -> set[tuple[str, str]]:
    listing = _run([_pg_tool("pg_restore"), "--list", str(path)], env, "pg_restore --list")
    tables = set()
    for line in listing.stdout.splitlines():
        # e.g. "215; 1259 16390 TABLE public leads_lead postgres"
        match = re.match(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ", line)
        if match:
            tables.add((match.group(1), match.group(2)))
    return tables


def _pg_dump_extensions(path: Path, env: dict[str, str]) -> set[str]:
    listing = _run([_pg_tool("pg_restore"), "--list", str(path)], env, "pg_restore --list")
    # e.g. "3; 3079 16385 EXTENSION - pg_trgm "
    return {
        match.group(1)
        for line in listing.stdout.splitlines()
        if (match := re.match(r"^\d+; \d+ \d+ EXTENSION - (\S+)", line))
    }


def _pg_dump_functions(path: Path, env: dict[str, str]) -> set[tuple[str, str]]:
    listing = _run([_pg_tool("pg_restore"), "--list", str(path)], env, "pg_restore --list")
    # e.g. "216; 1255 16400 FUNCTION public leadcrm_row_estimates(text[]) postgres"
    return {
        (match.group(1), match.group(2))
        for line in listing.stdout.splitlines()
        if (match := re.match(r"^\d+; \d+ \d+ (?:FUNCTION|PROCEDURE) (\S+) ([^\s(]+)\(", line))
    }


def _pg_live_functions(connection) -> set[tuple[str, str, str]]:
    """Functions and procedures of the database's own (not an extension's): schema, name, args."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.prokind IN ('f', 'p')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_%'
              AND NOT EXISTS (
                SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                AND d.objid = p.oid AND d.deptype = 'e'
              )
            """
        )
        return set(cursor.fetchall())


def _pg_live_extensions(connection) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'")
        return {name for (name,) in cursor.fetchall()}


def _pg_live_tables(connection) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid)
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            """
        )
        return {(schema, name) for schema, name in cursor.fetchall()}


def _pg_restore(connection, path: Path) -> RestoreResult:
    env = _pg_env(connection)
    live = _pg_live_tables(connection)
    extra = sorted(live - _pg_dump_tables(path, env))
    # Extensions installed since the backup (pg_trgm by a later migration) go too.
    later_extensions = sorted(_pg_live_extensions(connection) - _pg_dump_extensions(path, env))
    # So do functions created since (leadcrm_row_estimates by core 0003).
    dumped_functions = _pg_dump_functions(path, env)
    later_functions = sorted(
        function
        for function in _pg_live_functions(connection)
        if function[:2] not in dumped_functions
    )
    # Our own connection would hold locks the restore waits for.
    connection.close()
    quote = connection.ops.quote_name
    # Every live table goes first, not only the later ones: a table the backup also has may
    # carry constraints under other names (a converted database), which --clean cannot drop.
    prefix = "".join(
        f"DROP TABLE IF EXISTS {quote(schema)}.{quote(name)} CASCADE;\n"
        for schema, name in sorted(live)
    ) + "".join(f"DROP EXTENSION IF EXISTS {quote(name)} CASCADE;\n" for name in later_extensions)
    prefix += "".join(
        f"DROP ROUTINE IF EXISTS {quote(schema)}.{quote(name)}({arguments}) CASCADE;\n"
        for schema, name, arguments in later_functions
    )
    # NOTICEs ("... does not exist, skipping") are noise; errors still stop psql.
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c client_min_messages=warning").strip()
    with tempfile.TemporaryDirectory(prefix="dbrestore-") as workdir:
        # The whole script is written first, so a broken dump stops before anything changes.
        drop_sql = Path(workdir, "drop-later-tables.sql")
        drop_sql.write_text(prefix)
        restore_sql = Path(workdir, "restore.sql")
        _run(
            [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner"]
            + [f"--file={restore_sql}", str(path)],
            env,
            "pg_restore",
        )
        _run(
            [_pg_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction"]
            + ["--set=ON_ERROR_STOP=1", "--output=/dev/null"]
            + [f"--file={drop_sql}", f"--file={restore_sql}"],
            env,
            "Restore (rolled back, the database is unchanged)",
        )
    return RestoreResult(path=path, dropped_tables=tuple(f"{s}.{n}" for s, n in extra))
