"""Staff API writes for the LMS: enroll (POST /api/lms/enrollments/), change an enrollment
(PATCH), complete a lesson (POST /api/lms/progress/); scoped, permission-checked, through the
services. Refused calls write nothing."""

from decimal import Decimal

import pytest

from lms.models import Course, Enrollment, LessonProgress
from tests.api_support import bearer_client, grant, world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory, StaffUserFactory
from tests.lms.factories import ChapterFactory, CourseFactory, EnrollmentFactory, LessonFactory

pytestmark = pytest.mark.django_db

LMS_WRITES = (
    "lms.add_enrollment",
    "lms.change_enrollment",
    "lms.add_lessonprogress",
    "lms.change_lessonprogress",
)


@pytest.fixture
def lms(world):
    """The world, with the LMS write permissions for A's member and the platform staff."""
    grant(world.member_a, *LMS_WRITES)
    grant(world.platform, *LMS_WRITES)
    world.a = bearer_client(world.member_a)
    world.staff = bearer_client(world.platform)
    return world


def _lessons(course, n=2):
    chapter = ChapterFactory(course=course)
    return [LessonFactory(chapter=chapter, position=i) for i in range(n)]


# Enrollments -------------------------------------------------------------------------------------


def test_a_member_enrolls_its_contact_in_its_course(lms):
    contact = ContactFactory(organization=lms.org_a)
    course = CourseFactory(organization=lms.org_a, price=Decimal("49.00"))

    response = lms.a.post(
        "/api/lms/enrollments/", {"contact": contact.pk, "course": course.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["contact"], body["course"]) == (str(contact.pk), str(course.pk))
    assert (body["status"], body["amount"]) == ("Active", "49.00")
    assert str(Enrollment.objects.get().pk) == body["id"]


def test_a_member_of_a_cannot_enroll_bs_contact(lms):
    theirs = ContactFactory(organization=lms.org_b)
    course = CourseFactory(organization=lms.org_a)

    response = lms.a.post(
        "/api/lms/enrollments/", {"contact": theirs.pk, "course": course.pk}, format="json"
    )

    assert response.status_code == 400
    assert "contact" in response.json()
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("owner", ["b", "platform"])
def test_a_member_cannot_enroll_into_a_course_it_does_not_see(lms, owner):
    contact = ContactFactory(organization=lms.org_a)
    course = CourseFactory(organization=lms.org_b if owner == "b" else None)

    response = lms.a.post(
        "/api/lms/enrollments/", {"contact": contact.pk, "course": course.pk}, format="json"
    )

    assert response.status_code == 400
    assert "course" in response.json()
    assert not Enrollment.objects.exists()


def test_platform_staff_enroll_any_contact_in_a_platform_course_but_not_across(lms):
    contact = ContactFactory(organization=lms.org_a)
    platform = CourseFactory(organization=None)
    theirs = CourseFactory(organization=lms.org_b)

    ok = lms.staff.post(
        "/api/lms/enrollments/", {"contact": contact.pk, "course": platform.pk}, format="json"
    )
    across = lms.staff.post(
        "/api/lms/enrollments/", {"contact": contact.pk, "course": theirs.pk}, format="json"
    )

    assert ok.status_code == 201
    assert across.status_code == 400
    assert "another organization" in " ".join(across.json()["course"])
    assert list(Enrollment.objects.values_list("course", flat=True)) == [platform.pk]


def test_a_second_enrollment_or_an_archived_course_is_a_400(lms):
    contact = ContactFactory(organization=lms.org_a)
    course = CourseFactory(organization=lms.org_a)
    archived = CourseFactory(organization=lms.org_a, status=Course.Status.ARCHIVED)
    EnrollmentFactory(contact=contact, course=course)

    again = lms.a.post(
        "/api/lms/enrollments/", {"contact": contact.pk, "course": course.pk}, format="json"
    )
    old = lms.a.post(
        "/api/lms/enrollments/", {"contact": contact.pk, "course": archived.pk}, format="json"
    )

    assert again.status_code == 400
    assert again.json()["course"] == ["This contact is already enrolled in this course."]
    assert old.status_code == 400 and "archived" in old.json()["course"][0]
    assert Enrollment.objects.count() == 1


def test_enrolling_needs_the_add_permission(world):
    contact = ContactFactory(organization=world.org_a)
    course = CourseFactory(organization=world.org_a)

    response = world.a.post(
        "/api/lms/enrollments/", {"contact": contact.pk, "course": course.pk}, format="json"
    )

    assert response.status_code == 403
    assert not Enrollment.objects.exists()


def test_patch_withdraws_and_changes_the_amount_only(lms):
    enrollment = EnrollmentFactory(
        contact=ContactFactory(organization=lms.org_a), course=CourseFactory(organization=lms.org_a)
    )
    other = CourseFactory(organization=lms.org_a)

    response = lms.a.patch(
        f"/api/lms/enrollments/{enrollment.pk}/",
        {"status": "Cancelled", "amount": "10.00", "course": str(other.pk)},
        format="json",
    )

    assert response.status_code == 200, response.content
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.amount) == ("Cancelled", Decimal("10.00"))
    assert enrollment.course_id != other.pk


def test_patch_of_another_organizations_enrollment_is_a_404_and_changes_nothing(lms):
    theirs = EnrollmentFactory(contact=ContactFactory(organization=lms.org_b))

    response = lms.a.patch(
        f"/api/lms/enrollments/{theirs.pk}/", {"status": "Cancelled"}, format="json"
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "Active"


def test_patch_needs_the_change_permission(world):
    enrollment = EnrollmentFactory(contact=ContactFactory(organization=world.org_a))
    user = grant(StaffUserFactory(), "lms.view_enrollment", "lms.add_enrollment")

    response = bearer_client(user).patch(
        f"/api/lms/enrollments/{enrollment.pk}/", {"status": "Cancelled"}, format="json"
    )

    assert response.status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == "Active"


# Progress ----------------------------------------------------------------------------------------


def test_completing_a_lesson_twice_answers_the_same_row(lms):
    contact = ContactFactory(organization=lms.org_a)
    course = CourseFactory(organization=lms.org_a)
    lesson = _lessons(course)[0]
    EnrollmentFactory(contact=contact, course=course)
    body = {"contact": str(contact.pk), "lesson": str(lesson.pk)}

    first = lms.a.post("/api/lms/progress/", body, format="json")
    second = lms.a.post("/api/lms/progress/", body, format="json")

    assert first.status_code == second.status_code == 200, first.content
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["completed"] is True and second.json()["course"] == str(course.pk)
    assert LessonProgress.objects.count() == 1
    undone = lms.a.post("/api/lms/progress/", {**body, "completed": False}, format="json")
    assert undone.json()["completed"] is False
    assert list(LessonProgress.objects.values_list("completed", flat=True)) == [False]


def test_progress_outside_an_enrolled_course_is_a_400_and_writes_nothing(lms):
    contact = ContactFactory(organization=lms.org_a)
    lesson = _lessons(CourseFactory(organization=lms.org_a))[0]

    response = lms.a.post(
        "/api/lms/progress/", {"contact": contact.pk, "lesson": lesson.pk}, format="json"
    )

    assert response.status_code == 400
    assert "is not enrolled in" in response.json()["lesson"][0]
    assert not LessonProgress.objects.exists()


def test_a_member_records_its_contacts_progress_in_a_platform_course(lms):
    contact = ContactFactory(organization=lms.org_a)
    course = CourseFactory(organization=None)
    lesson = _lessons(course)[0]
    EnrollmentFactory(contact=contact, course=course)

    response = lms.a.post(
        "/api/lms/progress/", {"contact": contact.pk, "lesson": lesson.pk}, format="json"
    )

    assert response.status_code == 200
    assert LessonProgress.objects.get().contact == contact


def test_a_member_cannot_record_progress_for_bs_contact_or_on_bs_lessons(lms):
    theirs = ContactFactory(organization=lms.org_b)
    their_course = CourseFactory(organization=lms.org_b)
    their_lesson = _lessons(their_course)[0]
    EnrollmentFactory(contact=theirs, course=their_course)
    mine = ContactFactory(organization=lms.org_a)

    foreign_contact = lms.a.post(
        "/api/lms/progress/", {"contact": theirs.pk, "lesson": their_lesson.pk}, format="json"
    )
    foreign_lesson = lms.a.post(
        "/api/lms/progress/", {"contact": mine.pk, "lesson": their_lesson.pk}, format="json"
    )

    assert foreign_contact.status_code == 400 and "contact" in foreign_contact.json()
    assert foreign_lesson.status_code == 400 and "lesson" in foreign_lesson.json()
    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize(
    "perms",
    [("lms.view_lessonprogress",), ("lms.view_lessonprogress", "lms.add_lessonprogress")],
)
def test_recording_progress_needs_add_and_change(world, perms):
    contact = ContactFactory(organization=world.org_a)
    course = CourseFactory(organization=world.org_a)
    lesson = _lessons(course)[0]
    EnrollmentFactory(contact=contact, course=course)
    user = grant(StaffUserFactory(), *perms)

    response = bearer_client(user).post(
        "/api/lms/progress/", {"contact": contact.pk, "lesson": lesson.pk}, format="json"
    )

    assert response.status_code == 403
    assert not LessonProgress.objects.exists()


def test_courses_stay_read_only(lms):
    course = CourseFactory(organization=lms.org_a)

    assert lms.a.post("/api/lms/courses/", {"title": "x"}, format="json").status_code == 405
    assert lms.a.patch(f"/api/lms/courses/{course.pk}/", {}, format="json").status_code == 405
    enrollment = EnrollmentFactory(contact=ContactFactory(organization=lms.org_a), course=course)
    assert lms.a.delete(f"/api/lms/enrollments/{enrollment.pk}/").status_code == 405
