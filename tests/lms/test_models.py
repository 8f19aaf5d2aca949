import pytest
from django.db import IntegrityError, transaction

from lms.models import Enrollment, Learner, LearnerIntegration, LessonProgress
from tests.crm.factories import OrganizationFactory
from tests.lms.factories import (
    CourseFactory,
    EnrollmentFactory,
    LearnerFactory,
    LearnerIntegrationFactory,
    LessonFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db


def test_duplicate_learner_email_in_one_organization_is_rejected():
    first = LearnerFactory(email="asha@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        LearnerFactory(organization=first.organization, email="asha@example.com")

    assert Learner.objects.filter(email="asha@example.com").count() == 1


def test_same_learner_email_in_two_organizations_is_allowed():
    LearnerFactory(email="asha@example.com")
    LearnerFactory(email="asha@example.com")

    assert Learner.objects.filter(email="asha@example.com").count() == 2


def test_many_learners_without_email_fit_in_one_organization():
    organization = OrganizationFactory()
    LearnerFactory.create_batch(3, organization=organization, email=None)

    assert organization.learners.filter(email__isnull=True).count() == 3


def test_one_enrollment_per_learner_and_course():
    enrollment = EnrollmentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        EnrollmentFactory(learner=enrollment.learner, course=enrollment.course)

    assert Enrollment.objects.count() == 1


def test_one_progress_row_per_learner_and_lesson():
    progress = LessonProgressFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        LessonProgressFactory(learner=progress.learner, lesson=progress.lesson, completed=False)

    assert LessonProgress.objects.count() == 1


def test_integration_is_unique_per_provider_and_external_id():
    integration = LearnerIntegrationFactory(provider="ghl", external_id="abc")

    with pytest.raises(IntegrityError), transaction.atomic():
        LearnerIntegrationFactory(provider="ghl", external_id="abc")
    LearnerIntegrationFactory(provider="hubspot", external_id="abc", learner=integration.learner)

    assert LearnerIntegration.objects.filter(external_id="abc").count() == 2


def test_deleting_a_learner_removes_its_enrollments_progress_and_integrations():
    learner = LearnerFactory()
    EnrollmentFactory(learner=learner)
    LessonProgressFactory(learner=learner)
    LearnerIntegrationFactory(learner=learner)
    other = EnrollmentFactory()

    learner.delete()

    assert not Enrollment.objects.filter(learner_id=learner.id).exists()
    assert not LessonProgress.objects.filter(learner_id=learner.id).exists()
    assert not LearnerIntegration.objects.filter(learner_id=learner.id).exists()
    assert Enrollment.objects.filter(pk=other.pk).exists()


def test_deleting_an_organization_removes_its_learners_but_keeps_its_courses():
    organization = OrganizationFactory()
    LearnerFactory.create_batch(2, organization=organization)
    course = CourseFactory(organization=organization)

    organization.delete()

    assert not Learner.objects.filter(organization_id=organization.id).exists()
    course.refresh_from_db()
    assert course.organization is None


def test_deleting_a_course_removes_its_chapters_lessons_and_progress():
    lesson = LessonFactory()
    progress = LessonProgressFactory(lesson=lesson)
    enrollment = EnrollmentFactory(course=lesson.chapter.course, learner=progress.learner)

    lesson.chapter.course.delete()

    assert not LessonProgress.objects.filter(pk=progress.pk).exists()
    assert not Enrollment.objects.filter(pk=enrollment.pk).exists()
    assert Learner.objects.filter(pk=progress.learner_id).exists()


def test_negative_course_price_is_rejected():
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseFactory(price=-1)
