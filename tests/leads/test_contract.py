"""The live front-end's requests, exactly as CLIENT-CONTRACT.md records them, and its answers."""

import json

import pytest
from django.test import Client

from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    LeadEventType,
    LeadSource,
    UsersLead,
)

pytestmark = pytest.mark.django_db

# The front-end's bodies, key for key.
CHOICES = {"intent": "invest", "nps": 8, "name": "Asha", "email": "asha@example.com"}
CONTACT = {"name": "Asha", "email": "asha@example.com", "message": "Please call me back soon."}
EARLY_ACCESS = {
    "email": "asha@example.com",
    "name": "Asha",
    "investmentIntent": "INVEST_WITHIN_3_MONTHS",
    "expectedInvestmentRange": "TEN_TO_FIFTY_K",
    "preferredPropertyType": "COMMERCIAL",
    "source": "website",
}


@pytest.fixture
def browser():
    # Like the front-end: no cookies, no CSRF token, JSON from another origin.
    return Client(enforce_csrf_checks=True)


def post(client: Client, path: str, body) -> "Client":
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        HTTP_ORIGIN="https://comfhutt.example",
    )


def nothing_written() -> bool:
    return not any(
        model.objects.exists()
        for model in (UsersLead, LeadEvent, ChoicesResponse, EarlyAccessRequest, ContactMessage)
    )


def no_lead_details(response) -> None:
    text = response.content.decode()
    lead_ids = [str(pk) for pk in UsersLead.objects.values_list("pk", flat=True)]
    assert not any(pk in text or pk.replace("-", "") in text for pk in lead_ids)
    assert "asha@example.com" not in text


@pytest.mark.parametrize("slash", ["", "/"])
def test_choices_body_is_accepted_with_and_without_a_trailing_slash(browser, slash):
    response = post(browser, f"/api/choices{slash}", CHOICES)

    assert response.status_code == 201
    no_lead_details(response)
    lead = UsersLead.objects.get()
    assert (lead.email, lead.name, lead.source) == ("asha@example.com", "Asha", LeadSource.CHOICES)
    assert dict(lead.choices_responses.values_list("choice_key", "choice_value")) == {
        "intent": "invest",
        "nps": "8",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"intent": "list-property", "email": "asha@example.com"},  # nps and name left out
        {"intent": "list-property", "name": "", "email": "asha@example.com"},
        {"intent": "list-property", "nps": None, "email": "asha@example.com"},
    ],
)
def test_choices_optional_keys_may_be_absent(browser, body):
    response = post(browser, "/api/choices", body)

    assert response.status_code == 201
    lead = UsersLead.objects.get()
    assert lead.name == ""
    assert list(lead.choices_responses.values_list("choice_key", "choice_value")) == [
        ("intent", "list-property")
    ]


def test_choices_source_is_kept_in_the_event(browser):
    post(browser, "/api/choices", {**CHOICES, "source": "partner-site"})

    event = LeadEvent.objects.get()
    assert event.event_type == LeadEventType.CHOICES_SUBMITTED
    assert event.metadata["client_source"] == "partner-site"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CHOICES, "intent": "buy"}, "intent"),
        ({**CHOICES, "nps": 11}, "nps"),
        ({**CHOICES, "nps": 7.5}, "nps"),
        ({**CHOICES, "email": "not-an-email"}, "email"),
        ({k: v for k, v in CHOICES.items() if k != "email"}, "email"),
        ({k: v for k, v in CHOICES.items() if k != "intent"}, "intent"),
    ],
)
def test_bad_choices_bodies_are_400_with_field_errors_and_write_nothing(browser, body, field):
    response = post(browser, "/api/choices", body)

    assert response.status_code == 400
    assert field in response.json()
    assert nothing_written()


@pytest.mark.parametrize("slash", ["", "/"])
def test_contact_body_without_subject_or_phone_is_accepted(browser, slash):
    response = post(browser, f"/api/contact{slash}", CONTACT)

    assert response.status_code == 201
    no_lead_details(response)
    message = ContactMessage.objects.get()
    assert (message.subject, message.message) == ("", "Please call me back soon.")
    assert (message.lead.name, message.lead.source) == ("Asha", LeadSource.CONTACT)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CONTACT, "name": ""}, "name"),
        ({k: v for k, v in CONTACT.items() if k != "name"}, "name"),
        ({**CONTACT, "message": "too short"}, "message"),
        ({k: v for k, v in CONTACT.items() if k != "message"}, "message"),
        ({**CONTACT, "email": "asha"}, "email"),
    ],
)
def test_bad_contact_bodies_are_400_with_field_errors_and_write_nothing(browser, body, field):
    response = post(browser, "/api/contact", body)

    assert response.status_code == 400
    assert field in response.json()
    assert nothing_written()


@pytest.mark.parametrize("slash", ["", "/"])
def test_early_access_body_gets_201_success_true(browser, slash):
    response = post(browser, f"/api/early-access{slash}", EARLY_ACCESS)

    assert response.status_code == 201
    assert response.json() == {"success": True}
    request = EarlyAccessRequest.objects.get()
    assert (request.intent_level, request.investment_range, request.city) == (
        "MEDIUM",
        "TEN_TO_FIFTY_K",
        "",
    )
    assert (request.lead.name, request.lead.source) == ("Asha", LeadSource.EARLY_ACCESS)
    event = LeadEvent.objects.get()
    assert event.metadata["preferred_property_type"] == "COMMERCIAL"
    assert event.metadata["client_source"] == "website"


@pytest.mark.parametrize(
    ("legacy", "level"),
    [("JUST_EXPLORING", "LOW"), ("INVEST_WITHIN_3_MONTHS", "MEDIUM"), ("READY_TO_INVEST", "HIGH")],
)
def test_legacy_intents_map_as_in_the_backfill(browser, legacy, level):
    response = post(browser, "/api/early-access", {**EARLY_ACCESS, "investmentIntent": legacy})

    assert response.status_code == 201
    assert EarlyAccessRequest.objects.get().intent_level == level


@pytest.mark.parametrize("investment_range", ["BELOW_10K", "FIFTY_K_TO_TWO_L", "ABOVE_TWO_L"])
@pytest.mark.parametrize("property_type", ["RESIDENTIAL", "MIXED_USE"])
def test_every_range_and_property_type_is_accepted(browser, investment_range, property_type):
    body = {
        **EARLY_ACCESS,
        "expectedInvestmentRange": investment_range,
        "preferredPropertyType": property_type,
    }

    assert post(browser, "/api/early-access", body).status_code == 201

    assert EarlyAccessRequest.objects.get().investment_range == investment_range
    assert LeadEvent.objects.get().metadata["preferred_property_type"] == property_type


def test_early_access_optional_keys_may_be_absent(browser):
    body = {k: v for k, v in EARLY_ACCESS.items() if k not in ("name", "preferredPropertyType")}

    response = post(browser, "/api/early-access", body)

    assert (response.status_code, response.json()) == (201, {"success": True})
    assert EarlyAccessRequest.objects.get().lead.name == ""
    assert LeadEvent.objects.get().metadata["preferred_property_type"] == ""


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({**EARLY_ACCESS, "email": "nope"}, "email"),
        ({k: v for k, v in EARLY_ACCESS.items() if k != "email"}, "email"),
        ({**EARLY_ACCESS, "investmentIntent": "LOW"}, "investmentIntent"),
        ({**EARLY_ACCESS, "investmentIntent": "SOMEDAY"}, "investmentIntent"),
        (
            {k: v for k, v in EARLY_ACCESS.items() if k != "expectedInvestmentRange"},
            "expectedInvestmentRange",
        ),
        ({**EARLY_ACCESS, "expectedInvestmentRange": "1M"}, "expectedInvestmentRange"),
        ({**EARLY_ACCESS, "preferredPropertyType": "CASTLE"}, "preferredPropertyType"),
        ({}, "email"),
        ([1, 2], "dictionary"),
    ],
)
def test_bad_early_access_bodies_get_one_readable_error(browser, body, mentions):
    response = post(browser, "/api/early-access", body)

    assert response.status_code == 400
    answer = response.json()
    assert set(answer) == {"success", "error"}
    assert answer["success"] is False
    assert isinstance(answer["error"], str)
    assert mentions in answer["error"]
    assert nothing_written()


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/choices", CHOICES), ("/api/contact", CONTACT), ("/api/early-access", EARLY_ACCESS)],
)
def test_a_known_email_gets_the_same_answer(browser, path, body):
    first = post(browser, path, body)

    again = post(Client(), path, {**body, "email": " ASHA@Example.com "})

    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert UsersLead.objects.count() == 1
    assert LeadEvent.objects.count() == 2
    no_lead_details(again)


def test_the_project_early_access_body_keeps_its_own_answers(browser):
    body = {
        "email": "sam@example.com",
        "intent_level": "HIGH",
        "investment_range": "BELOW_10K",
        "city": "Goa",
    }

    ok = post(browser, "/api/early-access", body)
    bad = post(browser, "/api/early-access", {**body, "intent_level": "SOON"})

    assert (ok.status_code, ok.json()) == (201, {"status": "received"})
    assert bad.status_code == 400
    assert "intent_level" in bad.json()
    assert EarlyAccessRequest.objects.get().city == "Goa"


def test_a_rate_limited_early_access_gets_a_readable_error(browser, throttle_rate):
    throttle_rate("lead_early_access", "1/min")
    assert post(browser, "/api/early-access", EARLY_ACCESS).status_code == 201

    limited = post(browser, "/api/early-access", {**EARLY_ACCESS, "email": "b@example.com"})

    assert limited.status_code == 429
    assert limited.json()["success"] is False
    assert "try again" in limited.json()["error"]
    assert int(limited["Retry-After"]) >= 1
    assert UsersLead.objects.count() == 1
