"""An Instructor works the LMS from a contact's page in a real browser (Debian's Chromium), at
1366 px and on a 390 px phone: enrolls the contact, ticks three lessons, sees the progress;
screenshots are saved as artifacts."""

import os
from pathlib import Path

import pytest

from accounts.roles import GROUP_PERMISSIONS, INSTRUCTORS
from lms.models import Enrollment, LessonProgress
from tests.api_support import grant
from tests.crm.factories import ContactFactory, OrganizationMembershipFactory
from tests.lms.factories import ChapterFactory, CourseFactory, LessonFactory

expect = pytest.importorskip("playwright.sync_api").expect

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", "test-artifacts"))
PASSWORD = "browser-password-lms"

pytestmark = pytest.mark.usefixtures("release_pooled_connections")


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.django_db(transaction=True)
def test_an_instructor_enrolls_a_contact_and_ticks_three_lessons(chromium, live_server, width):
    membership = OrganizationMembershipFactory()
    instructor = membership.user
    instructor.set_password(PASSWORD)
    instructor.save()
    # The Instructors group's permissions (a transactional test flushes the migrated groups).
    grant(instructor, *GROUP_PERMISSIONS[INSTRUCTORS])
    contact = ContactFactory(organization=membership.organization, name="Asha Verma")
    course = CourseFactory(organization=membership.organization, title="Implant aftercare")
    for position, title in enumerate(["First week", "Later on"]):
        chapter = ChapterFactory(course=course, title=title, position=position)
        for n in range(2):
            LessonFactory(chapter=chapter, title=f"{title}, lesson {n + 1}", position=n)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport={"width": width, "height": 800})
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", instructor.username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")

        page.goto(f"{live_server.url}/admin/crm/contact/{contact.pk}/change/")
        courses = page.locator("#courses")
        courses.get_by_label("Enroll in").select_option(label="Implant aftercare")
        courses.get_by_role("button", name="Enroll").click()
        expect(page.get_by_text("Asha Verma enrolled in Implant aftercare.")).to_be_visible()
        for title in ["First week, lesson 1", "First week, lesson 2", "Later on, lesson 1"]:
            courses.get_by_label(title).check()
        courses.get_by_role("button", name="Save progress").click()

        expect(page.get_by_text("Progress saved: 3 lessons updated.")).to_be_visible()
        expect(courses.get_by_text("3 of 4 lessons (75%)")).to_be_visible()
        expect(courses.get_by_label("Later on, lesson 2")).not_to_be_checked()
        page.locator("#courses").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"contact-courses-{width}.png"), full_page=True)
        width_used = page.evaluate("document.querySelector('#courses').scrollWidth")
        section_width = page.evaluate("document.querySelector('#courses').clientWidth")
    finally:
        page.close()

    assert width_used <= section_width  # the section does not scroll sideways
    assert Enrollment.objects.get().contact == contact
    assert LessonProgress.objects.filter(contact=contact, completed=True).count() == 3
