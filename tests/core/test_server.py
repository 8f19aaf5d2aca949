"""The production server for real: gunicorn with config/gunicorn.py and production settings,
on a loopback port, against the suite's PostgreSQL test database."""

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from leads.models import PageSession

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
APPLICATION_NAME = "leadcrm_test_gunicorn"
PORT = 18240 + os.getpid() % 20


def request(url: str, body: dict | None = None) -> tuple[int, dict, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=20) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"{}")


def admin_connection() -> psycopg.Connection:
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("cursor_factory", "context", "prepare_threshold")
    }
    return psycopg.connect(**params, autocommit=True)


@contextmanager
def gunicorn(database_url: str, port: int, log: Path, **env: str) -> Iterator[str]:
    """Run the production server on ``port`` against ``database_url``; yield its base URL."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "memory://"),
        "EMAIL_URL": os.environ.get("EMAIL_URL", "consolemail://"),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        **env,
    }
    env.pop("CACHE_URL", None)
    env.pop("DIRECT_URL", None)
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "config/gunicorn.py"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if request(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.fixture
def server(postgres_only, transactional_db, tmp_path):
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}?application_name={APPLICATION_NAME}"
    )
    with gunicorn(url, PORT, tmp_path / "gunicorn.log") as base:
        yield base


@pytest.mark.postgres
def test_gunicorn_serves_and_survives_killed_database_connections(direct_session, server):
    status, headers, body = request(f"{server}/healthz")
    assert status == 200
    assert {key: body[key] for key in ("status", "checks")} == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok"},
    }
    assert "Content-Security-Policy" in headers

    answers = []
    for round_ in range(3):
        # Kill every connection the server holds, idle in its pools or not.
        with admin_connection() as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [APPLICATION_NAME],
            ).fetchone()[0]
        assert killed >= 1
        for i in range(4):
            page = {"page": f"/round-{round_}/{i}", "utm_source": "killed"}
            answers.append(request(f"{server}/api/page-sessions/", page)[0])

    # Each pool checked its connections before handing them out: nothing failed.
    assert answers == [201] * 12
    assert PageSession.objects.filter(utm_source="killed").count() == 12


@pytest.mark.postgres
def test_gunicorn_answers_json_errors(server):
    status, _, body = request(f"{server}/api/nowhere")
    assert (status, body["code"]) == (404, "not_found")
