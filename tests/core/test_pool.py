"""The connection pool: dead connections replaced before use, and a bounded wait for one."""

import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.db.utils import load_backend

from config.database import database_from_url
from core.db.connections import complete_config
from tests.config.test_settings import load_settings
from tests.core.test_direct_connection import UNREACHABLE_POSTGRES
from tests.core.test_server import admin_connection


def wait_until_gone(pid: int) -> None:
    """pg_terminate_backend only signals the backend: wait until it has really exited."""
    with admin_connection() as admin:
        for _ in range(100):
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} is still there")


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_the_pool_replaces_killed_idle_connections_before_handing_one_out(
    direct_session, transactional_db
):
    first = backend_pid()
    connection.close()  # back to the pool, idle, as between two requests
    # Every other session on the test database is one of the pool's idle connections.
    with admin_connection() as admin:
        killed = [
            row[0]
            for row in admin.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        ]
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [killed])
    assert first in killed
    for pid in killed:
        wait_until_gone(pid)

    # The next "request" gets a working connection, not a dead one.
    second = backend_pid()
    connection.close()

    assert second not in killed
    assert connection.pool.get_stats().get("connections_lost", 0) >= 1


def test_the_pool_waits_three_seconds_by_default_and_the_environment_can_change_it():
    url = "postgres://app@db.internal:5432/leadcrm"

    assert load_settings(DATABASE_URL=url)["options"]["pool"]["timeout"] == 3
    changed = load_settings(DATABASE_URL=url, DATABASE_POOL_TIMEOUT="0.5")
    assert changed["options"]["pool"]["timeout"] == 0.5


@pytest.mark.postgres
def test_an_unreachable_database_fails_within_the_pool_timeout(postgres_only):
    config = database_from_url(UNREACHABLE_POSTGRES, sqlite_path=Path("x"), pool_timeout=0.5)
    # Its own alias, so that it gets its own pool (Django keeps one per alias).
    unreachable = load_backend(config["ENGINE"]).DatabaseWrapper(
        complete_config(config), "unreachable_pool_timeout"
    )
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError):
            unreachable.ensure_connection()
        # Unavailable (a 503 with Retry-After, core/errors.py), after the pool's timeout.
        assert time.monotonic() - started < 3
    finally:
        unreachable.close_pool()
