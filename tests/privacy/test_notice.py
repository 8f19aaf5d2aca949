"""A notice where data is collected (issue 20, item 5): the /privacy/ page, the forms' short
notice linking to it, and the notice's version on every submission's event."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from leads.models import LeadEvent, LeadEventType

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]

CHOICES = {"intent": "invest", "nps": "8", "name": "Priya Nair", "email": "priya@example.com"}
EARLY_ACCESS = {
    "email": "sam@example.com",
    "name": "Sam",
    "intent_level": "HIGH",
    "investment_range": "ABOVE_TWO_L",
    "city": "Goa",
    "preferred_property_type": "MIXED_USE",
    "notes": "",
}
CONTACT = {
    "name": "Meera Iyer",
    "email": "meera@example.com",
    "phone": "+91 98765 43210",
    "subject": "Listing my flat",
    "message": "I own a 2BHK in Whitefield and want to list it.",
}
FORMS = [
    ("leads:choices", CHOICES, LeadEventType.CHOICES_SUBMITTED),
    ("leads:early_access", EARLY_ACCESS, LeadEventType.EARLY_ACCESS_REQUESTED),
    ("leads:contact", CONTACT, LeadEventType.CONTACT_MESSAGE_SENT),
]
# The JSON endpoints, with this project's bodies and the live front-end's.
API_BODIES = [
    ("/api/choices/", {**CHOICES, "nps": 8}, LeadEventType.CHOICES_SUBMITTED),
    ("/api/choices", {"intent": "invest", "email": "asha@example.com"}, "CHOICES_SUBMITTED"),
    ("/api/early-access/", EARLY_ACCESS, LeadEventType.EARLY_ACCESS_REQUESTED),
    (
        "/api/early-access",
        {
            "email": "asha@example.com",
            "investmentIntent": "INVEST_WITHIN_3_MONTHS",
            "expectedInvestmentRange": "TEN_TO_FIFTY_K",
        },
        LeadEventType.EARLY_ACCESS_REQUESTED,
    ),
    ("/api/contact/", CONTACT, LeadEventType.CONTACT_MESSAGE_SENT),
    (
        "/api/contact",
        {"name": "Asha", "email": "asha@example.com", "message": "Please call me back soon."},
        LeadEventType.CONTACT_MESSAGE_SENT,
    ),
]


def test_the_privacy_page_names_the_contact_address_and_the_retention(client, settings):
    settings.PRIVACY_CONTACT_EMAIL = "privacy@comfhutt.example"
    settings.LEAD_RETENTION_DAYS = 540

    response = client.get("/privacy/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="mailto:privacy@comfhutt.example"' in page
    assert "540 days after we last heard from you" in page
    for words in ("What we collect", "Why", "How long we keep it", "a copy", "erase"):
        assert words in page
    assert django_settings.PRIVACY_NOTICE_VERSION in page


def test_without_retention_the_page_promises_no_period(client, settings):
    settings.LEAD_RETENTION_DAYS = None

    page = client.get(reverse("privacy-notice")).content.decode()

    assert "days after we last heard from you" not in page
    assert "when you ask us to" in page


def test_the_privacy_page_only_answers_get(client):
    assert client.post("/privacy/").status_code == 405


@pytest.mark.parametrize("value", ["Comfhutt <hello@comfhutt.example>", "hello@comfhutt.example"])
def test_the_contact_address_defaults_to_the_sender_address(value):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DEFAULT_FROM_EMAIL": value,
    }
    env.pop("PRIVACY_CONTACT_EMAIL", None)
    code = "import django; django.setup(); from django.conf import settings as s; print(s.PRIVACY_CONTACT_EMAIL)"

    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert out.stdout.strip() == "hello@comfhutt.example", out.stderr


@pytest.mark.parametrize(("page", "data", "event_type"), FORMS)
def test_every_form_shows_the_notice_with_a_link(client, page, data, event_type):
    blank = client.get(reverse(page)).content.decode()
    with_errors = client.post(reverse(page), {"email": "not an address"})

    assert 'class="privacy-note"' in blank
    assert 'href="/privacy/"' in blank
    assert with_errors.status_code == 400
    assert 'href="/privacy/"' in with_errors.content.decode()


@pytest.mark.parametrize(("page", "data", "event_type"), FORMS)
def test_a_form_submission_event_carries_the_notice_version(
    client, settings, page, data, event_type
):
    settings.PRIVACY_NOTICE_VERSION = "2031-01-02"

    response = client.post(reverse(page), data)

    assert response.status_code == 302
    event = LeadEvent.objects.get(event_type=event_type)
    assert event.metadata["privacy_notice_version"] == "2031-01-02"
    # Read back from the database (SQLite and PostgreSQL JSON alike).
    assert LeadEvent.objects.filter(metadata__privacy_notice_version="2031-01-02").count() == 1


@pytest.mark.parametrize(("path", "body", "event_type"), API_BODIES)
def test_a_json_submission_event_carries_the_notice_version(path, body, event_type):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        path, json.dumps(body), content_type="application/json", HTTP_ORIGIN="https://x.example"
    )

    assert response.status_code == 201, response.content
    event = LeadEvent.objects.get(event_type=event_type)
    version = django_settings.PRIVACY_NOTICE_VERSION
    assert event.metadata["privacy_notice_version"] == version
    assert LeadEvent.objects.filter(metadata__privacy_notice_version=version).count() == 1


def test_events_that_are_not_submissions_carry_no_version(client):
    client.get("/privacy/?utm_source=newsletter")  # a campaign landing: a page session

    event = LeadEvent.objects.get(event_type=LeadEventType.PAGE_SESSION_RECORDED)
    assert "privacy_notice_version" not in event.metadata
