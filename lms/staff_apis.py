"""The LMS's staff REST API (/api/lms/): courses with their chapters and lessons (read-only),
enrollments (enroll, change) and lesson progress (record), scoped to the caller's organizations
(core/staff_api.py); every write goes through lms/services.py.
"""

from django.db.models import Count, Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.staff_api import StaffApiMixin
from lms import filters
from lms.models import Chapter, Course, Enrollment, Lesson, LessonProgress
from lms.serializers import (
    CourseDetailSerializer,
    CourseSerializer,
    EnrollmentInputSerializer,
    EnrollmentSerializer,
    EnrollmentUpdateSerializer,
    LessonProgressInputSerializer,
    LessonProgressSerializer,
)
from lms.services import (
    PROGRESS_PERMISSIONS,
    enrollment_create,
    enrollment_update,
    lesson_progress_record,
)


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
