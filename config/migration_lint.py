"""Migration linting (django-migration-linter) and its reviewed exceptions.

`make lint-migrations` lints the PostgreSQL SQL of every project migration for changes that
break the code still running during a deploy (dropped or renamed tables and columns, NOT NULL
without a default, ...). A migration that does such a thing on purpose is listed below with
the reason it is safe; the linter then skips that migration, so keep such a migration to the
reviewed operation only (a drop in a migration of its own).
"""

# "app_label.migration_name" -> why the backward-incompatible step is safe.
# Reviewed exceptions are added by the engineer who writes the migration and checked in review.
REVIEWED_EXCEPTIONS: dict[str, str] = {
    # Filled in when the lead-capture and learner->contact branches are merged, e.g.
    # "leads.0005_drop_legacy_lead_tables": "drops the legacy tables after the backfill; the "
    #     "code that reads them was removed one release earlier (expand, then contract)",
}

# Django's own apps are not ours to lint.
EXCLUDED_APPS = ["admin", "auth", "contenttypes", "sessions"]

# Linter checks turned off for the whole project, each with the reviewed reason.
EXCLUDED_TESTS: dict[str, str] = {
    # Index builds lock a table while they run. These tables hold thousands of rows, where a
    # build takes milliseconds, and CREATE INDEX CONCURRENTLY cannot run on SQLite, which the
    # project also supports. Revisit when a table grows past about a million rows.
    "CREATE_INDEX": "index builds on small tables; CONCURRENTLY is PostgreSQL-only",
    "CREATE_INDEX_EXCLUSIVE": "index builds on small tables; CONCURRENTLY is PostgreSQL-only",
    "DROP_INDEX": "dropping an index on a small table is instant",
    "REINDEX": "reindexing a small table is instant",
}

# Every migration has a reverse: a missing one fails the lint instead of warning.
WARNINGS_AS_ERRORS = ["RUNPYTHON_REVERSIBLE", "RUNSQL_REVERSIBLE"]


def linter_options() -> dict:
    """Return MIGRATION_LINTER_OPTIONS for django-migration-linter."""
    return {
        "exclude_apps": EXCLUDED_APPS,
        "exclude_migration_tests": sorted(EXCLUDED_TESTS),
        "ignore_name": sorted({key.split(".", 1)[1] for key in REVIEWED_EXCEPTIONS}),
        "warnings_as_errors": WARNINGS_AS_ERRORS,
        "sql_analyser": "postgresql",
        "no_cache": True,
    }


def exception_problems(
    disk_migrations: set[tuple[str, str]], exceptions: dict[str, str] | None = None
) -> list[str]:
    """Return what is wrong with the reviewed exceptions (stale names, missing reasons).

    The linter skips by migration name alone, so an excepted name must also be unique.
    """
    exceptions = REVIEWED_EXCEPTIONS if exceptions is None else exceptions
    problems = []
    for key, reason in exceptions.items():
        app_label, _, name = key.partition(".")
        if (app_label, name) not in disk_migrations:
            problems.append(f"{key} is not a migration (a stale exception?)")
        if len(reason.split()) < 5:
            problems.append(f"{key} needs a reason a reviewer can check")
        others = sorted(f"{app}.{name}" for app, other in disk_migrations if other == name)
        if len(others) > 1:
            problems.append(f"{key}: the name is shared by {', '.join(others)}")
    return problems
