"""A visitor in a real (headless Debian Chromium) browser, against the live test server."""

import pytest

from leads.models import ChoicesResponse, LeadEvent, PageSession, UsersLead

pytestmark = pytest.mark.usefixtures("release_pooled_connections")


@pytest.fixture
def page(chromium, live_server):
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    yield page
    page.close()


def fill_choices(page, *, email: str, score: str) -> None:
    # The script shows one step at a time; "Next" refuses to move on from an empty step.
    assert not page.get_by_label("Email").is_visible()
    page.get_by_role("button", name="Next").click()
    assert page.get_by_text("What brings you here?").is_visible()
    page.get_by_label("I want to invest").check()
    page.get_by_role("button", name="Next").click()
    page.locator(f"label[for='id_nps_{score}']").click()
    page.locator(".step:not([hidden])").get_by_role("button", name="Next").click()
    page.get_by_label("Your name").fill("Priya Nair")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send my answers").click()


def test_choices_in_a_browser_then_again_in_capitals(live_server, page):
    page.goto(f"{live_server.url}/choices/?utm_source=instagram&utm_campaign=launch")
    fill_choices(page, email="priya.nair@example.com", score="9")

    assert page.get_by_role("heading", name="Thanks for your answers!").is_visible()
    lead = UsersLead.objects.get()
    assert (lead.email, lead.name, lead.source) == (
        "priya.nair@example.com",
        "Priya Nair",
        "CHOICES",
    )
    assert ChoicesResponse.objects.filter(lead=lead, choice_key="nps", choice_value="9").exists()
    assert LeadEvent.objects.filter(lead=lead, event_type="CHOICES_SUBMITTED").count() == 1
    assert PageSession.objects.get().lead == lead  # the campaign landing is attributed

    page.goto(f"{live_server.url}/choices/")
    fill_choices(page, email="PRIYA.NAIR@EXAMPLE.COM", score="10")

    assert page.get_by_role("heading", name="Thanks for your answers!").is_visible()
    assert UsersLead.objects.count() == 1
    assert lead.choices_responses.filter(choice_key="nps").count() == 2
    assert lead.events.filter(event_type="CHOICES_SUBMITTED").count() == 2


def test_contact_errors_are_shown_beside_the_fields_in_a_browser(live_server, page):
    page.goto(f"{live_server.url}/contact/")
    page.get_by_label("Your name").fill("Meera")
    page.get_by_label("Email").fill("meera@example.com")
    page.get_by_label("Subject").fill("Listing")
    page.get_by_label("Message").fill("Too short")  # 9 characters: the server says no
    page.evaluate("document.querySelector('form').noValidate = true")
    page.get_by_role("button", name="Send message").click()

    assert (
        page.locator(".field.has-error .errorlist")
        .get_by_text("at least 10 characters")
        .is_visible()
    )
    assert page.get_by_label("Subject").input_value() == "Listing"
    assert not UsersLead.objects.exists()
