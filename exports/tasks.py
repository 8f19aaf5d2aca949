"""Worker tasks: write one export job's file; the periodic sweep."""

import logging

from celery import shared_task
from django.conf import settings

from exports import import_services, services

logger = logging.getLogger("exports")

TIME_LIMIT_SECONDS = settings.EXPORT_TIME_LIMIT_MINUTES * 60


@shared_task(
    name="exports.run",
    bind=True,
    soft_time_limit=TIME_LIMIT_SECONDS,
    time_limit=TIME_LIMIT_SECONDS + 60,
)
def run_export(self, job_id: str) -> str:
    delivery = getattr(self.request, "delivery_info", None) or {}
    return services.export_job_run(job_id, redelivered=bool(delivery.get("redelivered")))


@shared_task(
    name="exports.import",
    acks_late=True,
    soft_time_limit=TIME_LIMIT_SECONDS,
    time_limit=TIME_LIMIT_SECONDS + 60,
)
def run_import(job_id: str) -> str:
    """Import one confirmed file; a redelivered message finds the job claimed (no-op)."""
    return import_services.import_job_run(job_id)


@shared_task(name="exports.sweep")
def sweep() -> dict[str, int]:
    """Expire old files, hand out stuck jobs again, publish waiting ones, drop orphan files;
    the same for imports (a stuck import is failed, never run twice)."""
    expired = services.export_jobs_expire()
    requeued, failed = services.export_jobs_release_stuck()
    published = services.export_jobs_publish_waiting()
    orphans = services.export_orphan_files_delete()
    imports_expired = import_services.import_jobs_expire()
    imports_failed = import_services.import_jobs_fail_stuck()
    imports_published = import_services.import_jobs_publish_waiting()
    imports_orphans = import_services.import_orphan_files_delete()
    if imports_expired or imports_failed:
        logger.info("imports: %s expired, %s failed as stuck", imports_expired, imports_failed)
    if expired or requeued or failed or orphans:
        logger.info(
            "exports: %s expired, %s re-queued, %s failed as stuck, %s orphan files deleted",
            expired,
            requeued,
            failed,
            orphans,
        )
    return {
        "expired": expired,
        "requeued": requeued,
        "failed": failed,
        "published": published,
        "orphans": orphans,
        "imports_expired": imports_expired,
        "imports_failed": imports_failed,
        "imports_published": imports_published,
        "imports_orphans": imports_orphans,
    }
