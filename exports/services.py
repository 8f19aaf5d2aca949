"""Writes of background exports: create a job, claim, finish or fail a run, expire, erase.

The durable state is the ``ExportJob`` row; the broker only carries its id. A job is created
in the request's transaction and published after commit (a broker that is down leaves it
QUEUED for the sweep); a worker claims it with one conditional UPDATE; a run's result is kept
only if the job is still that run's (``attempts`` fences it), so a run handed out again after
its worker seemed dead, or a job deleted meanwhile (expiry, an erasure), never ends with a
file nobody can reach: that run deletes its own file.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import now

from core.background import task_publish
from exports.files import ExportRefused, write_export_file
from exports.models import ExportJob
from outbox.services import email_enqueue

logger = logging.getLogger("exports")

Status = ExportJob.Status
# Runs of one job at most: a job whose worker died this many times ends FAILED.
MAX_ATTEMPTS = 3
# A RUNNING job is presumed dead this long after the worker's own time limit would have
# stopped it.
STUCK_GRACE = timedelta(minutes=2)
# The on-commit publish gets this long before the sweep publishes a QUEUED job itself.
PUBLISH_GRACE = timedelta(minutes=1)
EXPIRE_BATCH = 500


def retention() -> timedelta:
    return timedelta(hours=settings.EXPORT_RETENTION_HOURS)


def stuck_after() -> timedelta:
    return timedelta(minutes=settings.EXPORT_TIME_LIMIT_MINUTES) + STUCK_GRACE


def export_job_create(
    *,
    user,
    model_label: str,
    query_string: str,
    file_format: str,
    file_name: str,
    resource_index: int = 0,
    selected_fields: list[str] | None = None,
    item_ids: list[str] | None = None,
) -> ExportJob:
    """Write an export job in the caller's transaction; hand it to the worker on commit."""
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=user,
            model_label=model_label,
            query_string=query_string,
            resource_index=resource_index,
            selected_fields=list(selected_fields) if selected_fields else None,
            item_ids=item_ids,
            file_format=file_format,
            file_name=file_name[:255],
        )
    transaction.on_commit(lambda: publish(job.pk))
    return job


def job_publish(model, task_name: str, job_id: UUID | str) -> bool:
    """Hand one job (an ExportJob or ImportJob) to the worker's task ``task_name``; a broker
    outage is logged and left to the sweep (the job stays QUEUED, unpublished)."""
    try:
        task_publish(task_name, str(job_id))
    except Exception as exc:
        logger.warning("exports: broker unreachable, job %s waits for the sweep: %s", job_id, exc)
        return False
    model.objects.filter(pk=job_id, status=model.Status.QUEUED).update(published_at=now())
    return True


def publish(job_id: UUID | str) -> bool:
    """Hand one export job to the worker."""
    return job_publish(ExportJob, "exports.run", job_id)


def export_job_claim(job_id: UUID | str, *, redelivered: bool = False) -> int | None:
    """QUEUED -> RUNNING in one conditional UPDATE; return the run's number, or None when
    another worker has it (or it is gone).

    A message the broker delivers again (``redelivered``: the worker running it died before
    acknowledging it) may also take the job over from RUNNING: the dead run's number no longer
    matches, so nothing it might still write is kept.
    """
    statuses = [Status.QUEUED, Status.RUNNING] if redelivered else [Status.QUEUED]
    with transaction.atomic():
        claimed = ExportJob.objects.filter(
            pk=job_id, status__in=statuses, attempts__lt=MAX_ATTEMPTS
        ).update(status=Status.RUNNING, attempts=F("attempts") + 1, started_at=now())
        if not claimed:
            return None
        return ExportJob.objects.values_list("attempts", flat=True).get(pk=job_id)


def _email(job: ExportJob, template: str, subject: str) -> None:
    if not job.user.email:
        return  # the job is still listed under "My exports"
    body = render_to_string(
        template,
        {
            "job": job,
            "noun": job.model_verbose_name_plural,
            "expires_at": timezone.localtime(job.expires_at) if job.expires_at else None,
            "retention_hours": settings.EXPORT_RETENTION_HOURS,
            # Absolute links into the admin, as every email gives them (SITE_URL).
            "my_exports_url": settings.SITE_URL + reverse("admin:exports_exportjob_changelist"),
            "download_url": settings.SITE_URL
            + reverse("admin:exports_exportjob_download", args=[job.pk]),
        },
    )
    email_enqueue(
        to=job.user.email,
        subject=subject,
        body=body,
        origin_label="exports.exportjob",
        origin_id=job.pk,
        dedup_key=f"exports.{job.status.lower()}:{job.pk}",
    )


@transaction.atomic
def export_job_finish(job: ExportJob, *, attempt: int, file_path: str, row_count: int) -> bool:
    """Mark run ``attempt`` DONE with its file and queue the "ready" email, if the job is still
    that run's. Return whether it was."""
    finished = now()
    done = ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, attempts=attempt).update(
        status=Status.DONE,
        file_path=file_path,
        row_count=row_count,
        failure_reason="",
        finished_at=finished,
        expires_at=finished + retention(),
    )
    if done:
        job.refresh_from_db()
        noun = job.model_verbose_name_plural
        _email(job, "exports/email/ready.txt", f"Your export is ready: {row_count:,} {noun}")
    return bool(done)


@transaction.atomic
def export_job_fail(job: ExportJob, *, attempt: int, reason: str) -> bool:
    """Mark run ``attempt`` FAILED with ``reason`` and tell the staff member, if the job is
    still that run's. Return whether it was."""
    finished = now()
    failed = ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, attempts=attempt).update(
        status=Status.FAILED,
        failure_reason=reason[:2000],
        finished_at=finished,
        expires_at=finished + retention(),
    )
    if failed:
        job.refresh_from_db()
        _email(job, "exports/email/failed.txt", "Your export failed")
    return bool(failed)


def delete_files(paths: list[str]) -> int:
    """Delete these files from the default storage; one that cannot be is logged (the sweep
    tries again: a file no job names is an orphan). Return how many went."""
    deleted = 0
    for path in paths:
        try:
            default_storage.delete(path)
        except Exception as exc:
            logger.warning("exports: could not delete %s: %s", path, exc)
        else:
            deleted += 1
    return deleted


def export_job_delete(job: ExportJob) -> None:
    """Delete ``job``'s file, then the job (a file that cannot be deleted keeps its row, so
    the next sweep tries again)."""
    if job.file_path:
        try:
            default_storage.delete(job.file_path)
        except Exception as exc:
            logger.warning("exports: could not delete %s: %s", job.file_path, exc)
            return
    ExportJob.objects.filter(pk=job.pk).delete()


def export_jobs_expire(*, at=None) -> int:
    """Delete finished and failed jobs past their expiry, with their files. Return how many."""
    moment = at or now()
    expired = list(ExportJob.objects.filter(expires_at__lte=moment)[:EXPIRE_BATCH])
    for job in expired:
        export_job_delete(job)
    return len(expired)


def export_job_run(job_id: str, *, redelivered: bool = False) -> str:
    """Claim the job (or leave it to whoever has it), write its file, record DONE or FAILED."""
    attempt = export_job_claim(job_id, redelivered=redelivered)
    if attempt is None:
        return "not-claimed"
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    try:
        path, row_count = write_export_file(job, attempt)
    except ExportRefused as exc:
        export_job_fail(job, attempt=attempt, reason=str(exc))
        return "failed"
    except SoftTimeLimitExceeded:
        minutes = f"{settings.EXPORT_TIME_LIMIT_MINUTES:g}"
        export_job_fail(
            job,
            attempt=attempt,
            reason=f"The file took longer than {minutes} minutes to write: filter the list "
            "further, or ask for a longer EXPORT_TIME_LIMIT_MINUTES.",
        )
        return "failed"
    except Exception as exc:
        logger.exception("exports: job %s run %s failed", job_id, attempt)
        export_job_fail(
            job, attempt=attempt, reason=f"The file could not be written ({type(exc).__name__})."
        )
        return "failed"
    if not export_job_finish(job, attempt=attempt, file_path=path, row_count=row_count):
        # Deleted (expired, erased) or handed to another run meanwhile: keep nothing.
        default_storage.delete(path)
        return "superseded"
    return "done"


def export_jobs_release_stuck(*, at=None) -> tuple[int, int]:
    """RUNNING jobs older than the worker's time limit (their worker died): back to QUEUED and
    published, or FAILED with the reason after ``MAX_ATTEMPTS`` runs. Return (re-queued,
    failed)."""
    moment = at or now()
    stuck = ExportJob.objects.filter(status=Status.RUNNING, started_at__lt=moment - stuck_after())
    requeued_ids = []
    for job_id, attempts in stuck.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", "attempts"):
        if ExportJob.objects.filter(pk=job_id, status=Status.RUNNING, attempts=attempts).update(
            status=Status.QUEUED, published_at=None
        ):
            requeued_ids.append(job_id)
    failed = 0
    for job in stuck.filter(attempts__gte=MAX_ATTEMPTS).select_related("user"):
        failed += export_job_fail(
            job,
            attempt=job.attempts,
            reason=(
                f"The worker stopped while writing the file ({job.attempts} tries): "
                "try again, or filter the list further."
            ),
        )
    for job_id in requeued_ids:
        logger.warning("exports: job %s was stuck RUNNING, queued again", job_id)
        publish(job_id)
    return len(requeued_ids), failed


def jobs_publish_waiting(model, publish_one, *, at=None) -> int:
    """Publish ``model``'s QUEUED jobs never handed to the broker (it was down), or handed long
    enough ago that their message must be lost, with ``publish_one``. Return how many."""
    moment = at or now()
    waiting = model.objects.filter(
        Q(published_at__isnull=True) | Q(published_at__lt=moment - stuck_after()),
        status=model.Status.QUEUED,
        created_at__lt=moment - PUBLISH_GRACE,
    ).values_list("pk", flat=True)
    published = 0
    for job_id in list(waiting):
        if not publish_one(job_id):
            break
        published += 1
    return published


def export_jobs_publish_waiting(*, at=None) -> int:
    """Publish the export jobs whose message never reached the worker. Return how many."""
    return jobs_publish_waiting(ExportJob, publish, at=at)


def export_orphan_files_delete() -> int:
    """Delete files under exports/ that no job will ever offer: their job is gone, or is
    finished with another file (a run that was superseded). Files of QUEUED and RUNNING jobs
    stay (a run may be saving one now)."""
    try:
        _folders, names = default_storage.listdir("exports")
    except (FileNotFoundError, NotADirectoryError):
        return 0
    paths = [f"exports/{name}" for name in names]
    kept = set(ExportJob.objects.filter(file_path__in=paths).values_list("file_path", flat=True))
    candidates = {}
    for path in paths:
        if path in kept:
            continue
        job_id = path.removeprefix("exports/").rsplit("-", 1)[0]
        candidates[path] = job_id
    live = set()
    ids = {job_id for job_id in candidates.values() if _is_uuid(job_id)}
    if ids:
        live = {
            str(pk)
            for pk in ExportJob.objects.filter(
                pk__in=ids, status__in=[Status.QUEUED, Status.RUNNING]
            ).values_list("pk", flat=True)
        }
    return delete_files([path for path, job_id in candidates.items() if job_id not in live])


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def jobs_erase(model, *, created_before) -> int:
    """Delete every job of ``model`` created before ``created_before`` and, once the caller's
    transaction commits, its file: an erasure (privacy) cannot tell which files hold the
    person, so none made before it is kept. A run still going finds its job gone and stops.
    Return how many jobs."""
    jobs = list(model.objects.filter(created_at__lt=created_before).values_list("pk", "file_path"))
    if not jobs:
        return 0
    model.objects.filter(pk__in=[pk for pk, _ in jobs]).delete()
    paths = [path for _, path in jobs if path]
    if paths:
        transaction.on_commit(lambda: delete_files(paths))
    return len(jobs)


def export_jobs_erase(*, created_before) -> int:
    """Delete the export jobs made before an erasure, and their files (``jobs_erase``); a run
    still writing one deletes its own file."""
    return jobs_erase(ExportJob, created_before=created_before)
