"""The migration lint's reviewed exceptions stay exact: each names one real migration."""

from django.db.migrations.loader import MigrationLoader

from config.migration_lint import (
    EXCLUDED_APPS,
    EXCLUDED_TESTS,
    exception_problems,
    linter_options,
)

ON_DISK = {
    ("leads", "0001_create_legacy_lead_tables"),
    ("leads", "0002_drop_something"),
    ("lms", "0002_drop_something"),
}
REASON = "drops the legacy tables after the backfill shipped"


def test_the_reviewed_exceptions_are_all_valid():
    on_disk = set(MigrationLoader(None).disk_migrations)

    assert exception_problems(on_disk) == []


def test_an_exception_for_a_migration_that_does_not_exist_is_reported():
    problems = exception_problems(ON_DISK, {"leads.0009_gone": REASON})

    assert problems == ["leads.0009_gone is not a migration (a stale exception?)"]


def test_an_exception_without_a_real_reason_is_reported():
    problems = exception_problems(ON_DISK, {"leads.0001_create_legacy_lead_tables": "ok"})

    assert problems == ["leads.0001_create_legacy_lead_tables needs a reason a reviewer can check"]


def test_an_exception_whose_name_another_app_shares_is_reported():
    # The linter ignores by name alone; it would skip lms' migration of that name too.
    problems = exception_problems(ON_DISK, {"leads.0002_drop_something": REASON})

    assert problems == [
        "leads.0002_drop_something: the name is shared by "
        "leads.0002_drop_something, lms.0002_drop_something"
    ]


def test_linter_options_lint_project_apps_and_treat_a_missing_reverse_as_an_error():
    options = linter_options()

    assert {"crm", "lms", "leads"}.isdisjoint(options["exclude_apps"])
    assert options["exclude_apps"] == EXCLUDED_APPS
    assert "RUNPYTHON_REVERSIBLE" in options["warnings_as_errors"]
    assert options["sql_analyser"] == "postgresql"


def test_checks_turned_off_project_wide_are_only_index_locking_ones_each_with_a_reason():
    options = linter_options()

    assert set(options["exclude_migration_tests"]) == set(EXCLUDED_TESTS)
    assert set(EXCLUDED_TESTS) <= {
        "CREATE_INDEX",
        "CREATE_INDEX_EXCLUSIVE",
        "DROP_INDEX",
        "REINDEX",
    }
    assert all(len(reason.split()) >= 5 for reason in EXCLUDED_TESTS.values())
