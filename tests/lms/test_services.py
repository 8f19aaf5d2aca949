"""LMS services: enroll, change and withdraw, record progress (only in an enrolled course, once)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lms import services
from lms.models import Course, Enrollment, LessonProgress
from tests.crm.factories import ContactFactory, OrganizationFactory
from tests.crm.test_concurrency import run_together
from tests.lms.factories import (
    ChapterFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db


def _course_with_lessons(organization, n=3, **kwargs):
    course = CourseFactory(organization=organization, **kwargs)
    chapter = ChapterFactory(course=course)
    return course, [LessonFactory(chapter=chapter, position=i) for i in range(n)]


def _messages(exc: ValidationError, field: str) -> str:
    return " ".join(exc.value.message_dict[field])


# Enrolling ----------------------------------------------------------------------------------------


def test_a_contact_is_enrolled_active_at_the_course_price():
    contact = ContactFactory()
    course = CourseFactory(organization=contact.organization, price=Decimal("149.00"))

    enrollment = services.enrollment_create(contact=contact, course=course)

    assert Enrollment.objects.get() == enrollment
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert enrollment.amount == Decimal("149.00")


def test_a_platform_course_takes_any_organizations_contact():
    course = CourseFactory(organization=None)
    first, second = ContactFactory(), ContactFactory()

    services.enrollment_create(contact=first, course=course)
    services.enrollment_create(contact=second, course=course, amount=Decimal("0"))

    assert Enrollment.objects.filter(course=course).count() == 2


def test_another_organizations_course_is_refused_and_nothing_is_written():
    contact = ContactFactory()
    theirs = CourseFactory(organization=OrganizationFactory())

    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(contact=contact, course=theirs)

    assert "another organization" in _messages(exc, "course")
    assert not Enrollment.objects.exists()


def test_an_archived_course_takes_nobody_new():
    contact = ContactFactory()
    course = CourseFactory(organization=contact.organization, status=Course.Status.ARCHIVED)

    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(contact=contact, course=course)

    assert "archived" in _messages(exc, "course")
    assert not Enrollment.objects.exists()


def test_a_second_enrollment_in_the_same_course_is_a_field_error_not_a_second_row():
    contact = ContactFactory()
    course = CourseFactory(organization=contact.organization)
    first = services.enrollment_create(contact=contact, course=course)

    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(contact=contact, course=course)

    assert _messages(exc, "course") == "This contact is already enrolled in this course."
    assert list(Enrollment.objects.all()) == [first]


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"amount": Decimal("-1")}, "amount"), ({"status": "Done"}, "status")]
)
def test_a_bad_amount_or_status_is_refused(kwargs, field):
    contact = ContactFactory()
    course = CourseFactory(organization=contact.organization)

    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(contact=contact, course=course, **kwargs)

    assert field in exc.value.message_dict
    assert not Enrollment.objects.exists()


def test_withdraw_and_activate_change_only_the_status():
    enrollment = EnrollmentFactory(amount=Decimal("10"))

    services.enrollment_withdraw(enrollment=enrollment)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.CANCELLED

    services.enrollment_activate(enrollment=enrollment)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert enrollment.amount == Decimal("10")


def test_an_enrollments_contact_and_course_never_change():
    enrollment = EnrollmentFactory()
    other = CourseFactory(organization=enrollment.contact.organization)

    with pytest.raises(ValidationError):
        services.enrollment_update(enrollment=enrollment, data={"course": other})

    enrollment.refresh_from_db()
    assert enrollment.course_id != other.pk


# Progress ---------------------------------------------------------------------------------------


def test_progress_on_a_lesson_of_a_course_the_contact_is_not_enrolled_in_is_refused():
    contact = ContactFactory()
    enrolled, enrolled_lessons = _course_with_lessons(contact.organization)
    _, other_lessons = _course_with_lessons(contact.organization)
    EnrollmentFactory(contact=contact, course=enrolled)

    with pytest.raises(ValidationError) as exc:
        services.lesson_complete(contact=contact, lesson=other_lessons[0])

    assert "is not enrolled in" in _messages(exc, "lesson")
    assert not LessonProgress.objects.exists()
    # ... while a lesson of the enrolled course is recorded.
    services.lesson_complete(contact=contact, lesson=enrolled_lessons[0])
    assert LessonProgress.objects.get().lesson == enrolled_lessons[0]


def test_a_cancelled_enrollment_takes_no_progress():
    contact = ContactFactory()
    course, lessons = _course_with_lessons(contact.organization)
    EnrollmentFactory(contact=contact, course=course, status=Enrollment.Status.CANCELLED)

    with pytest.raises(ValidationError):
        services.lesson_complete(contact=contact, lesson=lessons[0])

    assert not LessonProgress.objects.exists()


def test_completing_a_lesson_twice_leaves_one_completed_row():
    contact = ContactFactory()
    course, lessons = _course_with_lessons(contact.organization)
    EnrollmentFactory(contact=contact, course=course)

    first = services.lesson_complete(contact=contact, lesson=lessons[0])
    second = services.lesson_complete(contact=contact, lesson=lessons[0])

    assert first.pk == second.pk
    assert LessonProgress.objects.count() == 1
    assert LessonProgress.objects.get().completed is True


def test_recording_not_done_updates_the_existing_row():
    contact = ContactFactory()
    course, lessons = _course_with_lessons(contact.organization)
    EnrollmentFactory(contact=contact, course=course)
    existing = LessonProgressFactory(contact=contact, lesson=lessons[0], completed=True)

    progress = services.lesson_progress_record(contact=contact, lesson=lessons[0], completed=False)

    assert progress.pk == existing.pk
    assert list(LessonProgress.objects.values_list("completed", flat=True)) == [False]


def test_the_database_holds_one_progress_row_per_contact_and_lesson():
    existing = LessonProgressFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        LessonProgress.objects.create(contact=existing.contact, lesson=existing.lesson)


def test_setting_an_enrollments_progress_ticks_and_unticks_exactly_the_changes():
    contact = ContactFactory()
    course, (a, b, c) = _course_with_lessons(contact.organization)
    enrollment = EnrollmentFactory(contact=contact, course=course)
    LessonProgressFactory(contact=contact, lesson=a, completed=True)
    LessonProgressFactory(contact=contact, lesson=b, completed=False)
    before = LessonProgress.objects.get(lesson=a).updated_at

    changed = services.enrollment_progress_set(
        enrollment=enrollment, completed_lesson_ids=[a.pk, b.pk, c.pk]
    )

    assert changed == 2  # b and c; a was done already
    assert set(
        LessonProgress.objects.filter(completed=True).values_list("lesson_id", flat=True)
    ) == {a.pk, b.pk, c.pk}
    assert LessonProgress.objects.get(lesson=a).updated_at == before

    changed = services.enrollment_progress_set(enrollment=enrollment, completed_lesson_ids=[c.pk])

    assert changed == 2
    assert dict(LessonProgress.objects.values_list("lesson_id", "completed")) == {
        a.pk: False,
        b.pk: False,
        c.pk: True,
    }


def test_a_lesson_of_another_course_refuses_the_whole_change():
    contact = ContactFactory()
    course, lessons = _course_with_lessons(contact.organization)
    _, others = _course_with_lessons(contact.organization)
    enrollment = EnrollmentFactory(contact=contact, course=course)

    with pytest.raises(ValidationError) as exc:
        services.enrollment_progress_set(
            enrollment=enrollment, completed_lesson_ids=[lessons[0].pk, others[0].pk]
        )

    assert "Not a lesson of" in _messages(exc, "lesson")
    assert not LessonProgress.objects.exists()


def test_a_cancelled_enrollments_progress_cannot_be_set():
    contact = ContactFactory()
    course, lessons = _course_with_lessons(contact.organization)
    enrollment = EnrollmentFactory(
        contact=contact, course=course, status=Enrollment.Status.CANCELLED
    )

    with pytest.raises(ValidationError):
        services.enrollment_progress_set(
            enrollment=enrollment, completed_lesson_ids=[lessons[0].pk]
        )

    assert not LessonProgress.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_ticks_of_one_lesson_at_once_leave_one_row(postgres_only):
    contact = ContactFactory()
    course, lessons = _course_with_lessons(contact.organization, n=1)
    EnrollmentFactory(contact=contact, course=course)

    errors = run_together(
        *[lambda: services.lesson_complete(contact=contact, lesson=lessons[0])] * 4
    )

    assert errors == []
    assert LessonProgress.objects.filter(contact=contact, completed=True).count() == 1
