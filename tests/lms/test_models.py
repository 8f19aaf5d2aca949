import pytest
from django.db import IntegrityError, transaction

from crm.models import Contact, ContactIntegration
from lms.models import Enrollment, LessonProgress
from tests.crm.factories import ContactFactory, ContactIntegrationFactory, OrganizationFactory
from tests.lms.factories import (
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db


def test_duplicate_contact_email_in_one_organization_is_rejected():
    first = ContactFactory(email="asha@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(organization=first.organization, email="asha@example.com")

    assert Contact.objects.filter(email="asha@example.com").count() == 1


def test_same_contact_email_in_two_organizations_is_allowed():
    ContactFactory(email="asha@example.com")
    ContactFactory(email="asha@example.com")

    assert Contact.objects.filter(email="asha@example.com").count() == 2


def test_many_contacts_without_email_fit_in_one_organization():
    organization = OrganizationFactory()
    ContactFactory.create_batch(3, organization=organization, email=None)

    assert organization.contacts.filter(email__isnull=True).count() == 3


def test_one_enrollment_per_contact_and_course():
    enrollment = EnrollmentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        EnrollmentFactory(contact=enrollment.contact, course=enrollment.course)

    assert Enrollment.objects.count() == 1


def test_one_progress_row_per_contact_and_lesson():
    progress = LessonProgressFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        LessonProgressFactory(contact=progress.contact, lesson=progress.lesson, completed=False)

    assert LessonProgress.objects.count() == 1


def test_integration_is_unique_per_provider_and_external_id():
    integration = ContactIntegrationFactory(provider="ghl", external_id="abc")

    with pytest.raises(IntegrityError), transaction.atomic():
        ContactIntegrationFactory(provider="ghl", external_id="abc")
    ContactIntegrationFactory(provider="hubspot", external_id="abc", contact=integration.contact)

    assert ContactIntegration.objects.filter(external_id="abc").count() == 2


def test_deleting_a_contact_removes_its_enrollments_progress_and_integrations():
    contact = ContactFactory()
    EnrollmentFactory(contact=contact)
    LessonProgressFactory(contact=contact)
    ContactIntegrationFactory(contact=contact)
    other = EnrollmentFactory()

    contact.delete()

    assert not Enrollment.objects.filter(contact_id=contact.id).exists()
    assert not LessonProgress.objects.filter(contact_id=contact.id).exists()
    assert not ContactIntegration.objects.filter(contact_id=contact.id).exists()
    assert Enrollment.objects.filter(pk=other.pk).exists()


def test_deleting_an_organization_removes_its_contacts_but_keeps_its_courses():
    organization = OrganizationFactory()
    ContactFactory.create_batch(2, organization=organization)
    course = CourseFactory(organization=organization)

    organization.delete()

    assert not Contact.objects.filter(organization_id=organization.id).exists()
    course.refresh_from_db()
    assert course.organization is None


def test_deleting_a_course_removes_its_chapters_lessons_and_progress():
    lesson = LessonFactory()
    progress = LessonProgressFactory(lesson=lesson)
    enrollment = EnrollmentFactory(course=lesson.chapter.course, contact=progress.contact)

    lesson.chapter.course.delete()

    assert not LessonProgress.objects.filter(pk=progress.pk).exists()
    assert not Enrollment.objects.filter(pk=enrollment.pk).exists()
    assert Contact.objects.filter(pk=progress.contact_id).exists()


def test_negative_course_price_is_rejected():
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFactory(price=-1)
