"""LMS admin: rows read "contact — course/lesson", the contact page section, writes through the
services, pickers that name course and chapter."""

import pytest
from django.urls import reverse

from crm.contact_sections import _sections
from lms.admin import contact_courses_section
from lms.models import Enrollment, LessonProgress
from tests.crm.factories import ContactFactory, OrganizationFactory
from tests.lms.factories import (
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db


def test_lms_adds_its_courses_section_to_the_contact_page():
    assert [s.template for s in _sections if s.context is contact_courses_section] == [
        "admin/lms/contact_courses.html"
    ]


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

    # The picker is on the add page (an enrollment keeps its contact once made).
    page = admin_client.get(
        reverse("admin:lms_enrollment_add"), {"contact": contact.pk}
    ).content.decode()

    assert "Asha Verma — Brightsmile Dental (asha@bright.example)" in page


# Writes go through lms.services -------------------------------------------------------------------


def test_adding_an_enrollment_in_another_organizations_course_is_a_form_error(admin_client):
    contact = ContactFactory()
    theirs = CourseFactory(organization=OrganizationFactory())

    response = admin_client.post(
        reverse("admin:lms_enrollment_add"),
        {"contact": contact.pk, "course": theirs.pk, "status": "Active", "amount": "0"},
    )

    assert response.status_code == 200
    assert "belongs to another organization" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_an_enrollment_added_and_changed_in_the_admin_goes_through_the_services(admin_client):
    contact = ContactFactory()
    course = CourseFactory(organization=None)

    response = admin_client.post(
        reverse("admin:lms_enrollment_add"),
        {"contact": contact.pk, "course": course.pk, "status": "Pending", "amount": "12.50"},
    )

    assert response.status_code == 302
    enrollment = Enrollment.objects.get()
    assert (enrollment.contact, enrollment.course, enrollment.status) == (
        contact,
        course,
        "Pending",
    )
    change = reverse("admin:lms_enrollment_change", args=[enrollment.pk])
    other = CourseFactory(organization=None)
    response = admin_client.post(
        change, {"course": other.pk, "status": "Cancelled", "amount": "12.50"}
    )
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == "Cancelled"
    assert enrollment.course == course  # read-only once enrolled


def test_progress_for_a_lesson_outside_the_contacts_courses_is_a_form_error(admin_client):
    contact = ContactFactory()
    lesson = LessonFactory(chapter__course__organization=contact.organization)

    response = admin_client.post(
        reverse("admin:lms_lessonprogress_add"),
        {"contact": contact.pk, "lesson": lesson.pk, "completed": "on"},
    )

    assert response.status_code == 200
    assert "is not enrolled in" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_progress_added_and_changed_in_the_admin_is_recorded_by_the_service(admin_client):
    contact = ContactFactory()
    lesson = LessonFactory(chapter__course__organization=contact.organization)
    EnrollmentFactory(contact=contact, course=lesson.chapter.course)

    response = admin_client.post(
        reverse("admin:lms_lessonprogress_add"),
        {"contact": contact.pk, "lesson": lesson.pk, "completed": "on"},
    )

    assert response.status_code == 302
    progress = LessonProgress.objects.get()
    assert progress.completed
    response = admin_client.post(reverse("admin:lms_lessonprogress_change", args=[progress.pk]), {})
    assert response.status_code == 302
    assert list(LessonProgress.objects.values_list("pk", "completed")) == [(progress.pk, False)]


def test_the_lesson_picker_names_course_and_chapter_in_course_order(admin_client):
    lesson = LessonFactory(
        title="Sterile field",
        chapter__title="Surgery",
        chapter__course__title="Implant basics",
    )

    page = admin_client.get(reverse("admin:lms_lessonprogress_add")).content.decode()

    assert f'<option value="{lesson.pk}">Implant basics › Surgery › Sterile field</option>' in page
