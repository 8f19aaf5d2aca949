from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from lms.models import (
    Chapter,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
)
from tests.crm.factories import ContactFactory, OrganizationFactory


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
    contact = factory.SubFactory(ContactFactory)
    amount = factory.SelfAttribute("course.price")
    status = Enrollment.Status.ACTIVE


class LessonProgressFactory(DjangoModelFactory):
    class Meta:
        model = LessonProgress

    lesson = factory.SubFactory(LessonFactory)
    contact = factory.SubFactory(ContactFactory)
    completed = True
