import pytest
from django.test import Client
from django.urls import reverse

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

CHOICES = {"intent": "invest", "nps": "8", "name": "Priya Nair", "email": "Priya@Example.com"}
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
PAGES = [
    ("leads:choices", "leads:choices_thanks", CHOICES),
    ("leads:early_access", "leads:early_access_thanks", EARLY_ACCESS),
    ("leads:contact", "leads:contact_thanks", CONTACT),
]


def nothing_written() -> bool:
    return not any(
        model.objects.exists()
        for model in (UsersLead, LeadEvent, ChoicesResponse, EarlyAccessRequest, ContactMessage)
    )


@pytest.mark.parametrize(("page", "thanks", "data"), PAGES)
def test_form_page_renders_labelled_fields_with_csrf_and_honeypot(client, page, thanks, data):
    response = client.get(reverse(page))

    assert response.status_code == 200
    html = response.content.decode()
    assert "csrfmiddlewaretoken" in html
    assert 'class="hp-field"' in html
    for field in data:
        assert f'id="id_{field}' in html
    for field in ("email", "name"):
        assert f'for="id_{field}"' in html
    assert 'href="/static/css/site.css"' in html


@pytest.mark.parametrize(("page", "thanks", "data"), PAGES)
def test_valid_submission_stores_one_lead_and_thanks(client, page, thanks, data):
    response = client.post(reverse(page), data)

    assert response.status_code == 302
    assert response["Location"] == reverse(thanks)
    assert UsersLead.objects.count() == 1
    assert LeadEvent.objects.filter(lead__isnull=False).count() == 1
    assert client.get(response["Location"]).status_code == 200


def test_choices_stores_the_three_steps():
    client = Client()
    client.post(reverse("leads:choices"), CHOICES)

    lead = UsersLead.objects.get()
    assert (lead.email, lead.name) == ("priya@example.com", "Priya Nair")
    assert dict(lead.choices_responses.values_list("choice_key", "choice_value")) == {
        "intent": "invest",
        "nps": "8",
    }


def test_same_email_in_capitals_adds_to_the_same_lead(client):
    client.post(reverse("leads:choices"), CHOICES)

    client.post(reverse("leads:choices"), {**CHOICES, "email": "PRIYA@EXAMPLE.COM", "nps": "10"})

    lead = UsersLead.objects.get()
    assert lead.choices_responses.filter(choice_key="nps").count() == 2
    assert lead.events.count() == 2


@pytest.mark.parametrize(
    ("page", "data", "field", "expected"),
    [
        ("leads:choices", {**CHOICES, "email": ""}, "email", "This field is required."),
        ("leads:choices", {**CHOICES, "email": "not-an-email"}, "email", "valid email"),
        ("leads:choices", {**CHOICES, "email": "a" * 250 + "@x.co"}, "email", "at most 254"),
        ("leads:choices", {**CHOICES, "nps": "11"}, "nps", "Pick a score from 0 to 10."),
        ("leads:choices", {**CHOICES, "nps": "-1"}, "nps", "Pick a score"),
        ("leads:choices", {**CHOICES, "intent": "buy"}, "intent", "Select a valid choice"),
        ("leads:choices", {**CHOICES, "intent": ""}, "intent", "This field is required."),
        ("leads:choices", {**CHOICES, "name": "n" * 201}, "name", "at most 200"),
        ("leads:early_access", {**EARLY_ACCESS, "city": ""}, "city", "required"),
        ("leads:early_access", {**EARLY_ACCESS, "city": "c" * 101}, "city", "at most 100"),
        ("leads:early_access", {**EARLY_ACCESS, "intent_level": "SOON"}, "intent_level", "valid"),
        (
            "leads:early_access",
            {**EARLY_ACCESS, "investment_range": "1M"},
            "investment_range",
            "valid choice",
        ),
        (
            "leads:early_access",
            {**EARLY_ACCESS, "preferred_property_type": "CASTLE"},
            "preferred_property_type",
            "valid choice",
        ),
        ("leads:early_access", {**EARLY_ACCESS, "notes": "n" * 2001}, "notes", "at most 2000"),
        ("leads:contact", {**CONTACT, "name": ""}, "name", "required"),
        ("leads:contact", {**CONTACT, "subject": "s" * 201}, "subject", "at most 200"),
        ("leads:contact", {**CONTACT, "message": "too short"}, "message", "at least 10"),
        ("leads:contact", {**CONTACT, "message": "m" * 5001}, "message", "at most 5000"),
        ("leads:contact", {**CONTACT, "phone": "call me"}, "phone", "phone number"),
        ("leads:contact", {**CONTACT, "phone": "1" * 33}, "phone", "at most 32"),
    ],
)
def test_invalid_input_is_shown_beside_the_field_and_nothing_is_stored(
    client, page, data, field, expected
):
    response = client.post(reverse(page), data)

    assert response.status_code == 400
    form = response.context["form"]
    assert expected in " ".join(form.errors[field])
    html = response.content.decode()
    assert "has-error" in html
    kept = next((value for key, value in data.items() if key != field and value), None)
    if kept and len(kept) < 100:
        assert kept in html  # the visitor's other input is kept
    assert nothing_written()


@pytest.mark.parametrize(("page", "thanks", "data"), PAGES)
def test_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(client, page, thanks, data):
    response = client.post(reverse(page), {**data, "website": "http://spam.example"})

    assert response.status_code == 302
    assert response["Location"] == reverse(thanks)
    assert nothing_written()


def test_post_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("leads:contact"), CONTACT)

    assert response.status_code == 403
    assert nothing_written()


def test_html_form_is_rate_limited_per_client(client, throttle_rate):
    throttle_rate("lead_contact", "2/min")
    for _ in range(2):
        assert client.post(reverse("leads:contact"), CONTACT).status_code == 302

    refused = client.post(reverse("leads:contact"), {**CONTACT, "email": "other@example.com"})
    other_client = client.post(reverse("leads:contact"), CONTACT, REMOTE_ADDR="10.0.0.9")

    assert refused.status_code == 429
    assert "try again" in refused.content.decode()
    assert not UsersLead.objects.filter(email="other@example.com").exists()
    assert other_client.status_code == 302
    assert ContactMessage.objects.count() == 3


def test_landing_with_utm_records_a_page_session_and_the_form_claims_it(client):
    client.get("/early-access/?utm_source=instagram&utm_campaign=pune-launch")
    client.get("/contact/", HTTP_REFERER="https://news.example.org/story")
    client.get("/contact/", HTTP_REFERER="http://testserver/choices/")  # internal: not a landing
    client.get("/")  # no campaign, no referrer
    assert PageSession.objects.count() == 2
    assert VISITOR_COOKIE in client.cookies

    client.post(reverse("leads:early_access"), EARLY_ACCESS)

    lead = UsersLead.objects.get()
    sessions = PageSession.objects.order_by("created_at")
    assert [s.lead_id for s in sessions] == [lead.pk, lead.pk]
    assert sessions[0].utm_source == "instagram"
    assert sessions[0].utm_campaign == "pune-launch"
    assert sessions[1].referrer == "https://news.example.org/story"


def test_another_visitors_sessions_are_not_claimed(client):
    Client().get("/choices/?utm_source=ads")

    client.post(reverse("leads:choices"), CHOICES)

    assert PageSession.objects.get().lead is None


def test_forged_visitor_cookie_is_ignored(client):
    Client().get("/choices/?utm_source=ads")
    victim_key = PageSession.objects.get().visitor_key
    client.cookies[VISITOR_COOKIE] = victim_key  # unsigned

    client.post(reverse("leads:choices"), CHOICES)

    assert PageSession.objects.get().lead is None


def test_nul_bytes_and_huge_campaign_tags_do_not_break_a_landing(client):
    response = client.get("/contact/", {"utm_source": "ads\x00", "utm_campaign": "c" * 5000})

    assert response.status_code == 200
    session = PageSession.objects.get()
    assert session.utm_source == "ads"
    assert len(session.utm_campaign) == 200


def test_service_refusal_is_shown_on_the_form_not_a_500(client, monkeypatch):
    from dataclasses import replace

    from django.core.exceptions import ValidationError

    from leads import views

    def refuse(**kwargs):
        raise ValidationError({"email": "This address cannot be used."})

    monkeypatch.setattr(views, "CONTACT_PAGE", replace(views.CONTACT_PAGE, submit=refuse))

    response = client.post(reverse("leads:contact"), CONTACT)

    assert response.status_code == 400
    assert response.context["form"].errors["email"] == ["This address cannot be used."]
    assert nothing_written()
