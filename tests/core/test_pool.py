"""The connection pool: dead connections replaced before use, and a bounded wait for one."""

import socket
import time
from pathlib import Path

import psycopg
import pytest
from django.db import OperationalError, connection
from django.db.utils import load_backend

from config.database import database_from_url
from core.db.connections import complete_config


def raw_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    return psycopg.connect(**params, autocommit=True)


def wait_until_gone(pid: int) -> None:
    """pg_terminate_backend only signals the backend: wait until it has really exited."""
    with raw_connection() as admin:
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
    postgres_only, transactional_db
):
    first = backend_pid()
    connection.close()  # back to the pool, idle, as between two requests
    # Every other session on the test database is one of the pool's idle connections.
    with raw_connection() as admin:
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


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def test_the_pool_waits_three_seconds_by_default_and_the_environment_can_change_it():
    url = "postgres://app@db.internal:5432/leadcrm"

    assert database_from_url(url, sqlite_path=Path("x"))["OPTIONS"]["pool"]["timeout"] == 3
    assert (
        database_from_url(url, sqlite_path=Path("x"), pool_timeout=0.5)["OPTIONS"]["pool"][
            "timeout"
        ]
        == 0.5
    )


@pytest.mark.postgres
def test_an_unreachable_database_fails_within_the_pool_timeout(postgres_only):
    config = database_from_url(
        f"postgres://postgres@127.0.0.1:{closed_port()}/nowhere",
        sqlite_path=Path("x"),
        pool_timeout=0.5,
    )
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
