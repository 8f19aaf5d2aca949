"""Worker tasks of privacy: an erasure, and the daily retention job (scheduled in
config/celery.py)."""

from celery import shared_task
from django.contrib.auth import get_user_model

from privacy.erase import person_erase
from privacy.retention import leads_erase_expired


@shared_task(name="privacy.person_erase", acks_late=True)
def person_erase_task(
    email: str | None = None, phone: str | None = None, user_id: int | None = None
) -> dict:
    """Erase a person in the worker; return the counts found.

    Acknowledged after it ran: a worker killed midway leaves the message on the broker, and
    another worker erases again (an erasure is idempotent; the first attempt's request stays
    in the log without a finish time). The message holds the address until a worker takes
    it, the only place it is kept.
    """
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return person_erase(email=email, phone=phone, user=user).counts


@shared_task(name="privacy.lead_retention")
def lead_retention() -> int:
    """Erase the leads past LEAD_RETENTION_DAYS (nothing when it is unset); return the count."""
    return leads_erase_expired()["leads"]
