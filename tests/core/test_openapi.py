"""The staff API's OpenAPI schema and docs: valid, offline, and true to the running API."""

import re
from io import StringIO

import pytest
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.api_tokens import api_token_create
from tests.api_support import all_permissions, grant
from tests.crm.factories import (
    AppointmentFactory,
    ClinicFactory,
    ContactFactory,
    ContactIntegrationFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    TagFactory,
    TaskFactory,
)
from tests.leads.factories import LeadEventFactory, UsersLeadFactory
from tests.lms.factories import EnrollmentFactory, LessonFactory, LessonProgressFactory

URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")


def test_schema_is_valid_openapi_3_without_warnings():
    out = StringIO()

    # --fail-on-warn turns every drf-spectacular warning (untyped field, name clash) into an error.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out
    )

    schema = out.getvalue()
    assert '"openapi": "3.0.3"' in schema
    assert '"bearerAuth"' in schema
    for prefix in ("/api/crm/contacts/", "/api/leads/", "/api/lms/courses/"):
        assert f'"{prefix}"' in schema
    # The public form endpoints are not part of the staff API's description.
    assert "/api/choices/" not in schema


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert schema.json()["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert docs.status_code == 200
    assert 'id="swagger-ui"' in docs.content.decode()


@pytest.mark.django_db
def test_docs_page_and_its_init_script_reference_no_outside_host(client):
    html = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=").content.decode()

    assert URL.findall(html) == []
    assert URL.findall(script) == []
    # Everything the page loads comes from our static files or from this view.
    loaded = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert loaded and all(url.startswith(("/static/", "/api/docs/")) for url in loaded)
    # No inline script or style (the site's Content-Security-Policy allows neither).
    assert "<style" not in html and "style=" not in html
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert '"validatorUrl": null' in script


# --- Property-based run against the schema (schemathesis) -------------------------------------


@pytest.fixture
def staff_token(db, settings):
    """A scoped member's token; rows in two organizations, so that lists have content."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "staff_api": "100000/min",
        },
    }
    cache.clear()
    for organization in (OrganizationFactory(), OrganizationFactory()):
        clinic = ClinicFactory(organization=organization, custom_fields={"chairs": 4})
        patient = ContactFactory(
            organization=organization, contact_type="PATIENT", parent_contact=clinic
        )
        patient.tags.add(TagFactory(organization=organization))
        ContactNoteFactory(contact=patient)
        AppointmentFactory(contact=patient)
        MessageFactory(contact=patient)
        TaskFactory(contact=patient, due_date=timezone.now())
        ContactIntegrationFactory(contact=patient)
        lesson = LessonFactory(chapter__course__organization=organization)
        EnrollmentFactory(contact=patient, course=lesson.chapter.course)
        LessonProgressFactory(contact=patient, lesson=lesson)
        lead = UsersLeadFactory(converted_contact=patient, converted_at=timezone.now())
        LeadEventFactory(lead=lead)
    member = grant(
        OrganizationMembershipFactory(organization=organization).user, *all_permissions()
    )
    _, token = api_token_create(user=member, name="schemathesis")
    # Requests go straight to the WSGI app, so Django's end-of-request hook would close the
    # test's connection mid-transaction; Django's own test client unhooks it the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield token
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Loaded from the app itself (no server, no network): one test per operation.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Explicit examples and random fuzzing, bounded by max_examples below. The coverage phase
# (every boundary of every parameter) would take minutes for the whole API on two cores.
schema.config.phases.coverage.enabled = False


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_conform_to_the_schema_and_never_500(case, staff_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {staff_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
