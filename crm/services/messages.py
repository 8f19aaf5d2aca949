"""Writes on messages: log one, then follow its delivery."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import Contact, Message

Status = Message.Status

# Where a message can go from each status; READ, FAILED and BOUNCED are final.
NEXT_STATUSES = {
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
