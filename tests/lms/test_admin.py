"""LMS admin: rows read "contact — course/lesson", the contact page hook, scoped course filters."""

import pytest
from django.urls import reverse

from crm.admin import CONTACT_PAGE_INLINES
from lms.admin import ContactEnrollmentInline, ContactLessonProgressInline
from tests.crm.factories import ContactFactory
from tests.lms.factories import EnrollmentFactory, LessonFactory, LessonProgressFactory

pytestmark = pytest.mark.django_db


def test_lms_fills_the_contact_page_hook():
    assert ContactEnrollmentInline in CONTACT_PAGE_INLINES
    assert ContactLessonProgressInline in CONTACT_PAGE_INLINES


def test_enrollment_and_progress_rows_read_contact_then_course_or_lesson(admin_client):
    contact = ContactFactory(name="Asha Verma")
    enrollment = EnrollmentFactory(contact=contact, course__title="Implant basics")
    progress = LessonProgressFactory(contact=contact, lesson=LessonFactory(title="Sterile field"))

    enrollments = admin_client.get(reverse("admin:lms_enrollment_changelist")).content.decode()
    lessons = admin_client.get(reverse("admin:lms_lessonprogress_changelist")).content.decode()
    page = admin_client.get(
        reverse("admin:lms_enrollment_change", args=[enrollment.pk])
    ).content.decode()

    assert str(enrollment) == "Asha Verma — Implant basics"
    assert str(progress) == "Asha Verma — Sterile field"
    assert "Asha Verma — Implant basics" in enrollments and str(contact.pk) not in enrollments
    assert "Asha Verma — Sterile field" in lessons
    assert "Asha Verma — Implant basics" in page


def test_enrollment_contact_picker_names_the_organization(admin_client):
    contact = ContactFactory(
        name="Asha Verma", email="asha@bright.example", organization__name="Brightsmile Dental"
    )
    enrollment = EnrollmentFactory(contact=contact)

    page = admin_client.get(
        reverse("admin:lms_enrollment_change", args=[enrollment.pk])
    ).content.decode()

    assert "Asha Verma — Brightsmile Dental (asha@bright.example)" in page
