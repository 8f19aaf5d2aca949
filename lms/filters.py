"""django-filter FilterSets for the LMS (used by the staff API's lists)."""

import django_filters
from django.db.models import Q, QuerySet

from core.api_filters import DateTimeRangeFilter
from lms.models import Course, Enrollment, LessonProgress


class CourseFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization_id")
    q = django_filters.CharFilter(method="filter_search", help_text="Text in the title or slug.")

    class Meta:
        model = Course
        fields = ["organization", "status", "level", "is_free", "category", "q"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(slug__icontains=value))


class EnrollmentFilter(django_filters.FilterSet):
    course = django_filters.UUIDFilter(field_name="course_id")
    contact = django_filters.UUIDFilter(field_name="contact_id")
    organization = django_filters.UUIDFilter(field_name="contact__organization_id")
    created_at = DateTimeRangeFilter()

    class Meta:
        model = Enrollment
        fields = ["course", "contact", "organization", "status", "created_at"]


class LessonProgressFilter(django_filters.FilterSet):
    contact = django_filters.UUIDFilter(field_name="contact_id")
    lesson = django_filters.UUIDFilter(field_name="lesson_id")
    course = django_filters.UUIDFilter(field_name="lesson__chapter__course_id")
    updated_at = DateTimeRangeFilter()

    class Meta:
        model = LessonProgress
        fields = ["contact", "lesson", "course", "completed", "updated_at"]
