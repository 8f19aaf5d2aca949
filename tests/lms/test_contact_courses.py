"""The LMS from the contact page: enroll, tick lessons by chapter, withdraw; the enrollment page
with its lessons. Permissions, scope, CSRF; refused posts write nothing."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from lms.models import Enrollment, LessonProgress
from tests.api_support import grant
from tests.crm.factories import (
    ContactFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
)
from tests.lms.factories import (
    ChapterFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db


def _member(organization, *, group: str | None = "Instructors", perms: tuple[str, ...] = ()):
    user = OrganizationMembershipFactory(organization=organization).user
    if group:
        user.groups.add(Group.objects.get(name=group))
    return grant(user, *perms) if perms else user


def _client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _course(organization, title="Implant basics", chapters=(("Surgery", 2), ("Aftercare", 2))):
    course = CourseFactory(organization=organization, title=title)
    lessons = []
    for position, (chapter_title, count) in enumerate(chapters):
        chapter = ChapterFactory(course=course, title=chapter_title, position=position)
        lessons += [
            LessonFactory(chapter=chapter, title=f"{chapter_title} {i + 1}", position=i)
            for i in range(count)
        ]
    return course, lessons


def contact_page(contact) -> str:
    return reverse("admin:crm_contact_change", args=[contact.pk])


def enroll_url(contact) -> str:
    return reverse("admin:lms_enrollment_enroll", args=[contact.pk])


def progress_url(enrollment) -> str:
    return reverse("admin:lms_enrollment_progress", args=[enrollment.pk])


@pytest.fixture
def agency():
    return OrganizationFactory(name="Brightsmile")


# Enrolling ---------------------------------------------------------------------------------------


def test_an_instructor_enrolls_a_contact_and_ticks_three_lessons_from_its_page(agency):
    contact = ContactFactory(organization=agency, name="Asha Verma")
    course, lessons = _course(agency)
    client = _client(_member(agency))

    page = client.get(contact_page(contact)).content.decode()
    assert f'<option value="{course.pk}">Implant basics</option>' in page
    response = client.post(enroll_url(contact), {"course": course.pk})

    assert response.status_code == 302
    assert response["Location"] == contact_page(contact) + "#courses"
    enrollment = Enrollment.objects.get()
    assert (enrollment.contact, enrollment.course, enrollment.status) == (
        contact,
        course,
        Enrollment.Status.ACTIVE,
    )
    page = client.get(contact_page(contact)).content.decode()
    courses = page.split('id="courses"')[1]
    assert "<legend>Surgery</legend>" in courses and "<legend>Aftercare</legend>" in courses
    assert courses.index("Surgery 1") < courses.index("Surgery 2") < courses.index("Aftercare 1")
    assert "0 of 4 lessons (0%)" in courses

    response = client.post(
        progress_url(enrollment),
        {"lesson": [lessons[0].pk, lessons[1].pk, lessons[2].pk], "next": contact_page(contact)},
    )

    assert response.status_code == 302
    assert set(
        LessonProgress.objects.filter(contact=contact, completed=True).values_list(
            "lesson", flat=True
        )
    ) == {lessons[0].pk, lessons[1].pk, lessons[2].pk}
    page = client.get(contact_page(contact)).content.decode()
    assert "3 of 4 lessons (75%)" in page
    assert "Progress saved: 3 lessons updated." in page


def test_the_course_choice_holds_only_courses_the_user_may_enroll_the_contact_in(agency):
    contact = ContactFactory(organization=agency)
    own, _ = _course(agency, title="Own course")
    taken, _ = _course(agency, title="Taken course")
    EnrollmentFactory(contact=contact, course=taken)
    platform, _ = _course(None, title="Platform course")
    theirs, _ = _course(OrganizationFactory(), title="Their course")

    page = _client(_member(agency)).get(contact_page(contact)).content.decode()
    choice = page.split('id="enroll-course"')[1].split("</select>")[0]

    assert "Own course" in choice
    assert "Taken course" not in choice and "Their course" not in choice
    # A member does not see platform courses (README: "Who sees platform courses").
    assert "Platform course" not in choice


def test_a_member_cannot_enroll_another_organizations_contact(agency):
    theirs = ContactFactory(organization=OrganizationFactory())
    course, _ = _course(None)
    client = _client(_member(agency))

    response = client.post(enroll_url(theirs), {"course": course.pk})

    assert response.status_code == 404
    assert not Enrollment.objects.exists()


def test_a_member_cannot_enroll_its_contact_in_another_organizations_course(agency):
    contact = ContactFactory(organization=agency)
    theirs, _ = _course(OrganizationFactory())
    client = _client(_member(agency))

    response = client.post(enroll_url(contact), {"course": theirs.pk}, follow=True)

    assert "Choose a course this contact may take." in response.content.decode()
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("course_id", ["", "not-a-uuid"])
def test_a_missing_or_malformed_course_is_refused(agency, course_id):
    contact = ContactFactory(organization=agency)

    response = _client(_member(agency)).post(enroll_url(contact), {"course": course_id})

    assert response.status_code == 302
    assert not Enrollment.objects.exists()


def test_without_the_add_permission_the_section_is_read_only_and_enrolling_is_forbidden(agency):
    contact = ContactFactory(organization=agency)
    course, lessons = _course(agency)
    enrollment = EnrollmentFactory(contact=contact, course=course)
    LessonProgressFactory(contact=contact, lesson=lessons[0], completed=True)
    viewer = _member(
        agency, group=None, perms=("crm.view_contact", "lms.view_enrollment", "lms.view_course")
    )
    client = _client(viewer)
    other, _ = _course(agency, title="Other")

    page = client.get(contact_page(contact)).content.decode()
    courses = page.split('id="courses"')[1]

    assert "1 of 4 lessons (25%)" in courses
    assert 'Surgery 1<span class="visually-hidden"> (done)' in courses
    assert 'type="checkbox"' not in courses and "enroll-course" not in courses
    assert "Withdraw" not in courses
    assert client.post(enroll_url(contact), {"course": other.pk}).status_code == 403
    assert client.post(progress_url(enrollment), {"lesson": [lessons[1].pk]}).status_code == 403
    withdraw = reverse("admin:lms_enrollment_withdraw", args=[enrollment.pk])
    assert client.post(withdraw).status_code == 403
    assert list(Enrollment.objects.values_list("course", "status")) == [(course.pk, "Active")]
    assert list(LessonProgress.objects.values_list("lesson", "completed")) == [
        (lessons[0].pk, True)
    ]


def test_staff_without_lms_permissions_see_no_courses_section(agency):
    contact = ContactFactory(organization=agency)
    EnrollmentFactory(contact=contact, course=_course(agency)[0])

    page = _client(_member(agency, group="Sales")).get(contact_page(contact)).content.decode()

    assert 'id="courses"' not in page


def test_the_buttons_answer_only_post(agency):
    contact = ContactFactory(organization=agency)
    enrollment = EnrollmentFactory(contact=contact, course=_course(agency)[0])
    client = _client(_member(agency))

    assert client.get(enroll_url(contact)).status_code == 405
    assert client.get(progress_url(enrollment)).status_code == 405


def test_the_buttons_need_the_csrf_token(agency):
    contact = ContactFactory(organization=agency)
    course, lessons = _course(agency)
    enrollment = EnrollmentFactory(contact=contact, course=course)
    client = _client(_member(agency), enforce_csrf_checks=True)
    other, _ = _course(agency, title="Other")

    assert client.post(enroll_url(contact), {"course": other.pk}).status_code == 403
    assert client.post(progress_url(enrollment), {"lesson": [lessons[0].pk]}).status_code == 403
    assert Enrollment.objects.count() == 1
    assert not LessonProgress.objects.exists()


# Ticking lessons ---------------------------------------------------------------------------------


def test_unticking_a_lesson_marks_it_not_done(agency):
    contact = ContactFactory(organization=agency)
    course, lessons = _course(agency)
    enrollment = EnrollmentFactory(contact=contact, course=course)
    for lesson in lessons[:2]:
        LessonProgressFactory(contact=contact, lesson=lesson, completed=True)

    _client(_member(agency)).post(progress_url(enrollment), {"lesson": [lessons[0].pk]})

    assert dict(LessonProgress.objects.values_list("lesson", "completed")) == {
        lessons[0].pk: True,
        lessons[1].pk: False,
    }


def test_a_lesson_of_another_course_refuses_the_whole_post(agency):
    contact = ContactFactory(organization=agency)
    course, lessons = _course(agency)
    _, others = _course(agency, title="Other")
    enrollment = EnrollmentFactory(contact=contact, course=course)

    response = _client(_member(agency)).post(
        progress_url(enrollment), {"lesson": [lessons[0].pk, others[0].pk]}, follow=True
    )

    assert "Not a lesson of Implant basics" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_a_member_cannot_tick_another_organizations_enrollment(agency):
    theirs = ContactFactory(organization=OrganizationFactory())
    course, lessons = _course(theirs.organization)
    enrollment = EnrollmentFactory(contact=theirs, course=course)

    response = _client(_member(agency)).post(progress_url(enrollment), {"lesson": [lessons[0].pk]})

    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


def test_a_member_ticks_its_contacts_lessons_of_a_platform_course(agency):
    contact = ContactFactory(organization=agency)
    course, lessons = _course(None, title="Platform basics")
    enrollment = EnrollmentFactory(contact=contact, course=course)
    client = _client(_member(agency))

    page = client.get(contact_page(contact)).content.decode()
    client.post(progress_url(enrollment), {"lesson": [lessons[0].pk]})

    assert f'value="{lessons[0].pk}"' in page
    assert LessonProgress.objects.get().lesson == lessons[0]


def test_a_withdrawn_enrollment_takes_no_ticks_until_enrolled_again(agency):
    contact = ContactFactory(organization=agency)
    course, lessons = _course(agency)
    enrollment = EnrollmentFactory(contact=contact, course=course)
    client = _client(_member(agency))

    client.post(reverse("admin:lms_enrollment_withdraw", args=[enrollment.pk]))
    page = client.get(contact_page(contact)).content.decode()
    client.post(progress_url(enrollment), {"lesson": [lessons[0].pk]})

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.CANCELLED
    assert "Enroll again" in page and "A cancelled enrollment takes no progress." in page
    assert not LessonProgress.objects.exists()

    client.post(reverse("admin:lms_enrollment_activate", args=[enrollment.pk]))
    client.post(progress_url(enrollment), {"lesson": [lessons[0].pk]})

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert LessonProgress.objects.get().completed


def test_next_goes_back_only_to_this_site(agency):
    contact = ContactFactory(organization=agency)
    enrollment = EnrollmentFactory(contact=contact, course=_course(agency)[0])
    client = _client(_member(agency))

    response = client.post(progress_url(enrollment), {"next": "https://evil.example/"})

    assert response["Location"] == reverse("admin:lms_enrollment_change", args=[enrollment.pk])


# The enrollment page -----------------------------------------------------------------------------


def test_the_enrollment_page_lists_its_lessons_with_completion(agency):
    contact = ContactFactory(organization=agency, name="Asha Verma")
    course, lessons = _course(agency)
    enrollment = EnrollmentFactory(contact=contact, course=course)
    LessonProgressFactory(contact=contact, lesson=lessons[3], completed=True)
    client = _client(_member(agency))
    url = reverse("admin:lms_enrollment_change", args=[enrollment.pk])

    page = client.get(url).content.decode()
    lessons_part = page.split('id="lessons"')[1]

    assert "Lessons of Implant basics" in lessons_part
    assert "1 of 4 lessons (25%)" in lessons_part
    assert f'value="{lessons[3].pk}" checked> Aftercare 2' in lessons_part
    assert f'value="{lessons[0].pk}"> Surgery 1' in lessons_part
    response = client.post(progress_url(enrollment), {"lesson": [lessons[0].pk], "next": url})
    assert response["Location"] == url
    assert list(LessonProgress.objects.filter(completed=True).values_list("lesson", flat=True)) == [
        lessons[0].pk
    ]


def test_the_enrollment_list_shows_progress_and_filters_stalled_learners(admin_client):
    from datetime import timedelta

    from django.utils import timezone

    course, lessons = _course(OrganizationFactory())
    busy = EnrollmentFactory(
        course=course, contact=ContactFactory(organization=course.organization)
    )
    LessonProgressFactory(contact=busy.contact, lesson=lessons[0], completed=True)
    quiet = EnrollmentFactory(
        course=course, contact=ContactFactory(organization=course.organization)
    )
    Enrollment.objects.filter(pk=quiet.pk).update(created_at=timezone.now() - timedelta(days=30))
    url = reverse("admin:lms_enrollment_changelist")

    page = admin_client.get(url).content.decode()
    stalled = admin_client.get(url, {"progress": "stalled"})

    assert "1 of 4 lessons (25%)" in page and "0 of 4 lessons (0%)" in page
    assert list(stalled.context["cl"].result_list) == [quiet]
