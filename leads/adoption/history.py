"""Bring the migration history along: run the migrations the adopted tables start from.

The leads migrations the adoption stands on, and what they depend on (contenttypes, auth),
are run for real inside the adoption's transaction: they create their tables and record
themselves in ``django_migrations``, so ``migrate``'s consistency check finds every
dependency applied and carries on from there.
"""

import functools

from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import StateApps

from core.db.drift import UNMANAGED_TABLE_MARK

from .inspect import quote


def migration_plan(connection, target: tuple[str, str]) -> list[str]:
    """Return 'app.name' of every migration that ``target`` needs, in order."""
    executor = MigrationExecutor(connection)
    return [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan([target])]


def migrate_to(connection, target: tuple[str, str]) -> list[str]:
    """Apply ``target`` and the migrations it needs; return them as 'app.name'."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan([target])
    executor.migrate([target], plan=plan)
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


def historical_apps(connection, target: tuple[str, str]) -> StateApps:
    """Return the models as they are once ``target`` is applied."""
    return _historical_apps(target)


@functools.cache
def _historical_apps(target: tuple[str, str]) -> StateApps:
    # Only the migration files decide it, so render it once per process.
    return MigrationLoader(None, ignore_no_migrations=True).project_state(target, at_end=True).apps


def mark_unmanaged(cursor, table: str, note: str) -> None:
    """Comment ``table`` as another application's, so check_drift leaves it out."""
    cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [f"public.{quote(table)}"])
    (existing,) = cursor.fetchone()
    if existing and existing.startswith(UNMANAGED_TABLE_MARK):
        return
    comment = f"{UNMANAGED_TABLE_MARK} ({note})" + (f"; {existing}" if existing else "")
    cursor.execute(f"COMMENT ON TABLE public.{quote(table)} IS %s", [comment])
