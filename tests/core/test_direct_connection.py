"""DIRECT_URL carries migrations, the drift check and backups; requests never touch it.

Each case starts `manage.py` or a request in a fresh interpreter with its own environment, the
way a deploy runs them.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from core.db.connections import connection_swapped

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE_POSTGRES = "postgres://postgres@127.0.0.1:1/unreachable"


def unreachable_url() -> str:
    """A DATABASE_URL of the suite's backend that cannot be opened."""
    if connection.vendor == "postgresql":
        return UNREACHABLE_POSTGRES
    return "sqlite:////nonexistent-directory/for/sure/db.sqlite3"


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_"))
        and key not in ("DIRECT_URL", "APP_ENVIRONMENT", "BACKUP_DIR")
    }
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def tables_in(config: dict) -> set[str]:
    with connection_swapped(config), connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def test_migrate_runs_over_direct_url_when_database_url_is_unreachable(empty_db, django_db_blocker):
    # Given a runtime URL that cannot be reached and a direct URL to an empty database
    # When migrate runs
    result = run(
        ["manage.py", "migrate", "--noinput"],
        DATABASE_URL=unreachable_url(),
        DIRECT_URL=empty_db.url,
    )

    # Then it succeeds over the direct connection and the tables are there
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Using the direct connection: {connection.vendor} " in result.stdout
    with django_db_blocker.unblock():
        tables = tables_in(empty_db.config)
    assert {"django_migrations", "crm_organization", "auth_user"} <= tables


def test_migrate_without_direct_url_uses_database_url(empty_db):
    # (no pool: a pool would retry for its whole timeout before giving up)
    result = run(
        ["manage.py", "migrate", "--plan"], DATABASE_URL=unreachable_url(), DATABASE_POOL="false"
    )

    assert result.returncode != 0
    assert "Using the direct connection" not in result.stdout


def test_drift_check_backup_and_showmigrations_run_over_direct_url(migrated_db, tmp_path):
    env = {"DATABASE_URL": unreachable_url(), "DIRECT_URL": migrated_db.url}

    drift = run(["manage.py", "check_drift"], **env)
    backup = run(["manage.py", "dbbackup", "--output-dir", str(tmp_path)], **env)
    history = run(["manage.py", "showmigrations", "crm"], **env)

    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert "No schema drift" in drift.stdout
    assert backup.returncode == 0, backup.stdout + backup.stderr
    written = Path(backup.stdout.strip())
    assert written.parent == tmp_path
    assert written.stat().st_size > 0
    assert history.returncode == 0, history.stderr
    assert "[X] 0001_create_organization" in history.stdout


SERVE_REQUESTS = """
import json, sys, django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-12345-long")
client = Client()
statuses = {"home": client.get("/").status_code}
client.force_login(user)
for path in ["/admin/", "/admin/crm/organization/", "/admin/auth/user/", "/admin/crm/organization/add/"]:
    statuses[path] = client.get(path).status_code
print(json.dumps({"statuses": statuses, "direct_module_loaded": "core.db.connections" in sys.modules}))
"""


def test_requests_and_admin_work_when_direct_url_is_unreachable(migrated_db):
    # Given a working runtime database and a direct URL naming a server that is down
    # When the home page and admin pages are served
    result = run(
        ["-c", SERVE_REQUESTS],
        DATABASE_URL=migrated_db.url,
        DIRECT_URL=UNREACHABLE_POSTGRES,
        DJANGO_ALLOWED_HOSTS="testserver",
    )

    # Then every page answers 200 and the direct-connection code was never loaded
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report["statuses"].values()) == {200}, report
    assert report["direct_module_loaded"] is False


def test_runtime_code_never_names_the_direct_url():
    # Only settings read it (into DIRECT_DATABASE); management commands use that setting.
    offenders = [
        str(path.relative_to(ROOT))
        for top in ("config", "core", "crm", "lms", "leads")
        for path in (ROOT / top).rglob("*.py")
        if "DIRECT_URL" in path.read_text() and path.parent != ROOT / "config" / "settings"
    ]

    assert offenders == []


def test_a_bad_direct_url_stops_start_up_and_names_the_variable():
    result = run(["manage.py", "check"], DIRECT_URL="mysql://root@127.0.0.1/app")

    assert result.returncode != 0
    assert "DIRECT_URL must be a postgres:// or sqlite:// URL" in result.stderr


def test_a_direct_url_of_another_engine_is_refused_before_migrating(tmp_path):
    # Given a runtime database on one engine and a direct URL on the other
    if connection.vendor == "postgresql":
        env = {"DATABASE_URL": UNREACHABLE_POSTGRES, "DIRECT_URL": f"sqlite:///{tmp_path}/x.db"}
    else:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "DIRECT_URL": UNREACHABLE_POSTGRES}

    result = run(["manage.py", "migrate"], **env)

    # Then migrate stops with a clear message and touches neither
    assert result.returncode != 0
    assert "both must name the same database" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_the_test_suite_ignores_a_direct_url_in_the_shell():
    # Otherwise pytest's own migrate of the test database would run on the direct database.
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.DIRECT_DATABASE, settings.DIRECT_URL)"
    )
    result = run(
        ["-c", code],
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DIRECT_URL="postgres://postgres@127.0.0.1:5432/the_real_one",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "postgres://postgres@127.0.0.1:5432/the_real_one"]
