"""A staff member's morning in a real browser (Debian's Chromium): issue 10's walk-through.

Sign in, read the dashboard, see a visitor's contact form arrive (submitted in another, anonymous
browser context), find that lead from the dashboard's "New today" link, convert it into a
contact, add a note on the new contact, and export the leads. Screenshots of each step are
left in test-artifacts/.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from crm.models import Contact, ContactNote
from leads.models import LeadEvent, UsersLead
from tests.crm.factories import OrganizationFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("release_pooled_connections"),
]

PASSWORD = "a-long-staff-password"
VISITOR_EMAIL = "Nisha.Rao@Example.com"


@pytest.fixture
def staff_page(chromium, live_server):
    # Rate-limit counters of earlier tests' form posts (same address) must not refuse ours.
    cache.clear()
    get_user_model().objects.create_superuser("morning", "morning@example.com", PASSWORD)
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("morning")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    yield page
    context.close()


def select_option_containing(select, text: str) -> None:
    value = select.locator("option", has_text=re.compile(text, re.I)).first.get_attribute("value")
    select.select_option(value=value)


def new_today(page) -> int:
    figure = page.locator(".dashboard-figures a", has_text="New today")
    return int(figure.locator(".figure-value").inner_text())


def test_a_morning_in_the_staff_workspace(chromium, live_server, staff_page, artifacts_dir):
    page = staff_page
    agency = OrganizationFactory(name="Brightsmile Dental Group")

    # The staff login lands on the dashboard: figures and the chart.
    expect(page.get_by_role("heading", name="New leads per day, last 30 days")).to_be_visible()
    before = new_today(page)
    page.screenshot(path=artifacts_dir / "workspace-1-dashboard.png", full_page=True)

    # A visitor sends the contact form from their own browser.
    visitor = chromium.new_context(viewport={"width": 390, "height": 844})
    form = visitor.new_page()
    form.goto(f"{live_server.url}/contact/")
    form.get_by_label("Your name").fill("Nisha Rao")
    form.get_by_label("Email").fill(VISITOR_EMAIL)
    form.get_by_label("Subject").fill("Site visit")
    form.get_by_label("Message").fill("Can I visit the Baner project this Saturday?")
    form.get_by_role("button", name=re.compile("Send", re.I)).click()
    form.wait_for_url(re.compile(r"/thanks|/contact/"))
    visitor.close()
    assert UsersLead.objects.filter(email="nisha.rao@example.com").exists()

    # Back on the dashboard: one more today; its link lists the new lead.
    page.reload()
    assert new_today(page) == before + 1
    page.locator(".dashboard-figures a", has_text="New today").click()
    page.get_by_role("link", name="nisha.rao@example.com").click()
    page.screenshot(path=artifacts_dir / "workspace-2-lead.png", full_page=True)
    expect(page.get_by_text("Site visit").first).to_be_visible()  # the timeline reads in words

    # Convert it into a contact of the agency.
    page.get_by_role("link", name="Convert to contact").click()
    select_option_containing(page.get_by_label("Organization"), "Brightsmile")
    page.get_by_role("button", name="Convert").click()
    lead = UsersLead.objects.get(email="nisha.rao@example.com")
    contact = Contact.objects.get(organization=agency, email="nisha.rao@example.com")
    assert lead.converted_contact == contact and contact.name == "Nisha Rao"
    assert LeadEvent.objects.filter(lead=lead, event_type="LEAD_CONVERTED").count() == 1

    # The message links to the new contact; a note added there is signed by the staff member.
    page.locator(".messagelist").get_by_role("link", name=re.compile("Nisha Rao")).click()
    page.get_by_label("Note").fill("Called back; visit booked for Saturday 11:00.")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_load_state()
    note = ContactNote.objects.get(contact=contact)
    assert note.author.username == "morning"
    expect(page.locator(".timeline").get_by_text("visit booked for Saturday")).to_be_visible()
    page.screenshot(path=artifacts_dir / "workspace-3-contact.png", full_page=True)

    # Export the leads as CSV.
    page.goto(f"{live_server.url}/admin/leads/userslead/")
    page.locator("#content").get_by_role("link", name="Export", exact=True).click()
    select_option_containing(page.get_by_label(re.compile("Format", re.I)), "csv")
    # "Select all" works under the CSP: off clears every column, on ticks them again; then
    # only the two columns left ticked are written.
    columns = page.locator('.selectable-field-export-row input[type="checkbox"]')
    page.get_by_label("Select all").uncheck()
    assert all(not box.is_checked() for box in columns.all())
    page.get_by_label("Select all").check()
    assert all(box.is_checked() for box in columns.all())
    page.get_by_label("Select all").uncheck()
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Name", exact=True).check()
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Submit|Export", re.I)).first.click()
    exported = download.value.path().read_text()
    assert "nisha.rao@example.com" in exported
    assert exported.lstrip("\ufeff").splitlines()[0] == "Email,Name"
    page.screenshot(path=artifacts_dir / "workspace-4-export.png", full_page=True)
