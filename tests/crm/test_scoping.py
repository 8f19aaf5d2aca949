"""Organization scoping: members see their organizations, platform staff and superusers all."""

import pytest
from django.contrib.auth.models import AnonymousUser

from crm.models import (
    Appointment,
    Contact,
    ContactIntegration,
    ContactNote,
    ContactTag,
    Message,
    Organization,
    OrganizationMembership,
    Tag,
    Task,
)
from crm.scoping import forget_organization_ids, organization_ids_for, user_can_access_organization
from lms.models import Chapter, Course, Enrollment, Lesson, LessonProgress
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

SCOPED_MODELS = [
    Organization,
    OrganizationMembership,
    Contact,
    ContactIntegration,
    Tag,
    ContactTag,
    ContactNote,
    Appointment,
    Message,
    Task,
    Course,
    Chapter,
    Lesson,
    Enrollment,
    LessonProgress,
]


def _world(organization):
    """One of everything, in ``organization``."""
    contact = ContactFactory(organization=organization)
    tag = TagFactory(organization=organization)
    ContactTag.objects.create(contact=contact, tag=tag)
    ContactIntegrationFactory(contact=contact)
    ContactNoteFactory(contact=contact, organization=organization)
    AppointmentFactory(contact=contact, organization=organization)
    MessageFactory(contact=contact, organization=organization)
    TaskFactory(contact=contact, organization=organization)
    course = CourseFactory(organization=organization)
    lesson = LessonFactory(chapter=ChapterFactory(course=course))
    EnrollmentFactory(course=course, contact=contact)
    LessonProgressFactory(lesson=lesson, contact=contact)
    return contact


@pytest.fixture
def two_agencies():
    agency_a, agency_b = OrganizationFactory(name="Agency A"), OrganizationFactory(name="Agency B")
    _world(agency_a)
    _world(agency_b)
    member_of_a = OrganizationMembershipFactory(organization=agency_a).user
    OrganizationMembershipFactory(organization=agency_b)
    return agency_a, agency_b, member_of_a


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_a_member_sees_only_its_organizations_rows(two_agencies, model):
    agency_a, agency_b, member = two_agencies

    visible = model.objects.for_user(member)

    assert visible.exists()
    path = getattr(model, "organization_path", "organization")
    organization_ids = set(
        visible.values_list("pk" if path == "pk" else f"{path}_id", flat=True).distinct()
    )
    assert organization_ids == {agency_a.pk}
    assert visible.count() < model.objects.count()


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_platform_staff_and_superusers_see_every_organization(two_agencies, model):
    platform_staff = StaffUserFactory(username="platform")
    superuser = StaffUserFactory(username="root", is_superuser=True)
    OrganizationMembershipFactory(user=superuser)

    assert model.objects.for_user(platform_staff).count() == model.objects.count()
    assert model.objects.for_user(superuser).count() == model.objects.count()


def test_anonymous_and_inactive_users_see_nothing(two_agencies):
    inactive = StaffUserFactory(username="gone", is_active=False)

    assert not Contact.objects.for_user(AnonymousUser()).exists()
    assert not Contact.objects.for_user(inactive).exists()


def test_membership_lookup_runs_once_per_user_object(two_agencies, django_assert_num_queries):
    agency_a, agency_b, member = two_agencies

    with django_assert_num_queries(1):
        assert organization_ids_for(member) == {agency_a.pk}
        assert user_can_access_organization(member, agency_a.pk)
        assert not user_can_access_organization(member, agency_b.pk)

    OrganizationMembershipFactory(user=member, organization=agency_b)
    forget_organization_ids(member)
    assert organization_ids_for(member) == {agency_a.pk, agency_b.pk}
