"""The contact pages in a real browser (Debian's Chromium) at 1366x768: nothing scrolls sideways,
and the custom field rows work with their script."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import Contact, ContactTag
from tests.crm.factories import (
    AppointmentFactory,
    ClinicFactory,
    ContactFactory,
    ContactNoteFactory,
    MessageFactory,
    TagFactory,
    TaskFactory,
)
from tests.lms.factories import (
    ChapterFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonProgressFactory,
)

expect = pytest.importorskip("playwright.sync_api").expect

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", "test-artifacts"))
PASSWORD = "browser-password-1366"

pytestmark = pytest.mark.usefixtures("release_pooled_connections")


@pytest.fixture
def page(chromium, live_server):
    page = chromium.new_page(viewport={"width": 1366, "height": 768})
    page.set_default_timeout(20_000)
    yield page
    page.close()


def _busy_patient() -> Contact:
    clinic = ClinicFactory(
        name="Brightsmile Indiranagar Multi-Speciality Dental Clinic and Implant Centre",
        custom_fields={"chairs": 6, "opening_hours": "09:00-19:00", "accepts_insurance": True},
    )
    patient = ContactFactory(
        organization=clinic.organization,
        parent_contact=clinic,
        contact_type=Contact.Type.PATIENT,
        name="Asha Verma",
        email="asha.verma.with.a.rather.long.address@brightsmile-dental.example",
        address="No. 42, 12th Main Road, HAL 2nd Stage, Indiranagar, Bengaluru 560038",
    )
    for name in ("vip", "new patient", "insurance pending"):
        tag = TagFactory(organization=clinic.organization, name=name)
        ContactTag.objects.create(contact=patient, tag=tag)
    now = timezone.now()
    ContactNoteFactory(contact=patient, content="Prefers morning appointments. " * 12)
    TaskFactory(contact=patient, title="Send the treatment plan", due_date=now + timedelta(days=2))
    AppointmentFactory(contact=patient, title="Root canal, first sitting", location="Chair 4")
    MessageFactory(contact=patient, content="https://brightsmile.example/" + "x" * 150)
    course = CourseFactory(organization=clinic.organization, title="Aftercare for implants")
    lesson = LessonFactory(chapter=ChapterFactory(course=course), title="Week one")
    EnrollmentFactory(contact=patient, course=course)
    LessonProgressFactory(contact=patient, lesson=lesson)
    return patient


def _sign_in(page, live_server) -> None:
    get_user_model().objects.create_superuser("browser", "browser@example.com", PASSWORD)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "browser")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.django_db(transaction=True)
def test_contact_list_and_page_fit_1366_pixels(live_server, page):
    patient = _busy_patient()
    ContactFactory.create_batch(5, organization=patient.organization)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _sign_in(page, live_server)

    page.goto(f"{live_server.url}/admin/crm/contact/")
    page.screenshot(path=str(ARTIFACTS / "contact-changelist-1366.png"), full_page=True)
    list_width = _scroll_width(page)
    # Nor does the list scroll sideways inside its own box.
    table = page.evaluate(
        "(() => { const box = document.querySelector('#changelist .results');"
        " return [box.scrollWidth, box.clientWidth]; })()"
    )
    page.goto(f"{live_server.url}/admin/crm/contact/{patient.pk}/change/")
    page.screenshot(path=str(ARTIFACTS / "contact-page-1366.png"), full_page=True)
    page_width = _scroll_width(page)

    assert list_width <= 1366
    assert table[0] <= table[1], f"the list is {table[0]} px wide in a {table[1]} px box"
    assert page_width <= 1366
    courses = page.locator("#courses")
    expect(courses.get_by_role("link", name="Aftercare for implants")).to_be_visible()
    expect(courses.get_by_label("Week one")).to_be_checked()
    expect(page.locator("#timeline").get_by_text("Root canal, first sitting")).to_be_visible()
    # The open-tasks inline shows each title once, in its column, as the link to the task.
    tasks = page.locator(".open-tasks")
    expect(tasks.locator("text=Send the treatment plan >> visible=true")).to_have_count(1)
    expect(tasks.get_by_role("link", name="Send the treatment plan")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_custom_field_rows_are_added_and_removed_in_the_browser(live_server, page):
    clinic = ClinicFactory(custom_fields={"chairs": 6, "old": "drop me"})
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/crm/contact/{clinic.pk}/change/")

    rows = page.locator(".custom-fields tbody tr")
    rows.filter(has=page.locator('input[value="old"]')).locator(".custom-field-remove").click()
    page.click(".custom-field-add")
    page.locator(".custom-fields tbody tr").last.locator("input").first.fill("insurer")
    page.locator(".custom-fields tbody tr").last.locator("input").last.fill("Acme")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    clinic.refresh_from_db()
    assert clinic.custom_fields == {"chairs": 6, "insurer": "Acme"}
