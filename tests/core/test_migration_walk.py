"""Every project migration walks back and forward again, with demo data in the database.

Generic on purpose: it finds the project's apps and their migrations itself, so it covers the
migrations other branches add. The walk: seed data at the latest state; back to each app's
first migration (reverse data migrations run with data); forward again (forward data
migrations run on what the reverses left); back to zero; forward again. After each forward
walk the database must match the migrations exactly (check_drift is clean).
"""

from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from core.db.drift import find_drift

ROOT = Path(__file__).resolve().parents[2]


def project_apps() -> list[str]:
    loader = MigrationLoader(connection)
    return sorted(
        label
        for label in loader.migrated_apps
        if Path(apps.get_app_config(label).path).is_relative_to(ROOT)
    )


def first_migration(app_label: str) -> str:
    loader = MigrationLoader(connection)
    (root,) = loader.graph.root_nodes(app_label)
    return root[1]


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def model_tables(labels: list[str]) -> set[str]:
    """Return the tables of the project's models at the latest migrations."""
    return {
        model._meta.db_table
        for label in labels
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def live_tables() -> set[str]:
    return set(connection.introspection.table_names())


def test_every_app_walks_back_and_forward_with_data(migrated_db):
    labels = project_apps()
    assert {"crm", "lms", "leads"} <= set(labels)
    tables = model_tables(labels)

    # Given the demo data at the latest migrations
    call_command("seed_demo", verbosity=0)
    seeded = row_counts()

    # When every app goes back to its first migration, then forward again
    for label in labels:
        call_command("migrate", label, first_migration(label), verbosity=0)
    at_first = row_counts()
    call_command("migrate", verbosity=0)

    # Then the schema matches, and a table that lived through the walk kept its rows
    assert find_drift(connection)[0] == []
    after = row_counts()
    kept = [
        table
        for table, count in seeded.items()
        if count and at_first.get(table) and table in tables
    ]
    assert kept, "no project table kept data across the walk"
    assert [table for table in kept if after[table] == 0] == []

    # When every app goes back to zero, then forward again
    for label in labels:
        call_command("migrate", label, "zero", verbosity=0)
    assert live_tables() & tables == set()
    call_command("migrate", verbosity=0)

    # Then every table is back and the schema matches the migrations
    assert find_drift(connection)[0] == []
    assert tables <= live_tables()
