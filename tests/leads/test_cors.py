"""CORS for the public lead endpoints: configured origins only, no credentials, rate limits."""

import json

import pytest
from django.test import Client

from leads.models import ContactMessage, UsersLead
from tests.config.test_settings import run_python

pytestmark = pytest.mark.django_db

FRONT_END = "https://comfhutt.example"
STRANGER = "https://evil.example"
CONTACT = {"name": "Asha", "email": "asha@example.com", "message": "Please call me back soon."}
PUBLIC_PATHS = [
    "/api/choices",
    "/api/contact",
    "/api/early-access",
    "/api/choices/",
    "/api/contact/",
    "/api/early-access/",
    "/api/page-sessions/",
]


@pytest.fixture(autouse=True)
def _front_end_allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END]


def preflight(client: Client, path: str, origin: str):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


def post_contact(client: Client, origin: str, path: str = "/api/contact"):
    return client.post(
        path, json.dumps(CONTACT), content_type="application/json", HTTP_ORIGIN=origin
    )


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_preflight_from_the_front_end_is_allowed_without_credentials(client, path):
    response = preflight(client, path, FRONT_END)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONT_END
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "content-type" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_preflight_from_another_origin_is_not_allowed(client, path):
    response = preflight(client, path, STRANGER)

    assert "Access-Control-Allow-Origin" not in response


def test_post_from_the_front_end_carries_cors_headers(client):
    response = post_contact(client, FRONT_END)

    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == FRONT_END
    assert "Access-Control-Allow-Credentials" not in response


def test_post_from_another_origin_gets_no_cors_headers(client):
    response = post_contact(client, STRANGER)

    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_is_allowed_by_default(client, settings):
    settings.CORS_ALLOWED_ORIGINS = []

    response = preflight(client, "/api/contact", FRONT_END)

    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("path", ["/admin/login/", "/contact/", "/api/crm/contacts/", "/"])
def test_other_paths_get_no_cors_headers(client, path):
    response = preflight(client, path, FRONT_END)
    plain = client.get(path, HTTP_ORIGIN=FRONT_END)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in plain


def test_preflights_do_not_use_up_the_rate_limit(client, throttle_rate):
    throttle_rate("lead_contact", "1/min")
    for _ in range(5):
        assert preflight(client, "/api/contact", FRONT_END).status_code == 200

    assert post_contact(client, FRONT_END).status_code == 201
    assert ContactMessage.objects.count() == 1


def test_a_rate_limited_answer_still_carries_cors_headers(client, throttle_rate):
    throttle_rate("lead_contact", "1/min")
    assert post_contact(client, FRONT_END).status_code == 201

    limited = post_contact(client, FRONT_END)

    assert limited.status_code == 429
    assert limited["Access-Control-Allow-Origin"] == FRONT_END
    assert int(limited["Retry-After"]) >= 0
    assert ContactMessage.objects.count() == 1
    assert UsersLead.objects.count() == 1


def test_allowed_origins_come_from_the_environment():
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.CORS_ALLOWED_ORIGINS))"
    )
    unset = run_python(code, "config.settings.local", CORS_ALLOWED_ORIGINS="")
    listed = run_python(
        code,
        "config.settings.local",
        CORS_ALLOWED_ORIGINS="https://comfhutt.example,https://www.comfhutt.example",
    )

    assert json.loads(unset.stdout.splitlines()[-1]) == []
    assert json.loads(listed.stdout.splitlines()[-1]) == [
        "https://comfhutt.example",
        "https://www.comfhutt.example",
    ]
