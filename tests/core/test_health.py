"""/healthz: 200 when the database and the cache answer, 503 (JSON) when either does not."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from config.database import database_from_url
from core.db.connections import connection_swapped

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Nothing listens on port 1: the connection is refused at once.
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def unreachable_database(tmp_path) -> dict:
    if connection.vendor == "postgresql":
        url = "postgres://postgres@127.0.0.1:1/leadcrm_nowhere"
    else:
        url = f"sqlite:///{tmp_path}/missing-directory/db.sqlite3"
    return database_from_url(url, sqlite_path=tmp_path / "x", pool=False)


def test_healthy_when_database_and_cache_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok"},
        "broker": "ok",
        "outbox": {"oldest_unsent_seconds": None},
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthy_with_redis_as_the_cache(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/2",
        }
    }

    assert client.get("/healthz").json()["checks"]["cache"] == "ok"


def test_503_when_the_database_is_down(client, tmp_path):
    with connection_swapped(unreachable_database(tmp_path)):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert {key: body[key] for key in ("status", "checks")} == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "cache": "ok"},
    }
    assert body["outbox"] == {"oldest_unsent_seconds": None}


def test_503_when_the_cache_is_down(client, settings):
    settings.CACHES = UNREACHABLE_REDIS

    response = client.get("/healthz")

    assert response.status_code == 503
    body = json.loads(response.content)
    assert {key: body[key] for key in ("status", "checks")} == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "unavailable"},
    }


def test_touches_no_session_no_csrf_and_is_not_rate_limited(client, settings):
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    responses = [
        client.get("/healthz", HTTP_REFERER="https://elsewhere.example/") for _ in range(5)
    ]

    assert [response.status_code for response in responses] == [200] * 5
    assert all(not response.cookies for response in responses)
    assert "Vary" not in responses[0] or "Cookie" not in responses[0]["Vary"]


def test_head_works_and_writes_are_refused(client):
    assert client.head("/healthz").status_code == 200
    response = client.post("/healthz")
    assert response.status_code == 405


def test_production_redirects_to_https_but_not_the_health_check(tmp_path):
    # The load balancer polls over plain HTTP on the private network.
    code = """
import django
django.setup()
from django.test import Client
client = Client()
print(client.get("/healthz").status_code, client.get("/contact/").status_code)
"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "CELERY_BROKER_URL": "memory://",
        "EMAIL_URL": "consolemail://",
    }
    env.pop("CACHE_URL", None)
    env.pop("DJANGO_SECURE_SSL_REDIRECT", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "301"]


def test_reports_the_broker_down_and_the_oldest_unsent_email(client, settings):
    from datetime import timedelta

    from django.utils.timezone import now

    from config.celery import app
    from outbox.models import OutboxEmail

    OutboxEmail.objects.create(
        to="a@example.com", subject="s", body="b", created_at=now() - timedelta(minutes=3)
    )
    OutboxEmail.objects.create(to="b@example.com", subject="s", body="b", status="SENT")
    previous = app.conf.broker_url
    # Nothing listens on port 1: the connection is refused at once.
    app.conf.broker_url = "amqp://guest:guest@127.0.0.1:1//"
    try:
        body = client.get("/healthz").json()
    finally:
        app.conf.broker_url = previous

    assert body["status"] == "ok"  # the site serves; the outbox keeps the emails meanwhile
    assert body["broker"] == "unavailable"
    assert 170 < body["outbox"]["oldest_unsent_seconds"] < 600
