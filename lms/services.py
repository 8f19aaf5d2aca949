"""LMS writes: enroll a contact in a course, change or withdraw the enrollment, record progress.

The admin (the contact page's courses section, the enrollment and progress pages) and the staff
API call these functions and nothing else writes enrollments or progress. Which rows a staff
member may pass in is the caller's business (``for_user``, crm/scoping.py); the rules here hold
for everyone:

- a contact may take a course of its own organization or a platform course (one without an
  organization), never another organization's; an archived course takes nobody new;
- progress is recorded only for a lesson of a course the contact is enrolled in (an enrollment
  that is not cancelled), checked under a lock of that enrollment, so that a withdrawal and a
  tick never cross;
- recording progress is idempotent: one row per contact and lesson (the unique constraint
  ``lms_lessonprogress_unique_contact_lesson``), written by one INSERT ... ON CONFLICT DO
  UPDATE, never by looking first and inserting after.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.constraints import validation_error_from_integrity_error
from crm.models import Contact
from lms.models import Course, Enrollment, Lesson, LessonProgress

ENROLLMENT_UPDATABLE_FIELDS = frozenset({"status", "amount"})
# What a caller (the admin's buttons, the API) must hold to record progress: the upsert may
# create a row or change one.
PROGRESS_PERMISSIONS = ("lms.add_lessonprogress", "lms.change_lessonprogress")

OTHER_ORGANIZATION = (
    "This course belongs to another organization: a contact takes its own organization's "
    "courses and platform courses."
)
ARCHIVED = "This course is archived: nobody new can enroll in it."


def _not_enrolled(contact: Contact, course: Course | None) -> str:
    title = course.title if course is not None else "this lesson's course"
    return f"{contact.name} is not enrolled in {title}: enroll them first."


def enrollment_check_course(*, contact: Contact, course: Course) -> None:
    """Refuse ``course`` for ``contact`` unless the contact may take it (see the module)."""
    if course.organization_id is not None and course.organization_id != contact.organization_id:
        raise ValidationError({"course": OTHER_ORGANIZATION})
    if course.status == Course.Status.ARCHIVED:
        raise ValidationError({"course": ARCHIVED})


def enrollment_check_amount(*, amount: Decimal) -> Decimal:
    """Refuse a negative amount; return it."""
    if amount < 0:
        raise ValidationError({"amount": "The amount cannot be negative."})
    return amount


def _check_status(status: str) -> str:
    if status not in Enrollment.Status.values:
        raise ValidationError({"status": f"{status!r} is not an enrollment status."})
    return status


@transaction.atomic
def enrollment_create(
    *,
    contact: Contact,
    course: Course,
    status: str = Enrollment.Status.ACTIVE,
    amount: Decimal | None = None,
) -> Enrollment:
    """Enroll ``contact`` in ``course`` (by default active, at the course's price).

    A second enrollment of the contact in the course is refused by the unique constraint
    (``lms_enrollment_unique_contact_course``) as a field error, whoever inserted first.
    """
    enrollment_check_course(contact=contact, course=course)
    enrollment = Enrollment(
        contact=contact,
        course=course,
        status=_check_status(status),
        amount=enrollment_check_amount(amount=course.price if amount is None else amount),
    )
    try:
        with transaction.atomic():
            enrollment.save(force_insert=True)
    except IntegrityError as exc:
        error = validation_error_from_integrity_error(exc)
        if error is None:
            raise
        raise error from exc
    return enrollment


def _lock(enrollment: Enrollment) -> Enrollment:
    return (
        Enrollment.objects.select_for_update()
        .select_related("contact", "course")
        .get(pk=enrollment.pk)
    )


@transaction.atomic
def enrollment_update(*, enrollment: Enrollment, data: dict[str, Any]) -> Enrollment:
    """Change an enrollment's status or amount (its contact and course never change)."""
    unknown = set(data) - ENROLLMENT_UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(f"An enrollment's {', '.join(sorted(unknown))} cannot be changed.")
    enrollment = _lock(enrollment)
    if "status" in data:
        enrollment.status = _check_status(data["status"])
    if "amount" in data:
        enrollment.amount = enrollment_check_amount(amount=data["amount"])
    if data:
        enrollment.save(update_fields=[*data, "updated_at"])
    return enrollment


def enrollment_withdraw(*, enrollment: Enrollment) -> Enrollment:
    """Cancel an enrollment; its progress stays (and counts again if it is reactivated)."""
    return enrollment_update(enrollment=enrollment, data={"status": Enrollment.Status.CANCELLED})


def enrollment_activate(*, enrollment: Enrollment) -> Enrollment:
    """Make a pending or cancelled enrollment active."""
    return enrollment_update(enrollment=enrollment, data={"status": Enrollment.Status.ACTIVE})


def _lock_enrollment_of(*, contact: Contact, course_id) -> Enrollment | None:
    """The contact's enrollment in the course that is not cancelled, locked; else None."""
    return (
        Enrollment.objects.select_for_update()
        .filter(contact=contact, course_id=course_id)
        .exclude(status=Enrollment.Status.CANCELLED)
        .first()
    )


def lesson_progress_check(*, contact: Contact, lesson: Lesson) -> None:
    """Refuse progress on ``lesson`` unless ``contact`` is enrolled in its course (forms ask
    before saving; ``lesson_progress_record`` asks again under the enrollment's lock)."""
    course_id = lesson.chapter.course_id
    enrolled = (
        Enrollment.objects.filter(contact=contact, course_id=course_id)
        .exclude(status=Enrollment.Status.CANCELLED)
        .exists()
    )
    if not enrolled:
        raise ValidationError({"lesson": _not_enrolled(contact, lesson.chapter.course)})


def _upsert(contact: Contact, lessons: Iterable[Lesson], *, completed: bool) -> None:
    rows = [
        LessonProgress(contact=contact, lesson=lesson, completed=completed) for lesson in lessons
    ]
    # One INSERT ... ON CONFLICT (contact, lesson) DO UPDATE: a tick sent twice, or by two
    # people at once, leaves one row. (The objects keep their fresh ids, not the stored ones.)
    LessonProgress.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["contact", "lesson"],
        update_fields=["completed", "updated_at"],
    )


@transaction.atomic
def lesson_progress_record(
    *, contact: Contact, lesson: Lesson, completed: bool = True
) -> LessonProgress:
    """Record whether ``contact`` has completed ``lesson`` (of a course it is enrolled in)."""
    lesson = Lesson.objects.select_related("chapter__course").get(pk=lesson.pk)
    course = lesson.chapter.course
    if _lock_enrollment_of(contact=contact, course_id=course.pk) is None:
        raise ValidationError({"lesson": _not_enrolled(contact, course)})
    _upsert(contact, [lesson], completed=completed)
    return LessonProgress.objects.select_related("lesson__chapter").get(
        contact=contact, lesson=lesson
    )


def lesson_complete(*, contact: Contact, lesson: Lesson) -> LessonProgress:
    """Mark ``lesson`` done for ``contact``; doing it again changes nothing."""
    return lesson_progress_record(contact=contact, lesson=lesson, completed=True)


@transaction.atomic
def enrollment_progress_set(*, enrollment: Enrollment, completed_lesson_ids: Iterable) -> int:
    """Make exactly ``completed_lesson_ids`` the done lessons of the enrollment's course.

    Ticked lessons not done yet become done, done lessons not ticked become not done; the
    others are left alone. An id that is not a lesson of the course refuses the whole change.
    Return how many lessons changed.
    """
    enrollment = _lock(enrollment)
    if enrollment.status == Enrollment.Status.CANCELLED:
        raise ValidationError({"lesson": _not_enrolled(enrollment.contact, enrollment.course)})
    lessons = {
        str(lesson.pk): lesson
        for lesson in Lesson.objects.filter(chapter__course=enrollment.course_id)
    }
    wanted = {str(pk) for pk in completed_lesson_ids}
    foreign = wanted - set(lessons)
    if foreign:
        raise ValidationError(
            {"lesson": f"Not a lesson of {enrollment.course.title}: {', '.join(sorted(foreign))}."}
        )
    done = {
        str(pk)
        for pk in LessonProgress.objects.filter(
            contact=enrollment.contact_id, lesson__in=list(lessons), completed=True
        ).values_list("lesson_id", flat=True)
    }
    to_complete, to_clear = wanted - done, done - wanted
    if to_complete:
        _upsert(enrollment.contact, [lessons[pk] for pk in to_complete], completed=True)
    if to_clear:
        LessonProgress.objects.filter(
            contact=enrollment.contact_id, lesson__in=list(to_clear)
        ).update(completed=False, updated_at=timezone.now())
    return len(to_complete) + len(to_clear)
