"""Worker tasks of privacy: the daily retention job (scheduled in config/celery.py)."""

from celery import shared_task

from privacy.retention import leads_erase_expired


@shared_task(name="privacy.lead_retention")
def lead_retention() -> int:
    """Erase the leads past LEAD_RETENTION_DAYS (nothing when it is unset); return the count."""
    return leads_erase_expired()["leads"]
