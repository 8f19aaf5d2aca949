from django.contrib import admin

from lms.models import (
    Chapter,
    Course,
    Enrollment,
    Learner,
    LearnerIntegration,
    Lesson,
    LessonProgress,
)


class LearnerIntegrationInline(admin.TabularInline):
    model = LearnerIntegration
    extra = 0
    readonly_fields = ["last_sync_at", "created_at", "updated_at"]


@admin.register(Learner)
class LearnerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "organization", "created_at"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    search_fields = ["name", "email", "phone"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [LearnerIntegrationInline]


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
    list_display = ["learner", "course", "status", "amount", "created_at"]
    list_filter = ["status", "course"]
    list_select_related = ["learner", "course"]
    search_fields = ["learner__name", "learner__email", "course__title"]
    autocomplete_fields = ["learner"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ["learner", "lesson", "completed", "updated_at"]
    list_filter = ["completed"]
    list_select_related = ["learner", "lesson"]
    search_fields = ["learner__name", "learner__email", "lesson__title"]
    autocomplete_fields = ["learner"]
    readonly_fields = ["created_at", "updated_at"]
