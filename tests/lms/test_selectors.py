"""LMS reads: a contact's courses lesson by lesson, the courses it may take, stalled learners,
completion per course; each scoped like the CRM and in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.scoping import organization_ids_for
from lms import selectors
from lms.models import Course, Enrollment
from tests.crm.factories import (
    ContactFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
)
from tests.lms.factories import (
    ChapterFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db


def _course(organization, chapters=(2, 1), **kwargs):
    course = CourseFactory(organization=organization, **kwargs)
    lessons = []
    for position, count in enumerate(chapters):
        chapter = ChapterFactory(course=course, position=position, title=f"Chapter {position + 1}")
        lessons += [
            LessonFactory(chapter=chapter, position=i, title=f"{position + 1}.{i + 1}")
            for i in range(count)
        ]
    return course, lessons


def test_a_contacts_courses_are_laid_out_by_chapter_with_what_is_done(
    django_assert_num_queries,
):
    contact = ContactFactory()
    course, (l11, l12, l21) = _course(contact.organization, title="Implants")
    EnrollmentFactory(contact=contact, course=course)
    LessonProgressFactory(contact=contact, lesson=l12, completed=True)
    LessonProgressFactory(contact=contact, lesson=l21, completed=False)
    platform, _ = _course(None, chapters=(1,), title="Platform basics")
    EnrollmentFactory(contact=contact, course=platform, status=Enrollment.Status.CANCELLED)
    EnrollmentFactory(course=course, contact=ContactFactory(organization=contact.organization))
    user = StaffUserFactory()
    organization_ids_for(user)  # the scope: read once per request, cached on the user

    with django_assert_num_queries(3):
        (implants, cancelled) = selectors.contact_enrollments(contact=contact, user=user)

    assert implants.enrollment.course == course and implants.open
    assert [c.chapter.title for c in implants.chapters] == ["Chapter 1", "Chapter 2"]
    assert [(r.lesson.title, r.done) for r in implants.chapters[0].lessons] == [
        ("1.1", False),
        ("1.2", True),
    ]
    assert (implants.done, implants.total, implants.percent) == (1, 3, 33)
    assert cancelled.enrollment.course == platform and not cancelled.open


def test_a_members_view_of_a_contact_shows_only_what_the_member_may_see():
    contact = ContactFactory()
    course, _ = _course(contact.organization)
    EnrollmentFactory(contact=contact, course=course)
    outsider = OrganizationMembershipFactory(organization=OrganizationFactory()).user

    assert selectors.contact_enrollments(contact=contact, user=outsider) == []


def test_courses_open_to_a_contact_follow_the_rules_and_the_users_scope():
    contact = ContactFactory()
    own = CourseFactory(organization=contact.organization, title="Own")
    taken = CourseFactory(organization=contact.organization, title="Taken")
    EnrollmentFactory(contact=contact, course=taken)
    CourseFactory(organization=contact.organization, title="Old", status=Course.Status.ARCHIVED)
    platform = CourseFactory(organization=None, title="Platform")
    CourseFactory(organization=OrganizationFactory(), title="Theirs")
    member = OrganizationMembershipFactory(organization=contact.organization).user

    assert list(selectors.courses_open_to(contact=contact, user=StaffUserFactory())) == [
        own,
        platform,
    ]
    # Members do not see platform courses (platform staff run them): only their own.
    assert list(selectors.courses_open_to(contact=contact, user=member)) == [own]


def _backdate(enrollment, days):
    Enrollment.objects.filter(pk=enrollment.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_stalled_enrollments_are_old_active_unfinished_and_quiet_for_14_days():
    now = timezone.now()
    organization = OrganizationFactory()
    course, lessons = _course(organization)

    def enrolled(days=30, status=Enrollment.Status.ACTIVE):
        enrollment = EnrollmentFactory(
            course=course, contact=ContactFactory(organization=organization), status=status
        )
        _backdate(enrollment, days)
        return enrollment

    never_started = enrolled()
    quiet = enrolled()
    progress = LessonProgressFactory(contact=quiet.contact, lesson=lessons[0])
    type(progress).objects.filter(pk=progress.pk).update(updated_at=now - timedelta(days=20))
    busy = enrolled()
    LessonProgressFactory(contact=busy.contact, lesson=lessons[0])
    finished = enrolled()
    for lesson in lessons:
        done = LessonProgressFactory(contact=finished.contact, lesson=lesson, completed=True)
        type(done).objects.filter(pk=done.pk).update(updated_at=now - timedelta(days=20))
    enrolled(days=3)  # new: give them time
    enrolled(status=Enrollment.Status.CANCELLED)

    stalled = Enrollment.objects.filter(selectors.stalled_enrollments_q(now=now))

    assert set(stalled) == {never_started, quiet}


def test_completion_per_course_counts_active_learners_lessons_done_and_stalled(
    django_assert_num_queries,
):
    now = timezone.now()
    organization = OrganizationFactory()
    course, lessons = _course(organization, chapters=(2, 2), title="Implants")
    other, _ = _course(organization, chapters=(1,), title="Hygiene")
    first, second, third = ContactFactory.create_batch(3, organization=organization)
    EnrollmentFactory(contact=first, course=course)
    _backdate(EnrollmentFactory(contact=second, course=course), 30)
    _backdate(EnrollmentFactory(contact=third, course=course), 30)
    EnrollmentFactory(course=course, status=Enrollment.Status.CANCELLED)
    EnrollmentFactory(contact=first, course=other)
    for lesson in lessons[:3]:
        LessonProgressFactory(contact=first, lesson=lesson, completed=True)
    LessonProgressFactory(contact=second, lesson=lessons[0], completed=False)
    LessonProgressFactory(contact=first, lesson=_course(organization)[1][0])  # not enrolled there
    member_elsewhere = OrganizationMembershipFactory(organization=OrganizationFactory()).user
    platform_staff = StaffUserFactory()
    organization_ids_for(platform_staff)

    with django_assert_num_queries(1):
        rows = selectors.course_completion(user=platform_staff, now=now)

    implants, hygiene = rows
    assert (implants.title, implants.enrolled, implants.lessons, implants.done) == (
        "Implants",
        3,
        4,
        3,
    )
    assert implants.percent == 25  # 3 of 3 learners x 4 lessons
    # The third has done nothing for 30 days; the second has a fresh (not done) progress row.
    assert implants.stalled == 1
    assert (hygiene.enrolled, hygiene.done, hygiene.percent) == (1, 0, 0)
    assert selectors.course_completion(user=member_elsewhere, now=now) == []
