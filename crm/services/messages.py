"""Writes on messages: log one, then follow its delivery."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import Contact, Message
from outbox.models import OutboxEmail
from outbox.services import email_enqueue, email_resend

ORIGIN_LABEL = "crm.message"

Status = Message.Status

# Where a message can go from each status; READ, FAILED and BOUNCED are final (a failed email
# goes out again only through message_resend_email).
NEXT_STATUSES = {
    Status.QUEUED: {Status.SENT, Status.FAILED},
    Status.SENT: {Status.DELIVERED, Status.READ, Status.FAILED, Status.BOUNCED},
    Status.DELIVERED: {Status.READ},
    Status.READ: set(),
    Status.FAILED: set(),
    Status.BOUNCED: set(),
}


@transaction.atomic
def message_log(
    *,
    contact: Contact,
    direction: str,
    channel: str,
    content: str,
    sent_at: datetime | None = None,
    provider: str = "",
    external_id: str = "",
    subject: str = "",
) -> Message:
    """Record a message sent to or received from ``contact``."""
    if direction not in Message.Direction.values:
        raise ValidationError({"direction": f"{direction!r} is not a message direction."})
    if channel not in Message.Channel.values:
        raise ValidationError({"channel": f"{channel!r} is not a message channel."})
    if not content.strip():
        raise ValidationError({"content": "A message needs content."})
    values = {
        "organization_id": contact.organization_id,
        "contact": contact,
        "direction": direction,
        "channel": channel,
        "subject": subject.strip(),
        "content": content.strip(),
        "sent_at": sent_at or timezone.now(),
    }
    provider, external_id = provider.strip(), external_id.strip()
    if not external_id:
        return Message.objects.create(provider=provider, **values)
    # A provider that reports the same message twice gets the first record back; the unique
    # constraint on (provider, external_id) settles a race between the two reports.
    message, _ = Message.objects.get_or_create(
        provider=provider, external_id=external_id, defaults=values
    )
    if message.contact_id != contact.pk:
        raise ValidationError(
            {"external_id": "This message is already logged for another contact."}
        )
    return message


# What staff may correct on a logged message (its status moves only by delivery reports).
MESSAGE_UPDATABLE_FIELDS = (
    "contact",
    "direction",
    "channel",
    "subject",
    "content",
    "sent_at",
    "provider",
    "external_id",
)


@transaction.atomic
def message_update(*, message: Message, data: dict) -> Message:
    """Correct ``data``'s fields (``MESSAGE_UPDATABLE_FIELDS``) of a logged message."""
    unknown = set(data) - set(MESSAGE_UPDATABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    message = Message.objects.select_for_update().get(pk=message.pk)
    values = {
        field: value.strip() if isinstance(value, str) else value for field, value in data.items()
    }
    if "direction" in values and values["direction"] not in Message.Direction.values:
        raise ValidationError({"direction": f"{values['direction']!r} is not a message direction."})
    if "channel" in values and values["channel"] not in Message.Channel.values:
        raise ValidationError({"channel": f"{values['channel']!r} is not a message channel."})
    if "content" in values and not values["content"]:
        raise ValidationError({"content": "A message needs content."})
    if "sent_at" in values and values["sent_at"] is None:
        raise ValidationError({"sent_at": "A message needs the time it was sent."})
    if "contact" in values and values["contact"].organization_id != message.organization_id:
        raise ValidationError({"contact": "A message stays in its organization."})
    changes = {field: value for field, value in values.items() if getattr(message, field) != value}
    for field, value in changes.items():
        setattr(message, field, value)
    if changes:
        message.save(update_fields=[*changes, "updated_at"])
    return message


@transaction.atomic
def message_update_status(*, message: Message, status: str, at: datetime | None = None) -> Message:
    """Move ``message`` to ``status`` (a delivery report); the same report twice is a no-op."""
    if status not in Status.values:
        raise ValidationError({"status": f"{status!r} is not a message status."})
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status == status:
        return message
    if status not in NEXT_STATUSES[Status(message.status)]:
        raise ValidationError(
            f"A {message.get_status_display().lower()} message cannot become "
            f"{Status(status).label.lower()}."
        )
    at = at or timezone.now()
    message.status = status
    fields = ["status", "updated_at"]
    if status in (Status.DELIVERED, Status.READ) and message.delivered_at is None:
        message.delivered_at = at
        fields.append("delivered_at")
    if status == Status.READ:
        message.read_at = at
        fields.append("read_at")
    message.save(update_fields=fields)
    return message


@transaction.atomic
def message_send_email(*, contact: Contact, subject: str, body: str, user=None) -> Message:
    """An outbound email to ``contact``: a QUEUED Message and its outbox row, one transaction.

    The outbox's completion (outbox.signals.email_finished) moves it to SENT or FAILED.
    """
    if not contact.email:
        raise ValidationError("This contact has no email address.")
    subject, body = " ".join(subject.split()), body.strip()
    if not subject:
        raise ValidationError({"subject": "An email needs a subject."})
    if not body:
        raise ValidationError({"body": "An email needs a body."})
    message = Message.objects.create(
        organization_id=contact.organization_id,
        contact=contact,
        direction=Message.Direction.OUTBOUND,
        channel=Message.Channel.EMAIL,
        subject=subject[:255],
        content=body,
        status=Status.QUEUED,
        provider="outbox",
    )
    email_enqueue(
        to=contact.email,
        subject=subject,
        body=body,
        origin_label=ORIGIN_LABEL,
        origin_id=str(message.pk),
        dedup_key=f"{ORIGIN_LABEL}:{message.pk}",
    )
    return message


@transaction.atomic
def message_resend_email(*, message: Message) -> Message:
    """A FAILED email goes out again: QUEUED, its outbox row handed out afresh."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    email = OutboxEmail.objects.filter(origin_label=ORIGIN_LABEL, origin_id=str(message.pk)).first()
    if message.status != Status.FAILED or email is None:
        raise ValidationError("Only a failed email sent from the CRM can be sent again.")
    email_resend(email)
    message.status = Status.QUEUED
    message.failure_reason = ""
    message.save(update_fields=["status", "failure_reason", "updated_at"])
    return message


def message_email_finished(sender, email: OutboxEmail, **kwargs) -> None:
    """outbox.signals.email_finished: the email's Message becomes SENT or FAILED (once)."""
    if email.origin_label != ORIGIN_LABEL or email.origin_id is None:
        return
    if email.status == OutboxEmail.Status.SENT:
        Message.objects.filter(pk=email.origin_id, status=Status.QUEUED).update(
            status=Status.SENT, sent_at=email.sent_at or timezone.now(), updated_at=timezone.now()
        )
    elif email.status == OutboxEmail.Status.FAILED:
        Message.objects.filter(pk=email.origin_id, status=Status.QUEUED).update(
            status=Status.FAILED, failure_reason=email.last_error, updated_at=timezone.now()
        )


# Where a provider's delivery report may move an email from: not READ (a later state) and not
# FAILED (never sent, so never reported). Which report wins between DELIVERED and BOUNCED is
# settled on the outbox row (the newest event), which this follows.
DELIVERY_REPORTABLE = (Status.QUEUED, Status.SENT, Status.DELIVERED, Status.BOUNCED)


def message_email_delivery_reported(sender, email: OutboxEmail, **kwargs) -> None:
    """outbox.signals.email_delivery_reported: the email's Message becomes DELIVERED/BOUNCED."""
    if email.origin_label != ORIGIN_LABEL or email.origin_id is None:
        return
    at = email.delivery_event_at or timezone.now()
    if email.delivery_status == OutboxEmail.Delivery.DELIVERED:
        updates = {
            "status": Status.DELIVERED,
            "delivered_at": Coalesce("delivered_at", Value(at)),
            "failure_reason": "",
        }
    elif email.delivery_status == OutboxEmail.Delivery.BOUNCED:
        updates = {"status": Status.BOUNCED, "failure_reason": email.delivery_detail}
    else:
        return
    Message.objects.filter(pk=email.origin_id, status__in=DELIVERY_REPORTABLE).update(
        updated_at=timezone.now(), **updates
    )
