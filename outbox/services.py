"""Writes of the outbox: enqueue an email, claim a row, record the outcome."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.timezone import now

from core.background import task_publish
from outbox.models import OutboxEmail
from outbox.signals import email_delivery_reported, email_finished

logger = logging.getLogger("outbox")

Status = OutboxEmail.Status
Delivery = OutboxEmail.Delivery


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
    row = email_row(
        to=to,
        subject=subject,
        body=body,
        html_body=html_body,
        origin_label=origin_label,
        origin_id=origin_id,
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
    email_publish_on_commit(email.pk)
    return email


def email_values(
    *,
    to: str,
    subject: str,
    body: str,
    html_body: str = "",
    origin_label: str = "",
    origin_id: str | int | None = None,
    dedup_key: str | None = None,
) -> dict:
    """The values of the row ``email_enqueue`` writes, by attname (the rest are the model's
    defaults); one-statement writes insert them (``WriteStatement.insert_row``)."""
    return {
        "to": to,
        "subject": subject[:255],
        "body": body,
        "html_body": html_body,
        "origin_label": origin_label,
        "origin_id": None if origin_id is None else str(origin_id),
        "dedup_key": dedup_key,
    }


def email_row(**values) -> OutboxEmail:
    """The unsaved row ``email_enqueue`` writes; takes ``email_values``' arguments."""
    return OutboxEmail(**email_values(**values))


def email_publish_on_commit(email_id: int, *, using: str | None = None) -> None:
    """Hand row ``email_id`` to the worker once the transaction that wrote it commits (at once
    when it was written outside a transaction, e.g. by one autocommitted statement)."""
    transaction.on_commit(lambda: publish(email_id), using=using)


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
    try:
        task_publish("outbox.send_email", email_id)
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


def provider_message_id_clean(value) -> str:
    """The provider's message id as stored and matched: trimmed, without the <> of a header."""
    return str(value or "").strip().strip("<>").strip()[:255]


def email_mark_sent(email: OutboxEmail, *, provider_message_id: str = "") -> None:
    email.status = Status.SENT
    email.sent_at = now()
    email.last_error = ""
    email.provider_message_id = provider_message_id_clean(provider_message_id)
    email.save(update_fields=["status", "sent_at", "last_error", "provider_message_id"])
    email_finished.send(sender=OutboxEmail, email=email)


@transaction.atomic
def email_record_delivery(
    *, provider_message_id: str, status: str, at: datetime, detail: str = ""
) -> list[OutboxEmail]:
    """Apply a provider's delivery report (DELIVERED or BOUNCED) to the SENT email it names.

    One conditional UPDATE: only a report newer than the last one applied changes the row, so
    the same report twice changes it once and an older one arriving late never overwrites a
    newer one. An unknown id changes nothing. Return the rows changed (email_delivery_reported
    is sent for each, in this transaction).
    """
    if status not in Delivery.values:
        raise ValueError(f"{status!r} is not a delivery status")
    message_id = provider_message_id_clean(provider_message_id)
    if not message_id:
        return []
    newer = Q(delivery_event_at__isnull=True) | Q(delivery_event_at__lt=at)
    rows = OutboxEmail.objects.filter(provider_message_id=message_id, status=Status.SENT)
    if not rows.filter(newer).update(
        delivery_status=status, delivery_detail=detail[:2000], delivery_event_at=at
    ):
        return []
    # The rows this UPDATE changed stay locked by it until the transaction ends.
    changed = list(rows.filter(delivery_event_at=at, delivery_status=status))
    for email in changed:
        email_delivery_reported.send(sender=OutboxEmail, email=email)
    return changed


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
