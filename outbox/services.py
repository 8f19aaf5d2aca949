"""Writes of the outbox: enqueue an email, claim a row, record the outcome."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.timezone import now

from outbox.models import OutboxEmail
from outbox.signals import email_finished

logger = logging.getLogger("outbox")

Status = OutboxEmail.Status


def email_enqueue(
    *,
    to: str,
    subject: str,
    body: str,
    html_body: str = "",
    origin_label: str = "",
    origin_id: str | int | None = None,
    dedup_key: str | None = None,
) -> OutboxEmail | None:
    """Write one email to send in the caller's transaction; publish it to the worker on commit.

    With a `dedup_key` already used, nothing is written and None comes back. If the broker
    cannot be reached at commit, the row stays PENDING and the sweep sends it.
    """
    row = OutboxEmail(
        to=to,
        subject=subject[:255],
        body=body,
        html_body=html_body,
        origin_label=origin_label,
        origin_id=None if origin_id is None else str(origin_id),
        dedup_key=dedup_key,
    )
    if dedup_key is None:
        # Nothing to collide with: no savepoint (a public form's submission writes this).
        row.save(force_insert=True)
        email = row
    else:
        if OutboxEmail.objects.filter(dedup_key=dedup_key).exists():
            return None
        try:
            with transaction.atomic():
                row.save(force_insert=True)
                email = row
        except IntegrityError:  # a concurrent enqueue with the same key won
            return None
    transaction.on_commit(lambda: publish(email.pk))
    return email


def email_withdraw(*, origin_label: str, origin_ids) -> int:
    """Delete the PENDING emails of these origins (what caused them is gone or changed).

    One a worker already holds (SENDING) still goes out. Return how many were withdrawn.
    """
    ids = [str(origin_id) for origin_id in origin_ids]
    if not ids:
        return 0
    return OutboxEmail.objects.filter(
        origin_label=origin_label, origin_id__in=ids, status=Status.PENDING
    ).delete()[0]


def publish(email_id: int) -> bool:
    """Hand one row to the worker; a broker outage is logged and left to the sweep."""
    from outbox.tasks import send_outbox_email

    try:
        send_outbox_email.apply_async(args=[email_id], retry=False)
    except Exception as exc:  # the broker is down: the row stays PENDING
        logger.warning(
            "outbox: broker unreachable, email %s waits for the sweep: %s", email_id, exc
        )
        return False
    return True


def email_claim(email_id: int) -> bool:
    """PENDING and due -> SENDING, in one conditional UPDATE: of two workers, one wins."""
    current = now()
    return bool(
        OutboxEmail.objects.filter(
            pk=email_id, status=Status.PENDING, next_attempt_at__lte=current
        ).update(status=Status.SENDING, claimed_at=current, attempts=F("attempts") + 1)
    )


def retry_delay(attempts: int) -> timedelta:
    """The gap after attempt `attempts` (1, 2, 4, ... minutes)."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def email_mark_sent(email: OutboxEmail) -> None:
    email.status = Status.SENT
    email.sent_at = now()
    email.last_error = ""
    email.save(update_fields=["status", "sent_at", "last_error"])
    email_finished.send(sender=OutboxEmail, email=email)


def email_mark_failed(email: OutboxEmail, reason: str, *, permanent: bool) -> None:
    """A permanent failure (or the last attempt) ends FAILED; otherwise PENDING, later."""
    email.last_error = reason[:2000]
    if permanent or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        email.status = Status.FAILED
        email.save(update_fields=["status", "last_error"])
        email_finished.send(sender=OutboxEmail, email=email)
        return
    email.status = Status.PENDING
    email.next_attempt_at = now() + retry_delay(email.attempts)
    email.save(update_fields=["status", "last_error", "next_attempt_at"])


def email_release_stuck() -> int:
    """SENDING rows claimed more than OUTBOX_STUCK_MINUTES ago (worker died) -> PENDING."""
    cutoff = now() - timedelta(minutes=settings.OUTBOX_STUCK_MINUTES)
    return OutboxEmail.objects.filter(
        Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True), status=Status.SENDING
    ).update(status=Status.PENDING, next_attempt_at=now())


def email_resend(email: OutboxEmail) -> bool:
    """A FAILED row goes out again from a fresh count of attempts."""
    changed = OutboxEmail.objects.filter(pk=email.pk, status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, next_attempt_at=now(), last_error=""
    )
    if changed:
        transaction.on_commit(lambda: publish(email.pk))
    return bool(changed)
