"""LMS reads: a contact's courses lesson by lesson, the courses a contact may take, how far
learners are (the dashboard), and which enrollments have stalled.

Scoping follows crm/scoping.py: enrollments and progress belong to the contact's organization
(``for_user`` through the contact), courses to theirs. A member sees only its organizations'
courses, never platform courses (those without an organization: platform staff run them); the
lessons of a course a visible enrollment is in are shown through that enrollment, whoever owns
the course, so a member follows its contacts' progress in a platform course too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)

from core.db.expressions import correlated_count
from crm.models import Contact
from lms.models import Chapter, Course, Enrollment, Lesson, LessonProgress

STALLED_DAYS = 14


# A contact's courses, lesson by lesson -----------------------------------------------------------


@dataclass
class LessonRow:
    lesson: Lesson
    done: bool


@dataclass
class ChapterRows:
    chapter: Chapter
    lessons: list[LessonRow] = field(default_factory=list)


@dataclass
class EnrollmentLessons:
    """An enrollment with its course's chapters and lessons, in order, each done or not."""

    enrollment: Enrollment
    chapters: list[ChapterRows] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(chapter.lessons) for chapter in self.chapters)

    @property
    def done(self) -> int:
        return sum(row.done for chapter in self.chapters for row in chapter.lessons)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def open(self) -> bool:
        """Whether progress may be recorded (lms.services: not a cancelled enrollment)."""
        return self.enrollment.status != Enrollment.Status.CANCELLED


def enrollments_with_lessons(enrollments: list[Enrollment]) -> list[EnrollmentLessons]:
    """Lay out each enrollment's lessons by chapter with the contact's progress: two queries
    (the lessons of all the courses, the progress of all the contacts), whatever the number."""
    if not enrollments:
        return []
    course_ids = {enrollment.course_id for enrollment in enrollments}
    lessons = list(
        Lesson.objects.filter(chapter__course__in=course_ids)
        .select_related("chapter")
        .order_by("chapter__position", "chapter__title", "position", "title")
    )
    done = set(
        LessonProgress.objects.filter(
            contact__in={enrollment.contact_id for enrollment in enrollments},
            lesson__in=[lesson.pk for lesson in lessons],
            completed=True,
        ).values_list("contact_id", "lesson_id")
    )
    by_course: dict = defaultdict(list)
    for lesson in lessons:
        by_course[lesson.chapter.course_id].append(lesson)
    result = []
    for enrollment in enrollments:
        laid_out = EnrollmentLessons(enrollment)
        chapters: dict = {}
        for lesson in by_course[enrollment.course_id]:
            rows = chapters.get(lesson.chapter_id)
            if rows is None:
                rows = chapters[lesson.chapter_id] = ChapterRows(lesson.chapter)
                laid_out.chapters.append(rows)
            rows.lessons.append(LessonRow(lesson, (enrollment.contact_id, lesson.pk) in done))
        result.append(laid_out)
    return result


def contact_enrollments(*, contact: Contact, user) -> list[EnrollmentLessons]:
    """The contact's enrollments (active first, then newest) with their lessons: 3 queries."""
    enrollments = list(
        Enrollment.objects.for_user(user)
        .filter(contact=contact)
        .select_related("course", "contact")
        .order_by("-created_at")
    )
    rank = {Enrollment.Status.ACTIVE: 0, Enrollment.Status.PENDING: 1}
    enrollments.sort(key=lambda enrollment: rank.get(enrollment.status, 2))
    return enrollments_with_lessons(enrollments)


def courses_open_to(*, contact: Contact, user) -> QuerySet[Course]:
    """The courses ``user`` may enroll ``contact`` in: visible to the user, of the contact's
    organization or platform ones, not archived, not taken already (lms.services's rules)."""
    return (
        Course.objects.for_user(user)
        .filter(Q(organization__isnull=True) | Q(organization=contact.organization_id))
        .exclude(status=Course.Status.ARCHIVED)
        .exclude(Exists(Enrollment.objects.filter(course=OuterRef("pk"), contact=contact)))
        .order_by("title", "pk")
    )


# Learners who stopped ----------------------------------------------------------------------------


def stalled_enrollments_q(*, now: datetime, days: int = STALLED_DAYS) -> Q:
    """Active enrollments older than ``days`` whose contact has recorded no progress in the
    course for ``days`` and still has a lesson of it to do (a finished course is not stalled)."""
    since = now - timedelta(days=days)
    recent = LessonProgress.objects.filter(
        contact=OuterRef("contact"),
        lesson__chapter__course=OuterRef("course"),
        updated_at__gte=since,
    )
    done = LessonProgress.objects.filter(
        contact=OuterRef(OuterRef("contact")), lesson=OuterRef("pk"), completed=True
    )
    left = Lesson.objects.filter(chapter__course=OuterRef("course")).filter(~Exists(done))
    return Q(status=Enrollment.Status.ACTIVE, created_at__lt=since) & ~Exists(recent) & Exists(left)


# How far learners are, per course (the dashboard) ------------------------------------------------


@dataclass(frozen=True)
class CourseCompletion:
    course_id: object
    title: str
    enrolled: int  # active enrollments
    stalled: int  # of which with no progress in STALLED_DAYS days
    lessons: int
    done: int  # lessons done by the actively enrolled contacts

    @property
    def percent(self) -> int:
        possible = self.lessons * self.enrolled
        return round(100 * self.done / possible) if possible else 0


def course_completion(*, user, now: datetime) -> list[CourseCompletion]:
    """Each course with active enrollments the user may see: enrolled, stalled, lessons done
    out of lessons times learners. One grouped query over the active enrollments, most
    enrolled first."""
    done = LessonProgress.objects.filter(
        contact=OuterRef("contact"), lesson__chapter__course=OuterRef("course"), completed=True
    )
    lessons = Lesson.objects.filter(chapter__course=OuterRef("course"))
    rows = (
        Enrollment.objects.for_user(user)
        .filter(status=Enrollment.Status.ACTIVE)
        .values("course_id", "course__title")
        .annotate(
            enrolled=Count("pk"),
            stalled=Count("pk", filter=stalled_enrollments_q(now=now)),
            lessons=Max(correlated_count(lessons, "chapter__course")),
            done=Sum(correlated_count(done, "contact")),
        )
        .order_by("-enrolled", "course__title")
    )
    return [
        CourseCompletion(
            course_id=row["course_id"],
            title=row["course__title"],
            enrolled=row["enrolled"],
            stalled=row["stalled"],
            lessons=row["lessons"] or 0,
            done=row["done"] or 0,
        )
        for row in rows
    ]
