from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.db.expressions import correlated_count
from crm.admin.bases import WorkspaceAdmin, WorkspaceTabularInline
from crm.admin.filters import ORGANIZATION_FILTER
from crm.admin_scoping import ScopedRelatedFieldListFilter
from crm.contact_sections import register_contact_page_section
from crm.models import Contact
from crm.scoping import organization_ids_for
from lms import selectors, services
from lms.forms import EnrollmentAdminForm, LessonChoiceField, LessonProgressAdminForm
from lms.models import (
    Chapter,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
)
from lms.services import PROGRESS_PERMISSIONS

# On the contact page: the contact's courses, lesson by lesson (crm/contact_sections.py; crm never
# imports lms) ----------------------------------------------------------------------------------


def contact_courses_section(*, contact: Contact, user) -> dict | None:
    """The contact page's courses: enroll, tick lessons done by chapter, withdraw; read-only for
    whoever may only view enrollments, left out for whoever may not."""
    if not (user.has_perm("lms.view_enrollment") or user.has_perm("lms.change_enrollment")):
        return None
    can_enroll = user.has_perm("lms.add_enrollment")
    return {
        "enrollments": selectors.contact_enrollments(contact=contact, user=user),
        "can_enroll": can_enroll,
        "courses": list(selectors.courses_open_to(contact=contact, user=user))
        if can_enroll
        else [],
        "can_record_progress": user.has_perms(PROGRESS_PERMISSIONS),
        "can_change": user.has_perm("lms.change_enrollment"),
        "enroll_url": reverse("admin:lms_enrollment_enroll", args=[quote(contact.pk)]),
        "back_url": reverse("admin:crm_contact_change", args=[quote(contact.pk)]) + "#courses",
    }


register_contact_page_section(
    template="admin/lms/contact_courses.html", context=contact_courses_section
)


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


class StalledFilter(admin.SimpleListFilter):
    """Active enrollments with no progress in 14 days (the dashboard links here)."""

    title = "progress"
    parameter_name = "progress"

    def lookups(self, request, model_admin):
        return [("stalled", f"No progress in {selectors.STALLED_DAYS} days")]

    def queryset(self, request, queryset):
        if self.value() == "stalled":
            return queryset.filter(selectors.stalled_enrollments_q(now=timezone.now()))
        return queryset


def _safe_next(request, default: str) -> str:
    url = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else default


@admin.register(Enrollment)
class EnrollmentAdmin(WorkspaceAdmin):
    list_display = ["__str__", "status", "progress", "amount", "created_at"]
    list_filter = ["status", StalledFilter, ("course", ScopedRelatedFieldListFilter)]
    list_select_related = ["contact", "course"]
    search_fields = ["contact__name", "^contact__email", "course__title"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["created_at", "updated_at"]
    # Newest first, along lms 0006's index.
    ordering = ["-created_at"]
    form = EnrollmentAdminForm
    change_form_template = "admin/lms/enrollment/change_form.html"

    def get_queryset(self, request):
        done = LessonProgress.objects.filter(
            contact=OuterRef("contact"),
            lesson__chapter__course=OuterRef("course"),
            completed=True,
        )
        lessons = Lesson.objects.filter(chapter__course=OuterRef("course"))
        # The progress column comes with the rows, not per row.
        return (
            super()
            .get_queryset(request)
            .annotate(
                lessons_done=correlated_count(done, "contact"),
                lessons_total=correlated_count(lessons, "chapter__course"),
            )
        )

    @admin.display(description="progress")
    def progress(self, enrollment: Enrollment) -> str:
        total = getattr(enrollment, "lessons_total", 0)
        if not total:
            return "no lessons yet"
        done = enrollment.lessons_done
        return f"{done} of {total} lessons ({round(100 * done / total)}%)"

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

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            # The enrollment's lessons by chapter, done or not, tickable as on the contact page.
            (context["enrollment_lessons"],) = selectors.enrollments_with_lessons([obj])
            context["can_record_progress"] = request.user.has_perms(PROGRESS_PERMISSIONS)
            context["can_change_enrollment"] = self.has_change_permission(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Buttons of the contact page and the enrollment page: POST only, then back -------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        views = [
            ("enroll/<path:contact_id>/", self.enroll_view, "enroll"),
            ("<path:object_id>/progress/", self.progress_view, "progress"),
            ("<path:object_id>/withdraw/", self.withdraw_view, "withdraw"),
            ("<path:object_id>/activate/", self.activate_view, "activate"),
        ]
        return [
            *(
                path(route, self.admin_site.admin_view(view), name=f"{prefix}_{name}")
                for route, view, name in views
            ),
            *super().get_urls(),
        ]

    def _enrollment(self, request, object_id: str) -> Enrollment:
        # In the user's scope (another organization's enrollment is "not found").
        enrollment = self.get_object(request, unquote(object_id))
        if enrollment is None:
            raise Http404("No such enrollment.")
        return enrollment

    def _back(self, request, enrollment: Enrollment | None = None, contact_id=None):
        if enrollment is not None:
            default = reverse("admin:lms_enrollment_change", args=[quote(enrollment.pk)])
        else:
            default = reverse("admin:crm_contact_change", args=[quote(contact_id)]) + "#courses"
        return HttpResponseRedirect(_safe_next(request, default))

    def _refused(self, request, error: ValidationError) -> None:
        self.message_user(request, " ".join(error.messages), messages.ERROR)

    def enroll_view(self, request, contact_id):
        """Enroll a contact (in the user's scope) in a course it may take (ditto)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            contact = Contact.objects.for_user(request.user).filter(pk=unquote(contact_id)).first()
        except ValidationError:
            contact = None
        if contact is None:
            raise Http404("No such contact.")
        try:
            course = (
                selectors.courses_open_to(contact=contact, user=request.user)
                .filter(pk=request.POST.get("course", ""))
                .first()
            )
        except ValidationError:
            course = None
        if course is None:
            self.message_user(request, "Choose a course this contact may take.", messages.ERROR)
            return self._back(request, contact_id=contact.pk)
        try:
            services.enrollment_create(contact=contact, course=course)
        except ValidationError as error:
            self._refused(request, error)
        else:
            self.message_user(
                request, f"{contact.name} enrolled in {course.title}.", messages.SUCCESS
            )
        return self._back(request, contact_id=contact.pk)

    def progress_view(self, request, object_id):
        """Make the ticked lessons (``lesson``, repeated) the enrollment's done ones."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perms(PROGRESS_PERMISSIONS):
            raise PermissionDenied
        enrollment = self._enrollment(request, object_id)
        try:
            changed = services.enrollment_progress_set(
                enrollment=enrollment, completed_lesson_ids=request.POST.getlist("lesson")
            )
        except ValidationError as error:
            self._refused(request, error)
        else:
            text = (
                f"{changed} lesson{'s' if changed != 1 else ''} updated" if changed else "No change"
            )
            self.message_user(request, f"Progress saved: {text}.", messages.SUCCESS)
        return self._back(request, enrollment)

    def _status_view(self, request, object_id, service, done: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        enrollment = self._enrollment(request, object_id)
        if not self.has_change_permission(request, enrollment):
            raise PermissionDenied
        try:
            enrollment = service(enrollment=enrollment)
        except ValidationError as error:
            self._refused(request, error)
        else:
            self.message_user(request, f"{enrollment} {done}.", messages.SUCCESS)
        return self._back(request, enrollment)

    def withdraw_view(self, request, object_id):
        return self._status_view(request, object_id, services.enrollment_withdraw, "withdrawn")

    def activate_view(self, request, object_id):
        return self._status_view(request, object_id, services.enrollment_activate, "active again")


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
