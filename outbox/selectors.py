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


def email_status_text(email: OutboxEmail | None) -> str:
    """Say where ``email`` is, in the words the timelines use: queued, sent, delivered,
    bounced: <reason>, failed: <reason>."""
    if email is None:
        return "not in the outbox"
    if email.status == OutboxEmail.Status.SENT:
        # What the provider's delivery webhooks reported, when they did.
        if email.delivery_status == OutboxEmail.Delivery.DELIVERED:
            return "delivered"
        if email.delivery_status == OutboxEmail.Delivery.BOUNCED:
            return f"bounced: {email.delivery_detail}" if email.delivery_detail else "bounced"
        return "sent"
    if email.status == OutboxEmail.Status.FAILED:
        return f"failed: {email.last_error}" if email.last_error else "failed"
    return "queued"


def emails_by_id(ids) -> dict[int, OutboxEmail]:
    """The outbox rows with these ids, in one query (none when ``ids`` is empty)."""
    ids = {int(pk) for pk in ids if pk is not None}
    return {email.pk: email for email in OutboxEmail.objects.filter(pk__in=ids)} if ids else {}


def health_report() -> dict:
    """The age in seconds of the oldest email not yet sent (None: nothing waits)."""
    try:
        return {"oldest_unsent_seconds": oldest_unsent_age_seconds()}
    except Exception:  # noqa: BLE001 - the database is down: the database check says so
        return {"oldest_unsent_seconds": None}
