"""The one-minute digest of staff alerts (the beat schedules it: config/celery.py)."""

from celery import shared_task

from alerts import services


@shared_task(name="alerts.digest")
def digest() -> int:
    """Gather the pending staff alerts into one email per recipient; prune old rows."""
    sent = services.staff_alerts_digest()
    services.alerts_prune()
    return sent
