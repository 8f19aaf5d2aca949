import uuid

from django.db import models
from django.utils.timezone import now


class Learner(models.Model):
    """A person who takes an organization's courses."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "crm.Organization", on_delete=models.CASCADE, related_name="learners"
    )
    name = models.CharField(max_length=200)
    # NULL, not "", so that many learners without an email fit the per-organization unique rule.
    email = models.EmailField(max_length=254, null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=500, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"], name="lms_learner_unique_organization_email"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LearnerIntegration(models.Model):
    """A learner's record in an outside system (for example GoHighLevel)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="integrations")
    provider = models.CharField(max_length=50)
    external_id = models.CharField(max_length=255)
    external_data = models.JSONField(default=dict, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    sync_status = models.CharField(max_length=32, default="active")
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"],
                name="lms_learnerintegration_unique_provider_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.external_id}"


class Course(models.Model):
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

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="lms_course_price_gte_0"),
        ]

    def __str__(self) -> str:
        return self.title


class Chapter(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="chapters")
    slug = models.SlugField(max_length=200)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "slug"], name="lms_chapter_unique_course_slug"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=200)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["chapter", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["chapter", "slug"], name="lms_lesson_unique_chapter_slug"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Enrollment(models.Model):
    class Status(models.TextChoices):
        PENDING = "Pending"
        ACTIVE = "Active"
        CANCELLED = "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="enrollments")
    amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course"], name="lms_enrollment_unique_learner_course"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} in {self.course_id}"


class LessonProgress(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="lesson_progress")
    completed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "lesson"], name="lms_lessonprogress_unique_learner_lesson"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} on {self.lesson_id}"
