""" "My exports": each staff member's own background exports, downloaded through a view that
checks who asks (never a public media URL)."""

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET

from exports.files import export_request
from exports.import_services import import_job_delete
from exports.models import ExportJob, ImportJob
from exports.selectors import export_jobs_of, import_jobs_of
from exports.services import export_job_delete

Status = ExportJob.Status
ImportStatus = ImportJob.Status


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d %b %Y %H:%M") if value else "–"


class OwnJobsAdmin(admin.ModelAdmin):
    """A staff member's own background jobs: any active staff member sees theirs (no model
    permission: the rows are their own files), nobody adds or edits one here, and another
    person's job is simply not found. Subclasses name the jobs (``jobs_of``), how one is deleted
    (``delete_job``) and whether it may be now (``deletable``)."""

    # Whether superusers also see everyone's jobs (imports: yes, to help; exports: their own).
    superusers_see_all = False
    actions = ["delete_selected"]
    list_display_links = None

    def jobs_of(self, user):
        raise NotImplementedError

    def delete_job(self, job) -> None:
        raise NotImplementedError

    def deletable(self, job) -> bool:
        return True

    def has_module_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request) and (
            obj is None
            or obj.user_id == request.user.pk
            or (self.superusers_see_all and request.user.is_superuser)
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj) and (obj is None or self.deletable(obj))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return self.jobs_of(request.user)

    def get_object(self, request, object_id, from_field=None):
        try:
            return self.get_queryset(request).get(pk=object_id)
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another person's job is "not found", with no redirect telling the cases apart.
        raise Http404(f"No {opts.verbose_name} with this id.")

    def delete_model(self, request, obj):
        self.delete_job(obj)

    def delete_queryset(self, request, queryset):
        for job in queryset:
            if self.deletable(job):
                self.delete_job(job)


@admin.register(ExportJob)
class ExportJobAdmin(OwnJobsAdmin):
    list_display = [
        "created",
        "what",
        "file_format",
        "status_text",
        "row_count",
        "download",
        "expires",
    ]
    list_filter = ["status"]
    fields = [
        "what",
        "filters",
        "file_format",
        "status",
        "row_count",
        "download",
        "failure_reason",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
    ]
    readonly_fields = fields

    def jobs_of(self, user):
        return export_jobs_of(user)

    def delete_job(self, job) -> None:
        export_job_delete(job)

    def get_urls(self):
        return [
            path(
                "<uuid:job_id>/download/",
                self.admin_site.admin_view(require_GET(self.download_view)),
                name="exports_exportjob_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, job_id):
        """The file of one of the signed-in staff member's ready exports; 404 for anyone
        else's, and 403 when they may no longer export that list."""
        job = self.get_queryset(request).filter(pk=job_id, status=Status.DONE).first()
        if job is None or not job.file_path:
            raise Http404("No such export.")
        try:
            model = apps.get_model(job.model_label)
            model_admin = self.admin_site.get_model_admin(model)
        except (LookupError, admin.sites.NotRegistered) as error:
            raise Http404("No such export.") from error
        if not model_admin.has_export_permission(export_request(job, model_admin)):
            raise PermissionDenied
        try:
            handle = default_storage.open(job.file_path, "rb")
        except FileNotFoundError as error:
            raise Http404("The file is gone.") from error
        return FileResponse(handle, as_attachment=True, filename=job.file_name)

    @admin.display(description="asked for", ordering="created_at")
    def created(self, job: ExportJob) -> str:
        url = reverse("admin:exports_exportjob_change", args=[job.pk])
        return format_html('<a href="{}">{}</a>', url, _when(job.created_at))

    @admin.display(description="what")
    def what(self, job: ExportJob) -> str:
        return str(job.model_verbose_name_plural).capitalize()

    @admin.display(description="filters")
    def filters(self, job: ExportJob) -> str:
        from urllib.parse import parse_qsl

        pairs = parse_qsl(job.query_string)
        return ", ".join(f"{key} = {value}" for key, value in pairs) or "none (the whole list)"

    @admin.display(description="status", ordering="status")
    def status_text(self, job: ExportJob) -> str:
        if job.status == Status.FAILED and job.failure_reason:
            return f"Failed: {job.failure_reason}"
        return job.get_status_display()

    @admin.display(description="file")
    def download(self, job: ExportJob) -> str:
        if job.status != Status.DONE:
            return "–"
        url = reverse("admin:exports_exportjob_download", args=[job.pk])
        return format_html('<a href="{}" download>{}</a>', url, job.file_name)

    @admin.display(description="deleted on", ordering="expires_at")
    def expires(self, job: ExportJob) -> str:
        return _when(job.expires_at)


@admin.register(ImportJob)
class ImportJobAdmin(OwnJobsAdmin):
    """ "My imports": a background import's progress and result, refreshed by the page itself
    (admin_workspace/import_progress.js reloads it while the import runs). Its uploader sees
    it, and superusers; anyone else gets a 404."""

    list_display = ["created", "file_name", "what", "status", "progress", "result", "expires"]
    list_filter = ["status"]
    fields = [
        "what",
        "file_name",
        "status_text",
        "progress",
        "result",
        "problem_list",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["admin_workspace/import.css"]}
        js = ["admin_workspace/import_progress.js"]

    def get_list_display(self, request):
        # A superuser sees everyone's imports: whose each is.
        columns = list(super().get_list_display(request))
        return [*columns[:2], "user", *columns[2:]] if request.user.is_superuser else columns

    superusers_see_all = True

    def jobs_of(self, user):
        return import_jobs_of(user)

    def delete_job(self, job) -> None:
        import_job_delete(job)

    def deletable(self, job) -> bool:
        # A running import is not deleted from here (the sweep or an erasure may).
        return job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @admin.display(description="started", ordering="created_at")
    def created(self, job: ImportJob) -> str:
        url = reverse("admin:exports_importjob_change", args=[job.pk])
        return format_html('<a href="{}">{}</a>', url, _when(job.created_at))

    @admin.display(description="into")
    def what(self, job: ImportJob) -> str:
        return str(job.model_verbose_name_plural).capitalize()

    @admin.display(description="status", ordering="status")
    def status_text(self, job: ImportJob) -> str:
        if job.status == ImportStatus.FAILED and job.failure_reason:
            return f"Failed: {job.failure_reason}"
        return job.get_status_display()

    @admin.display(description="progress")
    def progress(self, job: ImportJob) -> str:
        running = job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
        if job.status == ImportStatus.QUEUED:
            text = f"Waiting for the worker ({job.rows_total:,} rows)"
        elif job.status == ImportStatus.RUNNING and job.checked_at is None:
            text = f"Checking the {job.rows_total:,} rows before writing any"
        else:
            text = f"{job.rows_done:,} of {job.rows_total:,} rows written"
        if running:
            # The page reloads itself while this marker is on it (import_progress.js).
            return format_html(
                '<span data-import-running>{}</span> <progress max="{}" value="{}"></progress>',
                text,
                job.rows_total,
                job.rows_done,
            )
        return text

    @admin.display(description="result")
    def result(self, job: ImportJob) -> str:
        if job.status != ImportStatus.DONE and not job.rows_done:
            return "–"
        return (
            f"{job.created_count:,} new, {job.updated_count:,} updated, "
            f"{job.skipped_count:,} skipped, {job.error_count:,} errors"
        )

    @admin.display(description="problems")
    def problem_list(self, job: ImportJob) -> str:
        if not job.problems:
            return "–"
        return format_html(
            '<ul class="import-problems">{}</ul>',
            format_html_join("", "<li>{}</li>", ((problem,) for problem in job.problems)),
        )

    @admin.display(description="deleted on", ordering="expires_at")
    def expires(self, job: ImportJob) -> str:
        return _when(job.expires_at)
