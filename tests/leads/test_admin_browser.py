"""Staff in a real (headless Debian Chromium) browser: the lead page, conversion, messages."""

import os
from pathlib import Path

import pytest

from crm.models import Contact
from leads import services
from leads.models import ContactMessage
from leads.selectors import lead_get_by_email
from outbox.models import OutboxEmail
from tests.crm.factories import OrganizationFactory

expect = pytest.importorskip("playwright.sync_api").expect

# Screenshots for a human to look at; CI may collect the folder as artifacts.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", "test-artifacts")) / "leads-admin"

pytestmark = pytest.mark.usefixtures("release_pooled_connections")


@pytest.fixture
def page(chromium, live_server):
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    yield page
    page.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_staff_reads_a_lead_converts_it_and_answers_its_message(page, live_server, admin_user):
    services.choices_submit(email="priya@example.com", intent="invest", nps=9, name="Priya")
    services.early_access_request_create(
        email="priya@example.com",
        intent_level="HIGH",
        investment_range="ABOVE_TWO_L",
        city="Pune",
        preferred_property_type="COMMERCIAL",
    )
    services.contact_message_create(
        name="Priya", email="priya@example.com", subject="Baner", message="Is Baner still open?"
    )
    organization = OrganizationFactory(name="Brightsmile Dental Group")
    lead = lead_get_by_email(email="priya@example.com")
    # Every page, script and stylesheet loads (the browser's own favicon probe aside).
    failed: list[str] = []
    page.on(
        "response",
        lambda r: (
            failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )

    page.goto(f"{live_server.url}/admin/login/?next=/admin/leads/userslead/")
    page.get_by_label("Username").fill(admin_user.username)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "lead-list")
    page.get_by_role("link", name="priya@example.com").click()
    timeline = page.locator(".timeline")
    assert "Ready to invest now, ₹2L+, commercial, in Pune" in timeline.inner_text()
    assert "I want to invest, score 9/10" in timeline.inner_text()
    # The page fits a laptop screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "lead-page")

    page.get_by_role("link", name="Convert to contact").click()
    page.get_by_label("Organization").select_option(label="Brightsmile Dental Group")
    shot(page, "convert-form")
    page.get_by_role("button", name="Convert").click()
    assert "Converted priya@example.com to" in page.locator(".messagelist").inner_text()
    assert "Converted to a contact by" in page.locator(".timeline").inner_text()
    shot(page, "lead-converted")
    contact = Contact.objects.get(organization=organization)
    lead.refresh_from_db()
    assert lead.converted_contact == contact

    page.locator(".timeline").get_by_role("link", name="Sent a message").click()
    # Answered from its page: the form starts with "Re: <subject>", the email goes to the outbox.
    reply_form = page.locator("form.contact-message-reply-form")
    expect(reply_form.get_by_label("Subject")).to_have_value("Re: Baner")
    reply_form.get_by_label("Reply").fill("Yes, Baner is open: come on Monday.")
    shot(page, "message-reply-form")
    reply_form.get_by_role("button", name="Send reply").click()
    assert "Reply to priya@example.com queued" in page.locator(".messagelist").inner_text()
    replies = page.locator(".contact-message-replies")
    assert "Yes, Baner is open: come on Monday." in replies.inner_text()
    assert "(queued)" in replies.inner_text()
    expect(page.get_by_role("button", name="Mark not responded")).to_be_visible()
    shot(page, "message-replied")
    message = ContactMessage.objects.get()
    assert message.responded and message.responded_by == admin_user
    email = OutboxEmail.objects.get(origin_label="leads.contact_message_reply")
    assert (email.to, email.subject) == ("priya@example.com", "Re: Baner")
    assert "> Is Baner still open?" in email.body
    assert failed == []
