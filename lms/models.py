import uuid

from django.db import models
from django.utils.timezone import now

from core.constraints import ConstraintFieldErrorsMixin
from crm.models import Contact
from crm.scoping import OrganizationScopedManager


class Course(ConstraintFieldErrorsMixin, models.Model):
    class Level(models.TextChoices):
        CORE = "Core"
        BEGINNER = "Beginner"
        INTERMEDIATE = "Intermediate"
        ADVANCED = "Advanced"

    class Status(models.TextChoices):
        DRAFT = "Draft"
        PUBLISHED = "Published"
        ARCHIVED = "Archived"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "crm.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="courses",
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    small_description = models.CharField(max_length=500, blank=True)
    category = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.BEGINNER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    is_free = models.BooleanField(default=False)
    duration = models.PositiveIntegerField(default=0, help_text="Length in minutes.")
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationScopedManager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="lms_course_price_gte_0"),
        ]
        # The admin list by title (Django adds -id): for everyone and per organization.
        indexes = [
            models.Index(fields=["title", "-id"], name="lms_course_title_idx"),
            models.Index(fields=["organization", "title", "-id"], name="lms_course_org_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Chapter(ConstraintFieldErrorsMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="chapters")
    slug = models.SlugField(max_length=200)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationScopedManager()
    organization_path = "course__organization"

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "slug"], name="lms_chapter_unique_course_slug"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Lesson(ConstraintFieldErrorsMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=200)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationScopedManager()
    organization_path = "chapter__course__organization"

    class Meta:
        ordering = ["chapter", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["chapter", "slug"], name="lms_lesson_unique_chapter_slug"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Enrollment(ConstraintFieldErrorsMixin, models.Model):
    class Status(models.TextChoices):
        PENDING = "Pending"
        ACTIVE = "Active"
        CANCELLED = "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="enrollments")
    amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationScopedManager()
    organization_path = "contact__organization"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "course"], name="lms_enrollment_unique_contact_course"
            ),
        ]
        # The admin list, newest first (EnrollmentAdmin.ordering).
        indexes = [models.Index(fields=["-created_at", "-id"], name="lms_enrollment_created_idx")]

    def __str__(self) -> str:
        # Lists that show these rows select the contact and course along (no query per row).
        return f"{self.contact.name} — {self.course.title}"


class LessonProgress(ConstraintFieldErrorsMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="lesson_progress")
    completed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationScopedManager()
    organization_path = "contact__organization"

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "lesson"], name="lms_lessonprogress_unique_contact_lesson"
            ),
        ]
        # The admin list, latest first (LessonProgressAdmin.ordering).
        indexes = [models.Index(fields=["-updated_at", "-id"], name="lms_progress_updated_idx")]

    def __str__(self) -> str:
        return f"{self.contact.name} — {self.lesson.title}"
