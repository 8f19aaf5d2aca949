"""Worker tasks: write one export job's file; the periodic sweep."""

import logging

from celery import shared_task
from django.conf import settings

from exports import services

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


@shared_task(name="exports.sweep")
def sweep() -> dict[str, int]:
    """Expire old files, hand out stuck jobs again, publish waiting ones, drop orphan files."""
    expired = services.export_jobs_expire()
    requeued, failed = services.export_jobs_release_stuck()
    published = services.export_jobs_publish_waiting()
    orphans = services.export_orphan_files_delete()
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
    }
