"""Reads of the outbox."""

from django.utils.timezone import now

from outbox.models import OutboxEmail


def due_email_ids(limit: int = 1000) -> list[int]:
    """PENDING rows whose time has come, oldest first."""
    return list(
        OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING, next_attempt_at__lte=now())
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def oldest_unsent_age_seconds() -> float | None:
    """Age of the oldest email not yet SENT or FAILED, or None when there is none."""
    created = (
        OutboxEmail.objects.filter(
            status__in=[OutboxEmail.Status.PENDING, OutboxEmail.Status.SENDING]
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return None if created is None else round((now() - created).total_seconds(), 1)
