"""Error answers: JSON for every status under /api/, a 503 (never the 500 page) for a lost
database, friendly pages elsewhere."""

import json

import psycopg
import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client

from core import errors
from leads.models import ContactMessage, LeadEvent, PageSession, UsersLead

pytestmark = pytest.mark.django_db

PAGE_SESSION = {"page": "/early-access/", "utm_source": "newsletter"}
DJANGO_500_PAGE = b"Server Error (500)"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    # Answer the way a server does instead of re-raising the view's exception into the test.
    return Client(raise_request_exception=False)


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["detail"]
    if code:
        assert body.get("code") == code
    return body


def nothing_stored() -> bool:
    return not (
        UsersLead.objects.exists()
        or PageSession.objects.exists()
        or LeadEvent.objects.exists()
        or ContactMessage.objects.exists()
    )


def test_400_for_malformed_json(client):
    response = client.post("/api/page-sessions/", "{not json", content_type="application/json")

    assert_json_error(response, 400, "parse_error")
    assert nothing_stored()


def test_404_for_an_unknown_api_path_is_json(client):
    assert_json_error(client.get("/api/no-such-thing/"), 404, "not_found")


def test_404_elsewhere_is_the_friendly_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"We cannot find that page" in response.content


def test_405_for_the_wrong_method(client):
    assert_json_error(client.get("/api/page-sessions/"), 405, "method_not_allowed")


def test_413_for_a_body_over_the_limit(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({**PAGE_SESSION, "referrer": "x" * 2000})

    response = client.post("/api/page-sessions/", body, content_type="application/json")

    assert_json_error(response, 413, "request_too_large")
    assert nothing_stored()


def test_413_page_for_an_html_form_over_the_limit(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    form = {"name": "Meera", "email": "meera@example.com", "subject": "x", "message": "y" * 2000}

    response = client.post("/contact/", form)

    assert response.status_code == 413
    assert b"more than we can take" in response.content
    assert nothing_stored()


@pytest.mark.urls("tests.core.error_urls")
def test_a_body_under_the_limit_still_reaches_the_view(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"text": "x" * 900})

    response = client.post("/api/test/echo/", body, content_type="application/json")

    assert response.json() == {"size": 900}


def test_415_for_a_form_encoded_body(client):
    response = client.post("/api/page-sessions/", PAGE_SESSION)

    assert_json_error(response, 415, "unsupported_media_type")
    assert nothing_stored()


def test_429_when_throttled(client, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "lead_page_sessions": "1/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    first = client.post("/api/page-sessions/", PAGE_SESSION, content_type="application/json")
    second = client.post("/api/page-sessions/", PAGE_SESSION, content_type="application/json")

    assert first.status_code == 201
    assert_json_error(second, 429, "throttled")
    assert "Retry-After" in second


@pytest.mark.urls("tests.core.error_urls")
@pytest.mark.parametrize("path", ["/api/test/boom/", "/api/test/plain-boom/"])
def test_500_is_json_under_api(client, path):
    body = assert_json_error(client.get(path), 500, "server_error")
    assert "a bug" not in body["detail"]  # nothing of the exception leaks


@pytest.mark.urls("tests.core.error_urls")
def test_500_elsewhere_is_the_friendly_page(client):
    response = client.get("/boom/")

    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


@pytest.mark.urls("tests.core.error_urls")
def test_503_with_retry_after_when_a_drf_view_loses_its_database(client):
    response = client.get("/api/test/database-gone/")

    assert_json_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)


@pytest.mark.urls("tests.core.error_urls")
def test_503_with_retry_after_when_a_view_loses_its_cache(client):
    response = client.post("/api/test/cache-gone/", {}, content_type="application/json")

    assert_json_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)


@pytest.mark.urls("tests.core.error_urls")
def test_503_page_when_an_html_view_loses_its_database(client):
    response = client.get("/database-gone/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert b"We are back in a moment" in response.content
    assert DJANGO_500_PAGE not in response.content


@pytest.mark.parametrize(("path", "json_answer"), [("/api/contact/", True), ("/contact/", False)])
def test_503_when_the_database_goes_away_outside_a_view(rf, path, json_answer):
    # A middleware's fault reaches handler500, inside Django's ``except``.
    request = rf.get(path)
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        response = errors.server_error(request)

    assert response.status_code == 503
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("application/json" if json_answer else "text/html")


def test_a_real_bug_outside_a_view_is_still_a_500(rf):
    request = rf.get("/api/contact/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = errors.server_error(request)

    assert_json_error(response, 500, "server_error")


# --- The database really goes away: the connection is killed from another session ---


def kill_backend(pid: int) -> None:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**{**params, "autocommit": True}) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def dropped_connection(direct_session, transactional_db):
    """Hold the test's connection (as a request would) and kill it from another session."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        kill_backend(cursor.fetchone()[0])
    yield
    connection.close()  # back to the pool, which drops it (and checks the next one)


@pytest.mark.postgres
def test_api_answers_503_when_its_connection_was_dropped(dropped_connection, client):
    response = client.post("/api/page-sessions/", PAGE_SESSION, content_type="application/json")

    assert_json_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    connection.close()
    assert nothing_stored()


@pytest.mark.postgres
def test_html_form_answers_the_friendly_503_when_its_connection_was_dropped(
    dropped_connection, client
):
    form = {
        "name": "Meera",
        "email": "meera@example.com",
        "subject": "Listing",
        "message": "I would like to list my flat.",
    }
    response = client.post("/contact/", form)

    assert response.status_code == 503
    assert b"We are back in a moment" in response.content
    assert DJANGO_500_PAGE not in response.content
    connection.close()
    assert nothing_stored()


@pytest.mark.postgres
def test_pooled_connections_are_checked_before_use(direct_session, transactional_db, client):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        dead = cursor.fetchone()[0]
    connection.close()  # back to the pool, idle
    kill_backend(dead)

    # The pool hands out a live connection instead of the dead one.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != dead
    connection.close()
    assert client.post(
        "/api/page-sessions/", PAGE_SESSION, content_type="application/json"
    ).status_code == (201)
