"""Export jobs: an admin export too big for a request, written by the worker (issue 18 item 6)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now


class JobTimes(models.Model):
    """When a background job was made, handed to the broker, run, finished and goes away, and
    why it failed: what every job of the worker's keeps."""

    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    # Last handed to the broker: the sweep publishes again a job whose message was lost.
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # DONE and FAILED jobs (and their files) are deleted by the sweep from then on.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class ExportJob(JobTimes):
    class Status(models.TextChoices):
        QUEUED = "QUEUED", "Queued"
        RUNNING = "RUNNING", "Running"
        DONE = "DONE", "Ready"
        FAILED = "FAILED", "Failed"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    # A UUID: the download address names it, and it says nothing about how many there are.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    # What to export, as the admin's export page was asked: the model ("leads.UsersLead"), the
    # changelist's query string (filters, search, ordering), the resource and ticked columns
    # (null: all of them), and the rows picked with an admin action (null: the whole list).
    model_label = models.CharField(max_length=100)
    query_string = models.TextField(blank=True)
    resource_index = models.PositiveSmallIntegerField(default=0)
    selected_fields = models.JSONField(null=True, blank=True)
    item_ids = models.JSONField(null=True, blank=True)
    file_format = models.CharField(max_length=4, choices=Format.choices)
    # The name the download carries ("UsersLead-2026-12-04.csv").
    file_name = models.CharField(max_length=255)

    status = models.CharField(max_length=7, choices=Status.choices, default=Status.QUEUED)
    # Runs started: a run fences its own result with this number, so a run that was handed
    # out again (its worker thought dead) can never overwrite the newer one.
    attempts = models.PositiveSmallIntegerField(default=0)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    # The file's name in the default storage (exports/<id>-<attempt>.<ext>) once DONE.
    file_path = models.CharField(max_length=500, blank=True)

    class Meta(JobTimes.Meta):
        verbose_name = "export"
        verbose_name_plural = "My exports"
        indexes = [
            models.Index(fields=["user", "-created_at"], name="exports_job_user_created_idx"),
            models.Index(fields=["status", "started_at"], name="exports_job_status_idx"),
            models.Index(fields=["expires_at"], name="exports_job_expires_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["QUEUED", "RUNNING", "DONE", "FAILED"]),
                name="exports_job_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(file_format__in=["csv", "xlsx"]), name="exports_job_format_valid"
            ),
            # A ready export has its file and the time it goes away.
            models.CheckConstraint(
                condition=~Q(status="DONE")
                | (~Q(file_path="") & Q(expires_at__isnull=False) & Q(row_count__isnull=False)),
                name="exports_job_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def model_verbose_name_plural(self) -> str:
        from django.apps import apps

        try:
            return str(apps.get_model(self.model_label)._meta.verbose_name_plural)
        except LookupError:
            return self.model_label

    def storage_name(self, attempt: int) -> str:
        """The file's name in the default storage for run ``attempt``."""
        return f"exports/{self.pk}-{attempt}.{self.file_format}"


class ImportJob(JobTimes):
    """An admin import too big for a request, written by the worker after its preview.

    The confirmed file waits in the default storage (``file_path``) until the run ends; the
    row then keeps only the counts and the problems, until ``expires_at``.
    """

    class Status(models.TextChoices):
        QUEUED = "QUEUED", "Queued"
        RUNNING = "RUNNING", "Running"
        DONE = "DONE", "Imported"
        FAILED = "FAILED", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    # Where the rows go ("crm.Contact") and the confirm form as it was posted (organization,
    # format, resource, the signed file token): the worker validates it again as its uploader.
    model_label = models.CharField(max_length=100)
    form_data = models.JSONField(default=dict)
    # The name of the file as uploaded, and its rows (JSON) in the default storage until the
    # run ends.
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500, blank=True)

    status = models.CharField(max_length=7, choices=Status.choices, default=Status.QUEUED)
    # Runs started (0 or 1): a run is claimed once, never twice.
    attempts = models.PositiveSmallIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    # Rows written so far, counted in batches; the file is checked whole before the first.
    rows_done = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # "Line 7, column “email”: ..." as the preview words them (the first 50).
    problems = models.JSONField(default=list, blank=True)

    class Meta(JobTimes.Meta):
        verbose_name = "import"
        verbose_name_plural = "My imports"
        indexes = [
            models.Index(fields=["user", "-created_at"], name="exports_imp_user_created_idx"),
            models.Index(fields=["status", "started_at"], name="exports_imp_status_idx"),
            models.Index(fields=["expires_at"], name="exports_imp_expires_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["QUEUED", "RUNNING", "DONE", "FAILED"]),
                name="exports_imp_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(rows_done__lte=models.F("rows_total")),
                name="exports_imp_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def model_verbose_name_plural(self) -> str:
        from django.apps import apps

        try:
            return str(apps.get_model(self.model_label)._meta.verbose_name_plural)
        except LookupError:
            return self.model_label

    def storage_name(self) -> str:
        return f"imports/{self.pk}.json"
