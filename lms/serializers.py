"""Serializers of the LMS's staff API (lms/staff_apis.py): outputs, and inputs for the services."""

from django.db.models import Q
from rest_framework import serializers

from core.staff_api import ScopedRelatedField
from crm.models import Contact
from crm.scoping import organization_ids_for
from lms.models import Chapter, Course, Enrollment, Lesson, LessonProgress


class LessonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["id", "slug", "title", "description", "position"]
        read_only_fields = fields


class ChapterSerializer(serializers.ModelSerializer):
    lessons = LessonSerializer(many=True, read_only=True)

    class Meta:
        model = Chapter
        fields = ["id", "slug", "title", "position", "lessons"]
        read_only_fields = fields


class CourseSerializer(serializers.ModelSerializer):
    enrollment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "organization",
            "title",
            "slug",
            "small_description",
            "category",
            "level",
            "status",
            "price",
            "is_free",
            "duration",
            "enrollment_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CourseDetailSerializer(CourseSerializer):
    chapters = ChapterSerializer(many=True, read_only=True)

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "description", "chapters"]
        read_only_fields = fields


class EnrollmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enrollment
        fields = ["id", "course", "contact", "amount", "status", "created_at", "updated_at"]
        read_only_fields = fields


class LessonProgressSerializer(serializers.ModelSerializer):
    chapter = serializers.UUIDField(source="lesson.chapter_id", read_only=True)
    course = serializers.UUIDField(source="lesson.chapter.course_id", read_only=True)

    class Meta:
        model = LessonProgress
        fields = [
            "id",
            "contact",
            "lesson",
            "chapter",
            "course",
            "completed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- Inputs (shape here; the services check the rules) --------------------------------------


class EnrollmentInputSerializer(serializers.Serializer):
    contact = ScopedRelatedField(queryset=Contact.objects.all())
    course = ScopedRelatedField(queryset=Course.objects.all())
    status = serializers.ChoiceField(
        choices=Enrollment.Status.choices, default=Enrollment.Status.ACTIVE
    )
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, help_text="Default: the course's price."
    )


class EnrollmentUpdateSerializer(serializers.Serializer):
    """PATCH: status (Cancelled withdraws, Active enrolls again) and amount; contact and course
    stay."""

    status = serializers.ChoiceField(choices=Enrollment.Status.choices, required=False)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)


class ProgressLessonField(ScopedRelatedField):
    """A lesson of a course the caller sees, or of a platform course (a member's contacts take
    those too); whether the contact is enrolled in it is the service's rule."""

    def get_queryset(self):
        request = self.context.get("request")
        scope = organization_ids_for(request.user) if request is not None else frozenset()
        if scope is None:
            return Lesson.objects.all()
        return Lesson.objects.filter(
            Q(chapter__course__organization__isnull=True)
            | Q(chapter__course__organization__in=scope)
        )


class LessonProgressInputSerializer(serializers.Serializer):
    contact = ScopedRelatedField(queryset=Contact.objects.all())
    lesson = ProgressLessonField(queryset=Lesson.objects.all())
    completed = serializers.BooleanField(default=True)
