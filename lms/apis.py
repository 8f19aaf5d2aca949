"""The LMS's staff REST API (/api/lms/): courses with their chapters and lessons, enrollments
and lesson progress, read-only and scoped to the caller's organizations (core/staff_api.py).
"""

from django.db.models import Count, Prefetch
from rest_framework import serializers, viewsets

from core.staff_api import StaffApiMixin
from lms import filters
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


class CourseViewSet(StaffApiMixin, viewsets.ReadOnlyModelViewSet):
    """Courses; one course's page holds its chapters and their lessons, in order."""

    queryset = Course.objects.annotate(enrollment_count=Count("enrollments"))
    filterset_class = filters.CourseFilter
    ordering_fields = ["title", "created_at", "price"]
    ordering = ["title", "id"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            lessons = Prefetch("lessons", queryset=Lesson.objects.order_by("position", "title"))
            chapters = Chapter.objects.order_by("position", "title").prefetch_related(lessons)
            queryset = queryset.prefetch_related(Prefetch("chapters", queryset=chapters))
        return queryset

    def get_serializer_class(self):
        return CourseDetailSerializer if self.action == "retrieve" else CourseSerializer


class EnrollmentViewSet(StaffApiMixin, viewsets.ReadOnlyModelViewSet):
    """Which contacts are enrolled in which courses."""

    queryset = Enrollment.objects.all()
    serializer_class = EnrollmentSerializer
    filterset_class = filters.EnrollmentFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "id"]


class LessonProgressViewSet(StaffApiMixin, viewsets.ReadOnlyModelViewSet):
    """Each contact's progress through lessons."""

    queryset = LessonProgress.objects.select_related("lesson__chapter")
    serializer_class = LessonProgressSerializer
    filterset_class = filters.LessonProgressFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-updated_at", "id"]
