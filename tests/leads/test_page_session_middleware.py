"""Recording a page session never breaks the page it rides on."""

import psycopg
import pytest
from django.core.cache import cache
from django.db import DatabaseError, OperationalError, connection

from leads import events, middleware
from leads.models import LeadEvent, PageSession
from leads.visitors import VISITOR_COOKIE

pytestmark = pytest.mark.django_db

LANDING = "/contact/?utm_source=newsletter&utm_campaign=spring"


def assert_page_served_without_a_visit(response) -> None:
    assert response.status_code == 200
    assert b"<form" in response.content
    assert VISITOR_COOKIE not in response.cookies


def test_a_failed_write_still_serves_the_page(client, monkeypatch):
    def fail(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(middleware, "page_session_record", fail)

    assert_page_served_without_a_visit(client.get(LANDING))
    assert not PageSession.objects.exists()


def test_a_write_that_fails_half_way_leaves_nothing_and_the_transaction_usable(client, monkeypatch):
    def fail(**kwargs):
        raise DatabaseError("the event insert failed")

    # The session row is inserted, then its event fails: the row must go with it.
    monkeypatch.setattr(events, "lead_page_session_recorded_event", fail)

    assert_page_served_without_a_visit(client.get(LANDING))
    # The test runs inside a transaction: these queries work only if it was not poisoned.
    assert not PageSession.objects.exists()
    assert not LeadEvent.objects.exists()


def test_the_page_is_served_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    response = client.get(LANDING)

    assert response.status_code == 200
    assert b"<form" in response.content


def test_the_visit_is_recorded_when_all_is_well(client):
    cache.clear()
    response = client.get(LANDING)

    assert response.status_code == 200
    assert VISITOR_COOKIE in response.cookies
    assert PageSession.objects.get().utm_campaign == "spring"


@pytest.mark.postgres
def test_the_page_is_served_when_the_database_connection_was_dropped(
    direct_session, transactional_db, client
):
    cache.clear()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("cursor_factory", "context", "prepare_threshold")
    }
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    response = client.get(LANDING)

    assert_page_served_without_a_visit(response)
    connection.close()
    assert not PageSession.objects.exists()
