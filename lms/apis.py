"""The LMS's staff REST API (/api/lms/): courses with their chapters and lessons (read-only),
enrollments (enroll, change) and lesson progress (record), scoped to the caller's organizations
(core/staff_api.py); every write goes through lms/services.py.
"""

from django.db.models import Count, Prefetch, Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.staff_api import ScopedRelatedField, StaffApiMixin
from crm.models import Contact
from crm.scoping import organization_ids_for
from lms import filters
from lms.models import Chapter, Course, Enrollment, Lesson, LessonProgress
from lms.services import (
    PROGRESS_PERMISSIONS,
    enrollment_create,
    enrollment_update,
    lesson_progress_record,
)


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


@extend_schema_view(
    create=extend_schema(
        request=EnrollmentInputSerializer,
        responses={201: EnrollmentSerializer},
        description=(
            "Enroll a contact in a course of its organization or a platform course (not an "
            "archived one); a second enrollment in the same course is a 400 on `course`."
        ),
    ),
    partial_update=extend_schema(
        request=EnrollmentUpdateSerializer, responses={200: EnrollmentSerializer}
    ),
)
class EnrollmentViewSet(
    StaffApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Which contacts are enrolled in which courses: enroll one, change its status or amount."""

    queryset = Enrollment.objects.all()
    serializer_class = EnrollmentSerializer
    filterset_class = filters.EnrollmentFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request) -> Response:
        serializer = EnrollmentInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        enrollment = self.run_service(enrollment_create, **serializer.validated_data)
        return Response(self.get_serializer(enrollment).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        enrollment = self.get_object()
        serializer = EnrollmentUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        enrollment = self.run_service(
            enrollment_update, enrollment=enrollment, data=dict(serializer.validated_data)
        )
        return Response(self.get_serializer(enrollment).data)


@extend_schema_view(
    create=extend_schema(
        request=LessonProgressInputSerializer,
        responses={200: LessonProgressSerializer},
        description=(
            "Record whether the contact completed the lesson (`completed`, default true): the "
            "contact's one row for the lesson, created or updated, so sending it twice changes "
            "nothing. Only for a lesson of a course the contact is enrolled in (else a 400 on "
            "`lesson`, nothing written). Needs lms.add_lessonprogress and "
            "lms.change_lessonprogress."
        ),
    ),
)
class LessonProgressViewSet(
    StaffApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Each contact's progress through lessons; POST records (completes) a lesson."""

    queryset = LessonProgress.objects.select_related("lesson__chapter")
    serializer_class = LessonProgressSerializer
    filterset_class = filters.LessonProgressFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-updated_at", "id"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"create": list(PROGRESS_PERMISSIONS)}

    def create(self, request: Request) -> Response:
        serializer = LessonProgressInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        progress = self.run_service(lesson_progress_record, **serializer.validated_data)
        return Response(self.get_serializer(progress).data, status=status.HTTP_200_OK)
