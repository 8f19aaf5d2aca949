"""The pool's check before it hands out a connection: no round trip, and dead ones replaced."""

import time

import psycopg
import pytest
from django.db import connection

from core.db.postgresql.base import idle_connection_check
from tests.core.test_errors import kill_backend


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
def test_a_healthy_idle_connection_passes_without_a_query(postgres_only):
    with raw_connection() as conn:
        before = conn.pgconn.transaction_status
        # Any statement would go through execute(); the check must not send one.
        conn.execute = lambda *args, **kwargs: pytest.fail("the check sent a query")
        idle_connection_check(conn)

        assert not conn.closed
        assert conn.pgconn.transaction_status == before


@pytest.mark.postgres
def test_a_connection_whose_backend_was_terminated_fails_and_is_closed(postgres_only):
    with raw_connection() as conn:
        pid = conn.info.backend_pid
        kill_backend(pid)
        wait_until_gone(pid)

        with pytest.raises(psycopg.OperationalError, match="closed this idle"):
            idle_connection_check(conn)
        assert conn.closed


@pytest.mark.postgres
def test_a_closed_connection_fails(postgres_only):
    conn = raw_connection()
    conn.close()

    with pytest.raises(psycopg.OperationalError, match="is closed"):
        idle_connection_check(conn)


@pytest.mark.postgres
def test_the_pool_replaces_killed_idle_connections_before_handing_one_out(
    postgres_only, transactional_db
):
    assert connection.settings_dict["ENGINE"] == "core.db.postgresql"
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
