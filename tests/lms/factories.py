from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from lms.models import (
    Chapter,
    Course,
    Enrollment,
    Learner,
    LearnerIntegration,
    Lesson,
    LessonProgress,
)
from tests.crm.factories import OrganizationFactory


class LearnerFactory(DjangoModelFactory):
    class Meta:
        model = Learner

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    phone = factory.Faker("numerify", text="+91 98### #####")
    address = factory.Faker("street_address")
    timezone = "Asia/Kolkata"


class LearnerIntegrationFactory(DjangoModelFactory):
    class Meta:
        model = LearnerIntegration

    learner = factory.SubFactory(LearnerFactory)
    provider = "ghl"
    external_id = factory.Sequence(lambda n: f"ghl-{n:06d}")
    external_data = factory.LazyFunction(lambda: {"stage": "Active"})


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Faker("catch_phrase")
    slug = factory.Sequence(lambda n: f"course-{n}")
    description = factory.Faker("paragraph")
    small_description = factory.Faker("sentence")
    category = "Marketing"
    level = Course.Level.BEGINNER
    status = Course.Status.PUBLISHED
    price = Decimal("49.00")
    duration = 120


class ChapterFactory(DjangoModelFactory):
    class Meta:
        model = Chapter

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"chapter-{n}")
    title = factory.Faker("sentence", nb_words=3)
    position = factory.Sequence(int)


class LessonFactory(DjangoModelFactory):
    class Meta:
        model = Lesson

    chapter = factory.SubFactory(ChapterFactory)
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Faker("sentence", nb_words=4)
    description = factory.Faker("paragraph")
    position = factory.Sequence(int)


class EnrollmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrollment

    course = factory.SubFactory(CourseFactory)
    learner = factory.SubFactory(LearnerFactory)
    amount = factory.SelfAttribute("course.price")
    status = Enrollment.Status.ACTIVE


class LessonProgressFactory(DjangoModelFactory):
    class Meta:
        model = LessonProgress

    lesson = factory.SubFactory(LessonFactory)
    learner = factory.SubFactory(LearnerFactory)
    completed = True
