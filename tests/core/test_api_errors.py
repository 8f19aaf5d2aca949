"""One error format across the staff API: field errors under their names, ``detail`` else."""

import pytest
from django.core.cache import cache

from crm.models import ContactNote
from tests.api_support import world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_field_errors_sit_under_their_names(world):
    response = world.a.post("/api/crm/notes/", {"content": ""}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"contact", "content"}
    assert all(isinstance(messages, list) for messages in response.json().values())


def test_a_rule_without_a_field_answers_detail(world):
    task = TaskFactory(contact=ContactFactory(organization=world.org_a), status="CANCELLED")

    response = world.a.post(f"/api/crm/tasks/{task.pk}/start/")

    assert response.status_code == 400
    assert response.json() == {"detail": "A cancelled task cannot be started.", "code": "invalid"}


def test_malformed_json_is_a_400_with_detail(world):
    response = world.a.post("/api/crm/notes/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/crm/contacts/00000000-0000-0000-0000-000000000000/", 404, "not_found"),
        ("put", "/api/crm/contacts/00000000-0000-0000-0000-000000000000/", 405, None),
        ("delete", "/api/crm/notes/", 405, "method_not_allowed"),
    ],
)
def test_not_found_and_method_not_allowed_answer_json(world, method, path, status, code):
    response = getattr(world.a, method)(path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    if code:
        assert response.json()["code"] == code


def test_a_form_body_is_415_json(world):
    contact = ContactFactory(organization=world.org_a)

    response = world.a.post("/api/crm/notes/", {"contact": str(contact.pk), "content": "x"})

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not ContactNote.objects.exists()


def test_a_body_over_the_limit_is_413_json_and_nothing_is_written(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    contact = ContactFactory(organization=world.org_a)

    response = world.a.post(
        "/api/crm/notes/", {"contact": str(contact.pk), "content": "x" * 5000}, format="json"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not ContactNote.objects.exists()


def test_too_many_requests_is_429_json(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "staff_api": "2/min",
        },
    }
    cache.clear()
    try:
        answers = [world.a.get("/api/crm/contacts/") for _ in range(3)]
    finally:
        cache.clear()

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == "throttled"
    assert "Retry-After" in answers[2]


def test_an_unexpected_error_is_a_500_json_without_internals(world, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("crm.staff_apis.contact_note_create", explode)
    contact = ContactFactory(organization=world.org_a)

    response = world.a.post(
        "/api/crm/notes/", {"contact": str(contact.pk), "content": "x"}, format="json"
    )

    assert response.status_code == 500
    assert response.json() == {
        "detail": "Something went wrong on our side.",
        "code": "server_error",
    }
    assert "secret" not in response.content.decode()
