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
    "leads.0005_drop_legacy_lead_tables": (
        "contract step: drops the five legacy lead tables only after 0003 copied every row into "
        "users_leads and 0004 verified it; no code reads them any more, and the reverse rebuilds "
        "them from the lead events; likewise the adoption's legacy_waitlist_user_link side "
        "table, once every link is in the import events (checked first)"
    ),
    "lms.0002_rename_learner_foreign_keys_to_contact": (
        "learner becomes contact: renames learner_id to contact_id in place (no copy); the code "
        "that says contact ships with this migration, and the reverse renames back"
    ),
    "lms.0003_rename_learner_tables_to_crm": (
        "learner becomes contact: renames lms_learner and lms_learnerintegration to crm_contact "
        "and crm_contactintegration in place; code and migration deploy together (see "
        "docs/deploying.md), the reverse renames back"
    ),
    "crm.0004_add_contact_type_hierarchy_tags_custom_fields": (
        "contact_type and custom_fields are NOT NULL without a database default, but only the "
        "new code can reach crm_contact (the table was renamed two migrations earlier), and it "
        "always writes both columns"
    ),
    "crm.0005_create_notes_appointments_messages_tasks": (
        "only creates new tables; the NOT NULL columns the linter sees are foreign keys that "
        "Django adds to those brand-new, empty tables in the same migration"
    ),
    "outbox.0002_change_origin_id_to_text": (
        "origin_id goes from bigint to varchar(64) (a CRM message's id is a UUID); the column "
        "came with 0001 in the same release, nothing has written it yet, and every bigint casts "
        "to text without loss"
    ),
}

# Django's own apps and third-party apps (django-axes) are not ours to lint.
EXCLUDED_APPS = ["admin", "auth", "contenttypes", "sessions", "axes"]

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
