"""Writes of background imports (issue 18 item 6): create a job, claim it once, run it in
batches, finish or fail it, expire and erase.

The staff member sees the preview in the request, as for any import: every problem, with the
spreadsheet's line and column, before anything is written. Confirming a file of more than
``IMPORT_BACKGROUND_THRESHOLD`` rows creates an ``ImportJob`` instead of importing: its rows
wait in the default storage (``imports/<id>.json``) and the worker imports them.

The worker goes through the admin class's own import code: it rebuilds the confirm form as the
job's staff member (``RequestFactory``), so the import permission, the organization's scoping
and the signed file token are checked again, and it uses the same resource (``ContactResource``:
the contact services) and ``import_data`` arguments as the request. It first checks the whole
file in one rolled-back dry run (a file with problems writes nothing, and the problems are
listed on the job), then writes it ``BATCH_ROWS`` rows per transaction, saving the progress and
the counts after each batch.

A job is claimed once, with one conditional UPDATE (QUEUED -> RUNNING): a message the broker
delivers again (acks late) finds it taken and does nothing, so a file is never imported twice.
A job whose worker died mid-run is not run again (its first batches are written): the sweep
marks it FAILED, saying how many rows were written.

Over 400 lines on purpose: one background import's whole life (create, claim, batches, finish,
expire, erase), each step leaning on the one before.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from uuid import UUID

import tablib
from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import now

from exports.models import ImportJob
from exports.services import (
    delete_files,
    job_publish,
    jobs_erase,
    jobs_publish_waiting,
    retention,
    stuck_after,
)
from outbox.services import email_enqueue

logger = logging.getLogger("exports")

Status = ImportJob.Status
# Rows written per transaction; the job's progress is saved after each batch.
BATCH_ROWS = 500
# Problems kept on a failed job (the preview shows them all).
MAX_PROBLEMS = 50
EXPIRE_BATCH = 500
# A file under imports/ that no job names is deleted once it is this old.
ORPHAN_AGE = timedelta(days=1)


class ImportRefused(Exception):
    """The job may not run (any more): the reason is shown to its staff member."""


def dataset_to_json(dataset: tablib.Dataset) -> str:
    """The rows as the worker reads them back: a header list and the row lists."""
    return json.dumps(
        {"headers": list(dataset.headers or []), "rows": [list(row) for row in dataset]},
        default=str,
    )


def dataset_from_json(text: str | bytes) -> tablib.Dataset:
    data = json.loads(text)
    return tablib.Dataset(*[tuple(row) for row in data["rows"]], headers=data["headers"])


def import_job_create(
    *, user, model_label: str, form_data: dict, file_name: str, dataset: tablib.Dataset
) -> ImportJob:
    """Keep the confirmed rows in the default storage and write the job in the caller's
    transaction; hand it to the worker on commit."""
    job = ImportJob(
        user=user,
        model_label=model_label,
        form_data=form_data,
        file_name=(file_name or "import file")[:255],
        rows_total=len(dataset),
    )
    job.file_path = default_storage.save(
        job.storage_name(), ContentFile(dataset_to_json(dataset).encode("utf-8"))
    )
    try:
        with transaction.atomic():
            job.save(force_insert=True)
    except Exception:
        delete_files([job.file_path])
        raise
    transaction.on_commit(lambda: publish(job.pk))
    return job


def publish(job_id: UUID | str) -> bool:
    """Hand one import job to the worker."""
    return job_publish(ImportJob, "exports.import", job_id)


def import_job_claim(job_id: UUID | str) -> bool:
    """QUEUED -> RUNNING in one conditional UPDATE: True for the one run that gets it."""
    return bool(
        ImportJob.objects.filter(pk=job_id, status=Status.QUEUED, attempts=0).update(
            status=Status.RUNNING, attempts=F("attempts") + 1, started_at=now()
        )
    )


def _still_running(job: ImportJob) -> bool:
    return ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).exists()


def _email(job: ImportJob, template: str, subject: str) -> None:
    if not job.user.email:
        return  # the job is still listed under "My imports"
    body = render_to_string(
        template,
        {
            "job": job,
            "noun": job.model_verbose_name_plural,
            "job_url": settings.SITE_URL + reverse("admin:exports_importjob_change", args=[job.pk]),
        },
    )
    email_enqueue(
        to=job.user.email,
        subject=subject,
        body=body,
        origin_label="exports.importjob",
        origin_id=job.pk,
        dedup_key=f"imports.{job.status.lower()}:{job.pk}",
    )


def _end(job: ImportJob, status: str, template: str, subject: str, **fields) -> bool:
    """RUNNING -> ``status`` with ``fields``, the file deleted and the email queued, once."""
    finished = now()
    with transaction.atomic():
        ended = ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            status=status, finished_at=finished, expires_at=finished + retention(), **fields
        )
        if ended:
            job.refresh_from_db()
            _email(job, template, subject)
    if ended and job.file_path:
        path = job.file_path
        transaction.on_commit(lambda: _drop_file(job.pk, path))
    return bool(ended)


def _drop_file(job_id, path: str) -> None:
    if delete_files([path]):
        ImportJob.objects.filter(pk=job_id, file_path=path).update(file_path="")


def import_job_fail(job: ImportJob, *, reason: str, problems: list[str] | None = None) -> bool:
    return _end(
        job,
        Status.FAILED,
        "exports/email/import_failed.txt",
        "Your import failed",
        failure_reason=reason[:2000],
        problems=(problems or [])[:MAX_PROBLEMS],
    )


def import_job_finish(job: ImportJob) -> bool:
    noun = job.model_verbose_name_plural
    return _end(
        job,
        Status.DONE,
        "exports/email/import_done.txt",
        f"Your import is done: {job.rows_total:,} rows of {noun}",
    )


def result_problems(result, *, offset: int = 0) -> list[str]:
    """The result's problems worded as the preview words them: the spreadsheet's line (the
    header is line 1) and the column."""
    problems = [str(error.error) for error in result.base_errors]
    for number, errors in result.row_errors():
        problems += [f"Line {number + offset + 1}: {error.error}" for error in errors]
    for row in result.invalid_rows:
        line = row.number + offset + 1
        for column, messages in row.field_specific_errors.items():
            problems += [f"Line {line}, column “{column}”: {message}" for message in messages]
        problems += [f"Line {line}: {message}" for message in row.non_field_specific_errors]
    return problems


def _importer(job: ImportJob):
    """Return (resource, import_data's keyword arguments, a function writing a batch's admin
    history entries) for ``job``, as the admin's confirm step builds them for its staff
    member; raise ImportRefused when they may no longer import these rows."""
    try:
        model = apps.get_model(job.model_label)
    except LookupError as error:
        raise ImportRefused(f"{job.model_label} can no longer be imported.") from error
    model_admin = admin.site.get_model_admin(model) if admin.site.is_registered(model) else None
    if model_admin is None or not hasattr(model_admin, "background_import_form"):
        raise ImportRefused(f"{job.model_label} can no longer be imported.")
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_process_import")
    request = RequestFactory().post(url, data=job.form_data)
    request.user = job.user
    noun = opts.verbose_name_plural
    if not (
        job.user.is_active and job.user.is_staff and model_admin.has_import_permission(request)
    ):
        raise ImportRefused(f"You may no longer import {noun}: ask a manager.")
    form = model_admin.background_import_form(request)
    if not form.is_valid():
        reasons = [str(message) for messages in form.errors.values() for message in messages]
        raise ImportRefused(" ".join(reasons) or f"The {noun} import can no longer run.")
    resource_kwargs = model_admin.get_import_resource_kwargs(request, form=form)
    resource = model_admin.choose_import_resource_class(form, request)(**resource_kwargs)
    import_kwargs = model_admin.get_import_data_kwargs(request=request, form=form)
    import_kwargs.update(
        raise_errors=False,
        user=job.user,
        file_name=job.file_name,
        use_transactions=True,
        # The rows' objects, for the admin history entries (as the request's import keeps).
        retain_instance_in_row_result=True,
    )
    return resource, import_kwargs, lambda result: model_admin.generate_log_entries(result, request)


def _add_totals(totals: dict[str, int], result) -> None:
    for key, value in result.totals.items():
        totals[key] = totals.get(key, 0) + value


def import_job_run(job_id: str) -> str:
    """Claim the job (once), check the whole file, write it in batches, record the end."""
    if not import_job_claim(job_id):
        return "not-claimed"
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    try:
        return _run(job)
    except ImportRefused as exc:
        import_job_fail(job, reason=str(exc))
    except SoftTimeLimitExceeded:
        import_job_fail(
            job,
            reason=f"The import took longer than {settings.EXPORT_TIME_LIMIT_MINUTES:g} minutes; "
            f"{job.rows_done:,} of {job.rows_total:,} rows were written: import the rest in a "
            "smaller file.",
        )
    except Exception as exc:
        logger.exception("imports: job %s failed", job_id)
        import_job_fail(
            job,
            reason=f"The import stopped ({type(exc).__name__}) after {job.rows_done:,} of "
            f"{job.rows_total:,} rows.",
        )
    return "failed"


def _run(job: ImportJob) -> str:
    try:
        with default_storage.open(job.file_path, "rb") as handle:
            dataset = dataset_from_json(handle.read())
    except (FileNotFoundError, ValueError, KeyError, TypeError) as error:
        raise ImportRefused("The file of this import is gone: upload it again.") from error
    resource, import_kwargs, log_entries = _importer(job)

    # The whole file first, rolled back: a file with any problem writes nothing.
    checked = resource.import_data(dataset, dry_run=True, **import_kwargs)
    if checked.has_errors() or checked.has_validation_errors():
        problems = result_problems(checked)
        import_job_fail(
            job,
            reason=f"Nothing was imported: {len(problems):,} problems need fixing in the file.",
            problems=problems,
        )
        return "failed"
    if not ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(checked_at=now()):
        return "superseded"  # deleted meanwhile (an erasure, the staff member)

    totals: dict[str, int] = {}
    headers = dataset.headers
    for start in range(0, len(dataset), BATCH_ROWS):
        batch = tablib.Dataset(*dataset[start : start + BATCH_ROWS], headers=headers)
        result = resource.import_data(batch, dry_run=False, **import_kwargs)
        if result.has_errors() or result.has_validation_errors():
            # Something changed since the check: this batch was rolled back.
            import_job_fail(
                job,
                reason=f"Stopped at line {start + 2}: {start:,} rows were written before it.",
                problems=result_problems(result, offset=start),
            )
            return "failed"
        # "Added" / "Changed" in each contact's history, by its importer, as in the request.
        log_entries(result)
        _add_totals(totals, result)
        done = start + len(batch)
        saved = ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            rows_done=done,
            created_count=totals.get("new", 0),
            updated_count=totals.get("update", 0),
            skipped_count=totals.get("skip", 0),
            error_count=totals.get("error", 0) + totals.get("invalid", 0),
        )
        if not saved:
            return "superseded"
        job.rows_done = done
    import_job_finish(job)
    return "done"


def import_job_delete(job: ImportJob) -> None:
    """Delete ``job`` and, once that commits, its file (a run still going stops at its next
    batch: its job is gone)."""
    path = job.file_path
    ImportJob.objects.filter(pk=job.pk).delete()
    if path:
        transaction.on_commit(lambda: delete_files([path]))


def import_jobs_expire(*, at=None) -> int:
    moment = at or now()
    expired = list(ImportJob.objects.filter(expires_at__lte=moment)[:EXPIRE_BATCH])
    for job in expired:
        import_job_delete(job)
    return len(expired)


def import_jobs_fail_stuck(*, at=None) -> int:
    """RUNNING jobs older than the worker's time limit (their worker died): FAILED, saying how
    far they got. They are not run again: their first batches are written."""
    moment = at or now()
    failed = 0
    stuck = ImportJob.objects.filter(status=Status.RUNNING, started_at__lt=moment - stuck_after())
    for job in stuck.select_related("user"):
        failed += import_job_fail(
            job,
            reason=f"The worker stopped after {job.rows_done:,} of {job.rows_total:,} rows: "
            "import the rest (rows already imported are matched and skipped).",
        )
    return failed


def import_jobs_publish_waiting(*, at=None) -> int:
    """Publish the import jobs whose message never reached the worker. Return how many."""
    return jobs_publish_waiting(ImportJob, publish, at=at)


def import_orphan_files_delete(*, at=None) -> int:
    """Delete files under imports/ that no job names and older than a day: a job whose
    request rolled back after its file was saved. Return how many."""
    moment = at or now()
    try:
        _folders, names = default_storage.listdir("imports")
    except (FileNotFoundError, NotADirectoryError):
        return 0
    paths = [f"imports/{name}" for name in names]
    kept = set(ImportJob.objects.filter(file_path__in=paths).values_list("file_path", flat=True))
    old = []
    for path in paths:
        if path in kept:
            continue
        try:
            if default_storage.get_modified_time(path) < moment - ORPHAN_AGE:
                old.append(path)
        except (FileNotFoundError, NotImplementedError):
            continue
    return delete_files(old)


def import_jobs_erase(*, created_before) -> int:
    """Delete the import jobs made before an erasure, and their files (``jobs_erase``); a run
    still going stops at its next batch."""
    return jobs_erase(ImportJob, created_before=created_before)


def when(value) -> str:
    return timezone.localtime(value).strftime("%d %b %Y %H:%M") if value else "–"
