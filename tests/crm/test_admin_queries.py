"""Query counts of the CRM and LMS admin pages do not grow with rows, notes, tags or events."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import ContactTag
from tests.crm.factories import (
    AppointmentFactory,
    ContactFactory,
    ContactIntegrationFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
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

pytestmark = pytest.mark.django_db

# Every changelist: the page, the scope, the filters, the rows; none of it per row.
CHANGELIST_BUDGET = 14
CONTACT_PAGE_BUDGET = 30


def _rows(label: str, organization, n: int) -> None:
    """``n`` more rows of ``label`` in ``organization``, each with its own related rows."""
    for i in range(n):
        contact = ContactFactory(organization=organization)
        if label == "crm.contact":
            contact.parent_contact = ContactFactory(organization=organization)
            contact.save()
        elif label == "crm.organization":
            OrganizationFactory()
        elif label == "crm.tag":
            TagFactory(organization=organization)
        elif label == "crm.contactintegration":
            ContactIntegrationFactory(contact=contact)
        elif label == "crm.contactnote":
            ContactNoteFactory(contact=contact, author=StaffUserFactory())
        elif label == "crm.appointment":
            AppointmentFactory(contact=contact)
        elif label == "crm.message":
            MessageFactory(contact=contact)
        elif label == "crm.task":
            TaskFactory(contact=contact, assignee=StaffUserFactory())
        elif label in ("lms.course", "lms.chapter", "lms.lesson"):
            LessonFactory(chapter=ChapterFactory(course=CourseFactory(organization=organization)))
        elif label == "lms.enrollment":
            EnrollmentFactory(contact=contact, course=CourseFactory(organization=organization))
        elif label == "lms.lessonprogress":
            lesson = LessonFactory(
                chapter=ChapterFactory(course=CourseFactory(organization=organization))
            )
            LessonProgressFactory(contact=contact, lesson=lesson)
        else:
            raise AssertionError(label)
        del i


CHANGELISTS = [
    "crm.organization",
    "crm.contact",
    "crm.contactintegration",
    "crm.tag",
    "crm.contactnote",
    "crm.appointment",
    "crm.message",
    "crm.task",
    "lms.course",
    "lms.chapter",
    "lms.lesson",
    "lms.enrollment",
    "lms.lessonprogress",
]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def member_client(client):
    """A member of one organization, with every CRM and LMS permission."""
    user = StaffUserFactory()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["crm", "lms", "leads"])
    )
    membership = OrganizationMembershipFactory(user=user)
    client.force_login(user)
    client.organization = membership.organization
    return client


@pytest.mark.parametrize("label", CHANGELISTS)
@pytest.mark.parametrize("who", ["superuser", "member"])
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, member_client, label, who, django_assert_max_num_queries
):
    client = admin_client if who == "superuser" else member_client
    organization = member_client.organization
    app_label, model_name = label.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")

    _rows(label, organization, 2)
    client.get(url)  # warm the caches (content types, permissions)
    small = _count(client, url)
    _rows(label, organization, 12)
    with django_assert_max_num_queries(CHANGELIST_BUDGET):
        large = _count(client, url)

    assert large == small


def _busy(contact, n: int) -> None:
    """Give ``contact`` ``n`` of everything its page shows."""
    organization = contact.organization
    now = timezone.now()
    for i in range(n):
        ContactNoteFactory(contact=contact, author=StaffUserFactory())
        ContactTag.objects.create(contact=contact, tag=TagFactory(organization=organization))
        TaskFactory(contact=contact, assignee=StaffUserFactory(), due_date=now + timedelta(days=i))
        AppointmentFactory(contact=contact, start_time=now + timedelta(days=i + 1))
        MessageFactory(contact=contact)
        ContactIntegrationFactory(contact=contact)
        ContactFactory(organization=organization, parent_contact=contact)
        course = CourseFactory(organization=organization)
        EnrollmentFactory(contact=contact, course=course)
        lesson = LessonFactory(chapter=ChapterFactory(course=course))
        LessonProgressFactory(contact=contact, lesson=lesson)


@pytest.mark.parametrize("who", ["superuser", "member"])
def test_contact_page_queries_do_not_grow_with_its_history(
    admin_client, member_client, who, django_assert_max_num_queries
):
    client = admin_client if who == "superuser" else member_client
    organization = member_client.organization
    quiet = ContactFactory(organization=organization)
    busy = ContactFactory(organization=organization)
    _busy(quiet, 1)
    _busy(busy, 8)

    client.get(reverse("admin:crm_contact_change", args=[quiet.pk]))  # warm the caches
    small = _count(client, reverse("admin:crm_contact_change", args=[quiet.pk]))
    with django_assert_max_num_queries(CONTACT_PAGE_BUDGET):
        large = _count(client, reverse("admin:crm_contact_change", args=[busy.pk]))

    assert large == small
