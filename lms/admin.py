from django.contrib import admin

from lms.models import (
    Chapter,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
)


class ChapterInline(admin.TabularInline):
    model = Chapter
    extra = 0
    fields = ["position", "title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "level", "status", "price", "is_free", "duration"]
    list_filter = ["status", "level", "is_free", "organization"]
    list_select_related = ["organization"]
    search_fields = ["title", "slug", "category"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ChapterInline]


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0
    fields = ["position", "title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "position"]
    list_select_related = ["course"]
    search_fields = ["title", "course__title"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [LessonInline]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "chapter", "position"]
    list_select_related = ["chapter__course"]
    search_fields = ["title", "chapter__title", "chapter__course__title"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["contact", "course", "status", "amount", "created_at"]
    list_filter = ["status", "course"]
    list_select_related = ["contact", "course"]
    search_fields = ["contact__name", "contact__email", "course__title"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ["contact", "lesson", "completed", "updated_at"]
    list_filter = ["completed"]
    list_select_related = ["contact", "lesson"]
    search_fields = ["contact__name", "contact__email", "lesson__title"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["created_at", "updated_at"]
