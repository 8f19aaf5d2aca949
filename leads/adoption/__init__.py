"""Adopt a live database of the apps this project replaces (see docs/deploying.md).

The steps of STYLE.md's "Commands that check, plan, then act", each callable alone:
``inspect`` (refuses through ``Inspection.refused``), ``plan``, ``backup``, ``act``.
"""

from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from core.db.backup import backup_database

from . import prisma, supabase
from .inspect import AdoptionError, Inspection

SOURCES = {prisma.SOURCE: prisma, supabase.SOURCE: supabase}
ENVIRONMENTS = ("PROD", "DEV")
__all__ = ["SOURCES", "ENVIRONMENTS", "AdoptionError", "Inspection", "inspect", "plan", "act"]


def inspect(*, source: str, alias: str = DEFAULT_DB_ALIAS) -> Inspection:
    """Compare the live database with the source's schema and find unconvertible rows."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise AdoptionError(
            f"adopt_database works on PostgreSQL only; this database is {connection.vendor}."
        )
    return SOURCES[source].inspect(connection)


def plan(
    inspection: Inspection, *, environment: str | None, alias: str = DEFAULT_DB_ALIAS
) -> list[str]:
    """Return the steps the adoption will take, one line each."""
    return SOURCES[inspection.source].plan(connections[alias], inspection, environment)


def backup(*, alias: str = DEFAULT_DB_ALIAS) -> Path:
    return backup_database(alias=alias, label="pre-adopt")


def act(inspection: Inspection, *, environment: str | None, alias: str = DEFAULT_DB_ALIAS) -> dict:
    """Convert the database in one transaction; return what was done, in counts."""
    if inspection.refused:
        raise AdoptionError("the inspection refused this database; nothing was changed")
    connection = connections[alias]
    with transaction.atomic(using=alias):
        return SOURCES[inspection.source].act(connection, inspection, environment)
