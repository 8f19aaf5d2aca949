"""Behind a transaction-mode pooler (DATABASE_TRANSACTION_POOLER=true): a real PgBouncer.

PgBouncer in transaction mode hands each transaction whatever server connection is free, so
the app must keep nothing on a server connection between transactions (no prepared
statements, no WITH HOLD cursors, no session SET) and must answer 503, not 500, when the
pooler's server connections are killed under it.
"""

import json
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from config.database import database_from_url
from core.db.connections import connection_swapped
from leads.models import PageSession, UsersLead
from tests import pgbouncer as pgbouncer_module
from tests.config.test_settings import run_python
from tests.core.test_errors import DJANGO_500_PAGE, assert_json_error
from tests.core.test_server import admin_connection, gunicorn, request
from tests.leads.test_exports import CSV_FORMAT, STREAM_PEAK_BYTES, STREAM_ROWS, export

APPLICATION_NAME = "leadcrm_test_pgbouncer"
GUNICORN_PORT = 18541

PRINT_DATABASE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({k: db.get(k) for k in "
    "('OPTIONS', 'CONN_MAX_AGE', 'CONN_HEALTH_CHECKS', 'DISABLE_SERVER_SIDE_CURSORS')}))"
)


def database_settings(**env: str) -> dict:
    result = run_python(PRINT_DATABASE, "config.settings.production", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP",
    "DJANGO_ALLOWED_HOSTS": "example.com",
    "DATABASE_URL": "postgres://app@pgbouncer.internal:6432/leadcrm",
    "CELERY_BROKER_URL": "memory://",
    "EMAIL_URL": "consolemail://",
}


def test_the_setting_turns_off_the_pool_prepared_statements_and_server_side_cursors():
    pooled = database_settings(**PRODUCTION_ENV, DATABASE_TRANSACTION_POOLER="true")
    direct = database_settings(**PRODUCTION_ENV)

    assert "pool" not in pooled["OPTIONS"]
    assert pooled["OPTIONS"]["prepare_threshold"] is None
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert pooled["CONN_HEALTH_CHECKS"] is True
    assert pooled["CONN_MAX_AGE"] > 0
    # Without it, nothing changes: Django's pool, server-side cursors, psycopg's defaults.
    assert "pool" in direct["OPTIONS"]
    assert "prepare_threshold" not in direct["OPTIONS"]
    assert not direct["DISABLE_SERVER_SIDE_CURSORS"]


# --- psycopg's answer to a killed pooled server connection is a 503, not a 500 ---


@pytest.mark.urls("tests.core.error_urls")
def test_503_when_the_poolers_server_connection_is_killed_under_a_drf_view(client):
    response = client.get("/api/test/pooled-connection-gone/")

    assert_json_error(response, 503, "service_unavailable")
    assert "Retry-After" in response


@pytest.mark.urls("tests.core.error_urls")
def test_503_page_when_the_poolers_server_connection_is_killed_under_an_html_view(client):
    response = client.get("/pooled-connection-gone/")

    assert response.status_code == 503
    assert DJANGO_500_PAGE not in response.content


@pytest.mark.urls("tests.core.error_urls")
def test_another_internal_error_is_still_a_500(client):
    client.raise_request_exception = False
    response = client.get("/api/test/internal-bug/")

    assert_json_error(response, 500, "server_error")


# --- Through a real PgBouncer ---


@pytest.fixture
def pgbouncer(postgres_only, transactional_db):
    if not pgbouncer_module.available():
        pytest.skip("needs Debian's pgbouncer (apt-get install pgbouncer)")
    settings = connection.settings_dict
    with pgbouncer_module.pgbouncer(
        server_host=settings["HOST"] or "127.0.0.1",
        server_port=int(settings["PORT"] or 5432),
        user=settings["USER"] or "postgres",
    ) as bouncer:
        yield bouncer


@pytest.fixture
def through_pgbouncer(pgbouncer):
    """Serve the default alias through PgBouncer for the test's body, as production would."""
    url = pgbouncer.url(connection.settings_dict["NAME"], application_name=APPLICATION_NAME)
    config = database_from_url(url, sqlite_path=Path("unused"), transaction_pooler=True)
    with connection_swapped(config):
        yield
    connection.close()


def served_through(port: int) -> None:
    connection.ensure_connection()
    assert connection.connection.info.port == port
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True


@pytest.mark.postgres
def test_a_submission_through_pgbouncer(pgbouncer, through_pgbouncer, client):
    body = {"intent": "list-property", "nps": 7, "name": "Arjun", "email": "Arjun@Example.com"}

    for _ in range(3):  # the same visitor again: the lead is merged, each answer kept
        response = client.post("/api/choices/", body, content_type="application/json")
        assert response.status_code == 201, response.content

    served_through(pgbouncer.port)
    with admin_connection() as admin:
        leads = admin.execute(
            "SELECT count(*) FROM users_leads WHERE email = 'arjun@example.com'"
        ).fetchone()[0]
        events = admin.execute("SELECT count(*) FROM lead_events").fetchone()[0]
    assert (leads, events) == (1, 3)


@pytest.mark.postgres
def test_an_export_of_50000_leads_streams_through_pgbouncer(pgbouncer, admin_client, settings):
    # Streamed in the request here (the worker takes exports over the threshold otherwise).
    settings.EXPORT_BACKGROUND_THRESHOLD = 50_000
    now = timezone.now()
    UsersLead.objects.bulk_create(
        [
            UsersLead(
                email=f"pooled{n:05d}@example.com",
                name=f"Pooled Lead {n}",
                source="OTHER",
                first_seen_at=now,
                last_seen_at=now,
            )
            for n in range(STREAM_ROWS)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE users_leads")

    url = pgbouncer.url(connection.settings_dict["NAME"], application_name=APPLICATION_NAME)
    config = database_from_url(url, sqlite_path=Path("unused"), transaction_pooler=True)
    with connection_swapped(config):
        tracemalloc.start()
        try:
            response = export(admin_client, CSV_FORMAT)
            lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        served_through(pgbouncer.port)
        connection.close()

    assert response.streaming
    assert lines == STREAM_ROWS + 1
    # .iterator() without a server-side cursor: psycopg holds the raw rows (C memory), Python
    # still makes the row objects and CSV text one chunk at a time.
    assert peak < STREAM_PEAK_BYTES, f"peak {peak / 1e6:.1f} MB"


# --- The fault: PgBouncer's server connections killed under load ---

FAULT_CLIENTS = 6
FAULT_SECONDS = 6
FAULT_MAX_REQUESTS = 3000


@pytest.mark.postgres
def test_killed_server_connections_behind_pgbouncer_answer_503_never_500(
    direct_session, pgbouncer, tmp_path
):
    url = pgbouncer.url(connection.settings_dict["NAME"], application_name=APPLICATION_NAME)
    statuses: Counter = Counter()
    lock = threading.Lock()
    with gunicorn(
        url,
        GUNICORN_PORT,
        tmp_path / "gunicorn.log",
        DATABASE_TRANSACTION_POOLER="true",
        GUNICORN_THREADS="3",
        THROTTLE_LEAD_PAGE_SESSIONS="1000000/min",
    ) as base:
        stop = time.monotonic() + FAULT_SECONDS

        def visitor(number: int) -> None:
            sent = 0
            while time.monotonic() < stop and sent < FAULT_MAX_REQUESTS // FAULT_CLIENTS:
                page = {"page": f"/pooled/{number}/{sent}", "utm_source": "pooled"}
                status = request(f"{base}/api/page-sessions/", page)[0]
                with lock:
                    statuses[status] += 1
                sent += 1

        visitors = [threading.Thread(target=visitor, args=(n,)) for n in range(FAULT_CLIENTS)]
        for thread in visitors:
            thread.start()
        killed = 0
        with admin_connection() as admin:
            while any(thread.is_alive() for thread in visitors):
                killed += admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    [APPLICATION_NAME],
                ).fetchone()[0]
                time.sleep(0.05)
        for thread in visitors:
            thread.join()
        # Once the faults stop, the next request is served.
        after = request(f"{base}/api/page-sessions/", {"page": "/after", "utm_source": "after"})
        log = (tmp_path / "gunicorn.log").read_text()

    assert killed >= 10
    assert set(statuses) <= {201, 503}, (statuses, log[-3000:])
    assert statuses[201] > 0
    assert after[0] == 201
    # Every 201 stored its row; a 503 may have committed before its answer was lost.
    stored = PageSession.objects.filter(utm_source="pooled").count()
    assert statuses[201] <= stored <= statuses[201] + statuses[503]
