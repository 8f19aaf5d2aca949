from django.contrib import admin
from django.db.models import OuterRef

from crm.admin import (
    ORGANIZATION_FILTER,
    WorkspaceAdmin,
    WorkspaceTabularInline,
    register_contact_page_inline,
)
from crm.admin_scoping import ScopedRelatedFieldListFilter
from crm.scoping import organization_ids_for
from lms import services
from lms.forms import EnrollmentAdminForm, LessonChoiceField, LessonProgressAdminForm
from lms.models import (
    Chapter,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
)
from lms.selectors import correlated_count

# On the contact page (crm/admin.py shows them; crm never imports lms) --------------------------


@register_contact_page_inline
class ContactEnrollmentInline(WorkspaceTabularInline):
    model = Enrollment
    fields = ["course", "status", "amount", "progress", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name_plural = "enrollments and course progress"

    def get_queryset(self, request):
        done = LessonProgress.objects.filter(
            contact=OuterRef("contact"),
            lesson__chapter__course=OuterRef("course"),
            completed=True,
        )
        lessons = Lesson.objects.filter(chapter__course=OuterRef("course"))
        return (
            super()
            .get_queryset(request)
            # Rows read "contact — course"; the progress comes with them, not per row.
            .select_related("contact", "course")
            .annotate(
                lessons_done=correlated_count(done, "contact"),
                lessons_total=correlated_count(lessons, "chapter__course"),
            )
            .order_by("-created_at")
        )

    @admin.display(description="progress")
    def progress(self, enrollment: Enrollment) -> str:
        total = getattr(enrollment, "lessons_total", 0)
        if not total:
            return "no lessons yet"
        done = enrollment.lessons_done
        return f"{done} of {total} lessons ({round(100 * done / total)}%)"

    def has_add_permission(self, request, obj=None):
        return False


@register_contact_page_inline
class ContactLessonProgressInline(WorkspaceTabularInline):
    model = LessonProgress
    fields = ["lesson", "course", "completed", "updated_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name_plural = "lesson progress"

    def get_queryset(self, request):
        # Rows read "contact — lesson" and name the course: all joined, no query per row.
        return (
            super()
            .get_queryset(request)
            .select_related("contact", "lesson__chapter__course")
            .order_by(
                "lesson__chapter__course__title", "lesson__chapter__position", "lesson__position"
            )
        )

    @admin.display(description="course")
    def course(self, progress: LessonProgress) -> str:
        return progress.lesson.chapter.course.title

    def has_add_permission(self, request, obj=None):
        return False


# Courses ---------------------------------------------------------------------------------------


class ChapterInline(WorkspaceTabularInline):
    model = Chapter
    fields = ["position", "title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Course)
class CourseAdmin(WorkspaceAdmin):
    list_display = ["title", "organization", "level", "status", "price", "is_free", "duration"]
    list_filter = ["status", "level", "is_free", ORGANIZATION_FILTER]
    list_select_related = ["organization"]
    search_fields = ["title", "slug", "category"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ChapterInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if organization_ids_for(request.user) is not None and "organization" in form.base_fields:
            # A member's course belongs to one of its organizations (else nobody could see it).
            form.base_fields["organization"].required = True
        return form


class LessonInline(WorkspaceTabularInline):
    model = Lesson
    fields = ["position", "title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Chapter)
class ChapterAdmin(WorkspaceAdmin):
    list_display = ["title", "course", "position"]
    list_filter = [("course", ScopedRelatedFieldListFilter)]
    list_select_related = ["course"]
    search_fields = ["title", "course__title"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [LessonInline]


@admin.register(Lesson)
class LessonAdmin(WorkspaceAdmin):
    list_display = ["title", "chapter", "course", "position"]
    list_filter = [("chapter__course", ScopedRelatedFieldListFilter)]
    list_select_related = ["chapter__course"]
    search_fields = ["title", "chapter__title", "chapter__course__title"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description="course", ordering="chapter__course__title")
    def course(self, lesson: Lesson) -> str:
        return lesson.chapter.course.title


# Enrollments and progress: written by lms.services --------------------------------------------


@admin.register(Enrollment)
class EnrollmentAdmin(WorkspaceAdmin):
    list_display = ["__str__", "status", "amount", "created_at"]
    list_filter = ["status", ("course", ScopedRelatedFieldListFilter)]
    list_select_related = ["contact", "course"]
    search_fields = ["contact__name", "^contact__email", "course__title"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["created_at", "updated_at"]
    # Newest first, along lms 0006's index.
    ordering = ["-created_at"]
    form = EnrollmentAdminForm

    def get_readonly_fields(self, request, obj=None):
        # Progress belongs to the contact and the course: an enrollment keeps both.
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "contact", "course"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        # The form has run the services' checks; the services write.
        if not change:
            enrollment = services.enrollment_create(
                contact=obj.contact, course=obj.course, status=obj.status, amount=obj.amount
            )
            vars(obj).update(vars(enrollment))
            return
        data = {
            field: getattr(obj, field)
            for field in form.changed_data
            if field in services.ENROLLMENT_UPDATABLE_FIELDS
        }
        if data:
            services.enrollment_update(enrollment=obj, data=data)
        obj.refresh_from_db()


@admin.register(LessonProgress)
class LessonProgressAdmin(WorkspaceAdmin):
    list_display = ["__str__", "completed", "updated_at"]
    list_filter = ["completed", ("lesson__chapter__course", ScopedRelatedFieldListFilter)]
    list_select_related = ["contact", "lesson"]
    search_fields = ["contact__name", "^contact__email", "lesson__title"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-updated_at"]
    form = LessonProgressAdminForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lesson":
            # "Course › Chapter › Lesson" in course order, not a flat list of lesson titles.
            kwargs["form_class"] = LessonChoiceField
            kwargs["queryset"] = Lesson.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # One row per contact and lesson: a row changes only whether the lesson is done.
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "contact", "lesson"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        # The form has checked the enrollment; the service checks it again under a lock.
        progress = services.lesson_progress_record(
            contact=obj.contact, lesson=obj.lesson, completed=obj.completed
        )
        vars(obj).update(vars(progress))
