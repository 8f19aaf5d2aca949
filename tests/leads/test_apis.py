import json

import pytest
from rest_framework.test import APIClient

from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    PageSession,
    UsersLead,
)
from leads.visitors import VISITOR_COOKIE

pytestmark = pytest.mark.django_db

CHOICES = {"intent": "list-property", "nps": 7, "name": "Arjun", "email": "Arjun@Example.com"}
EARLY_ACCESS = {
    "email": "sam@example.com",
    "intent_level": "LOW",
    "investment_range": "BELOW_10K",
    "city": "Goa",
}
CONTACT = {
    "name": "Meera",
    "email": "meera@example.com",
    "subject": "Listing",
    "message": "I want to list my flat in Whitefield.",
}
PAGE_SESSION = {"page": "/choices/", "utm_source": "newsletter", "utm_campaign": "nov"}
ENDPOINTS = [
    ("/api/choices/", CHOICES),
    ("/api/early-access/", EARLY_ACCESS),
    ("/api/contact/", CONTACT),
]

# One API submission by a visitor with a cookie and earlier page sessions, in the savepoint pair
# that stands for BEGIN/COMMIT inside the test's transaction: the lead upsert (one INSERT ...
# ON CONFLICT DO UPDATE ... RETURNING), the submission's row, the claim of the visitor's page
# sessions, the claim of their events, the event, the pending staff alert and the visitor's
# confirmation (its claim for the day, its outbox row) (alerts app).
API_SUBMISSION_QUERY_BUDGET = 10
# Without a visitor cookie: SAVEPOINT, upsert, the submission's row, the event, the staff
# alert, the confirmation's claim and outbox row (a contact message or an early-access
# request), RELEASE.
API_SUBMISSION_WITHOUT_COOKIE_BUDGET = 8


@pytest.fixture
def api():
    return APIClient()


def nothing_written() -> bool:
    return not any(
        model.objects.exists()
        for model in (UsersLead, LeadEvent, ChoicesResponse, EarlyAccessRequest, ContactMessage)
    )


@pytest.mark.parametrize(("url", "body"), ENDPOINTS)
def test_submission_creates_lead_and_answers_201(api, url, body):
    response = api.post(url, body, format="json")

    assert response.status_code == 201
    assert response.json() == {"status": "received"}
    assert UsersLead.objects.count() == 1
    assert LeadEvent.objects.count() == 1


@pytest.mark.parametrize(("url", "body"), ENDPOINTS)
def test_known_email_gets_the_same_answer_and_the_same_lead(api, url, body):
    first = api.post(url, body, format="json")

    second = APIClient().post(url, {**body, "email": body["email"].upper()}, format="json")

    assert (second.status_code, second.content) == (first.status_code, first.content)
    assert UsersLead.objects.count() == 1
    assert LeadEvent.objects.count() == 2


def test_choices_api_stores_answers(api):
    api.post("/api/choices/", CHOICES, format="json")

    lead = UsersLead.objects.get()
    assert (lead.email, lead.name, lead.source) == ("arjun@example.com", "Arjun", "CHOICES")
    assert dict(lead.choices_responses.values_list("choice_key", "choice_value")) == {
        "intent": "list-property",
        "nps": "7",
    }


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/choices/", {**CHOICES, "email": None}, "email"),
        ("/api/choices/", {k: v for k, v in CHOICES.items() if k != "email"}, "email"),
        ("/api/choices/", {**CHOICES, "email": "nope"}, "email"),
        ("/api/choices/", {**CHOICES, "email": "a" * 250 + "@x.co"}, "email"),
        ("/api/choices/", {**CHOICES, "nps": 11}, "nps"),
        ("/api/choices/", {**CHOICES, "nps": -1}, "nps"),
        ("/api/choices/", {**CHOICES, "nps": "ten"}, "nps"),
        ("/api/choices/", {**CHOICES, "intent": "buy"}, "intent"),
        ("/api/choices/", {**CHOICES, "name": "n" * 201}, "name"),
        ("/api/choices/", {**CHOICES, "name": "bad\x00byte"}, "name"),
        ("/api/early-access/", {**EARLY_ACCESS, "intent_level": "SOON"}, "intent_level"),
        ("/api/early-access/", {**EARLY_ACCESS, "investment_range": "1M"}, "investment_range"),
        ("/api/early-access/", {k: v for k, v in EARLY_ACCESS.items() if k != "city"}, "city"),
        ("/api/early-access/", {**EARLY_ACCESS, "city": "c" * 101}, "city"),
        ("/api/early-access/", {**EARLY_ACCESS, "notes": "n" * 2001}, "notes"),
        (
            "/api/early-access/",
            {**EARLY_ACCESS, "preferred_property_type": "CASTLE"},
            "preferred_property_type",
        ),
        ("/api/contact/", {**CONTACT, "message": "short"}, "message"),
        ("/api/contact/", {**CONTACT, "message": "m" * 5001}, "message"),
        ("/api/contact/", {**CONTACT, "subject": "s" * 201}, "subject"),
        ("/api/contact/", {**CONTACT, "phone": "call me"}, "phone"),
        ("/api/contact/", {k: v for k, v in CONTACT.items() if k != "name"}, "name"),
    ],
)
def test_bad_input_gets_400_with_field_errors_and_writes_nothing(api, url, body, field):
    response = api.post(url, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert nothing_written()


def test_a_json_body_that_is_not_an_object_is_400(api):
    response = api.post("/api/choices/", [1, 2], format="json")

    assert response.status_code == 400
    assert nothing_written()


@pytest.mark.parametrize("url", [url for url, _ in ENDPOINTS] + ["/api/page-sessions/"])
def test_form_encoded_body_is_415_and_get_is_405(api, url):
    assert api.post(url, {"email": "a@b.co"}).status_code == 415
    assert api.get(url).status_code == 405
    assert nothing_written()


@pytest.mark.parametrize(("url", "body"), ENDPOINTS)
def test_honeypot_gets_201_and_stores_nothing(api, url, body):
    response = api.post(url, {**body, "website": "spam"}, format="json")

    assert response.status_code == 201
    assert response.json() == {"status": "received"}
    assert nothing_written()


def test_page_session_api_records_and_later_submission_claims_it(api):
    response = api.post("/api/page-sessions/", PAGE_SESSION, format="json")
    assert response.status_code == 201
    assert VISITOR_COOKIE in response.cookies

    api.post("/api/contact/", CONTACT, format="json")

    session = PageSession.objects.get()
    assert session.lead == UsersLead.objects.get()
    assert (session.utm_source, session.utm_campaign) == ("newsletter", "nov")


def test_page_session_api_needs_a_campaign_or_referrer(api):
    response = api.post("/api/page-sessions/", {"page": "/"}, format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not PageSession.objects.exists()


def test_api_submission_query_budget(api, django_assert_max_num_queries):
    api.post("/api/page-sessions/", PAGE_SESSION, format="json")
    api.post("/api/choices/", CHOICES, format="json")

    with django_assert_max_num_queries(API_SUBMISSION_QUERY_BUDGET):
        response = api.post(
            "/api/contact/", CONTACT | {"email": "ARJUN@example.com"}, format="json"
        )

    assert response.status_code == 201


@pytest.mark.parametrize(("url", "body"), ENDPOINTS)
def test_api_submission_without_a_cookie_is_at_most_eight_statements(
    api, url, body, django_assert_max_num_queries
):
    with django_assert_max_num_queries(API_SUBMISSION_WITHOUT_COOKIE_BUDGET):
        assert api.post(url, body, format="json").status_code == 201
    with django_assert_max_num_queries(API_SUBMISSION_WITHOUT_COOKIE_BUDGET):
        assert APIClient().post(url, body, format="json").status_code == 201

    assert UsersLead.objects.count() == 1


# 254 characters, a valid address; lower-casing "İ" makes it 255, which no longer fits.
GROWING_EMAIL = "İ" + "a" * 39 + "@" + ("b" * 63 + ".") * 3 + "e" * 17 + ".com"


@pytest.mark.parametrize("url", ["/api/choices", "/api/contact/", "/api/early-access"])
def test_an_email_that_outgrows_the_column_is_a_400(api, url):
    body = {
        "/api/choices": CHOICES,
        "/api/contact/": CONTACT,
        "/api/early-access": {
            "email": "x@example.com",
            "investmentIntent": "READY_TO_INVEST",
            "expectedInvestmentRange": "ABOVE_TWO_L",
        },
    }[url]

    response = api.post(url, {**body, "email": GROWING_EMAIL}, format="json")

    assert response.status_code == 400
    assert "too long" in json.dumps(response.json())
    assert nothing_written()


def test_an_email_that_outgrows_the_column_is_a_400_on_the_form(client):
    response = client.post(
        "/contact/",
        {"name": "A", "email": GROWING_EMAIL, "subject": "Hi", "message": "Call me back please."},
    )

    assert response.status_code == 400
    assert "too long" in response.content.decode()
    assert nothing_written()


def test_api_is_throttled_per_connecting_address(api, throttle_rate):
    throttle_rate("lead_choices", "2/min")
    for n in range(2):
        assert api.post("/api/choices/", {**CHOICES, "nps": n}, format="json").status_code == 201

    forged = api.post(
        "/api/choices/", CHOICES, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
    )
    other_address = api.post("/api/choices/", CHOICES, format="json", REMOTE_ADDR="10.1.2.3")

    assert forged.status_code == 429
    assert other_address.status_code == 201
    assert ChoicesResponse.objects.filter(choice_key="nps").count() == 3


def test_behind_a_trusted_proxy_the_forwarded_client_is_limited(api, throttle_rate, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    throttle_rate("lead_contact", "1/min")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    first = api.post(
        "/api/contact/", CONTACT, format="json", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy
    )
    again = api.post(
        "/api/contact/",
        CONTACT,
        format="json",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5",  # a forged left part changes nothing
        **proxy,
    )
    other = api.post(
        "/api/contact/", CONTACT, format="json", HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy
    )

    assert [first.status_code, again.status_code, other.status_code] == [201, 429, 201]


@pytest.mark.parametrize(
    "url",
    ["/api/leads/", "/api/users-leads/", "/api/choices/1/", "/api/contact/?email=a@b.co"],
)
def test_no_endpoint_reveals_leads_to_anonymous_callers(api, url):
    api.post("/api/contact/", CONTACT, format="json")

    response = api.get(url)

    # 401: /api/leads/ is the staff API, closed to anonymous callers (leads/staff_apis.py).
    assert response.status_code in (401, 404, 405)
    assert b"meera" not in response.content


@pytest.mark.parametrize(
    "email",
    [
        "Ünïcode@ÉXAMPLE.com",
        "User@BÜCHER.example",
        "x@ǅΣİ.example",
        "user@xn--bcher-kva.example",
        "a\u0130b@example.com",
        "x@[127.0.0.1]",
    ],
)
def test_unusual_emails_never_cause_a_500(api, email):
    response = api.post("/api/choices/", {**CHOICES, "email": email}, format="json")

    assert response.status_code in (201, 400)
    if response.status_code == 201:
        assert UsersLead.objects.get().email == email.strip().lower()


@pytest.mark.parametrize("value", ["\\ud800", "a\\u0000b"])
def test_unencodable_text_is_a_400_not_a_500(api, value):
    # Raw JSON escapes: a lone surrogate and a NUL, which PostgreSQL text cannot store.
    body = json.dumps(CONTACT)[:-1] + f', "subject": "{value}"}}'
    response = api.generic("POST", "/api/contact/", body, content_type="application/json")

    assert response.status_code == 400
    assert nothing_written()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/contact/", {**CONTACT, "name": True}, "name"),
        ("/api/contact/", {**CONTACT, "email": ["ravi@example.com"]}, "email"),
        ("/api/contact/", {**CONTACT, "message": {"text": "Please call me back."}}, "message"),
        ("/api/choices/", {**CHOICES, "nps": True}, "nps"),
        ("/api/choices/", {**CHOICES, "intent": ["invest"]}, "intent"),
    ],
)
def test_json_values_that_are_not_text_or_numbers_are_refused(api, url, body, field):
    # The forms' fields would read True as "True" and a list as its repr; the JSON check
    # in leads.forms.json_clean refuses them first.
    response = api.post(url, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert nothing_written()


def test_the_json_endpoints_validate_with_the_html_forms_fields():
    # One rule set: each JSON body's fields are the page's form fields, changed only where the
    # body differs (an optional score or subject, the front-end's source).
    from leads import forms

    for api_form, page_form in (
        (forms.ChoicesApiForm, forms.ChoicesForm),
        (forms.ContactApiForm, forms.ContactForm),
    ):
        assert issubclass(api_form, page_form)
        same = set(page_form.base_fields) - {"nps", "subject"}
        # The very same field objects: a rule changed on the page changes on the API.
        assert all(api_form.base_fields[name] is page_form.base_fields[name] for name in same)
    assert forms.EarlyAccessClientForm.base_fields["email"].max_length == (
        forms.EarlyAccessForm.base_fields["email"].max_length
    )
