"""A visitor in a real (headless Debian Chromium) browser, against the live test server."""

import os
from pathlib import Path

import pytest
from django.db import connections

from leads.models import ChoicesResponse, LeadEvent, PageSession, UsersLead

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module", autouse=True)
def _release_pooled_connections():
    """Close the connections the live server left in the pool, so the test database can go."""
    yield
    for connection in connections.all():
        if connection.vendor == "postgresql":
            connection.close()
            connection.close_pool()


@pytest.fixture
def page(live_server):
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are
    # still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            page = browser.new_page(viewport={"width": 390, "height": 844})
            yield page
            # Connections opened while Playwright ran belong to its context: close them here.
            connections.close_all()
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


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
