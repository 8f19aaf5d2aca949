"""Delivery reports from the email provider: django-anymail's tracking webhooks.

The provider posts to /anymail/<provider>/tracking/ (for example /anymail/postmark/tracking/),
signed with HTTP basic auth: ANYMAIL_WEBHOOK_SECRET, "user:password", which the provider's
webhook URL carries (https://user:password@host/anymail/postmark/tracking/). Anymail checks it
(a missing or wrong one is a 400 and nothing is read) and sends one ``tracking`` signal per
event; ``record_tracking_event`` applies "delivered" and "bounced" to the email the event
names (outbox.services.email_record_delivery) and ignores the rest. Without a secret the
webhooks answer 404 (outbox/urls.py): anymail alone would accept unsigned posts.
"""

from anymail.signals import EventType
from django.utils.timezone import now

from outbox.models import OutboxEmail
from outbox.services import email_record_delivery

# Anymail's normalized event types -> what the outbox records.
DELIVERY_EVENTS = {
    EventType.DELIVERED: OutboxEmail.Delivery.DELIVERED,
    EventType.BOUNCED: OutboxEmail.Delivery.BOUNCED,
}


def record_tracking_event(sender, event, esp_name: str, **kwargs) -> None:
    """anymail.signals.tracking: a delivered or bounced email's row (and its record) learns it."""
    status = DELIVERY_EVENTS.get(event.event_type)
    if status is None or not event.message_id:
        return
    # The provider's words and the receiving server's answer ("smtp;550 5.1.1 ...").
    detail = " ".join(str(part) for part in (event.description, event.mta_response) if part)
    email_record_delivery(
        provider_message_id=event.message_id,
        status=status,
        at=event.timestamp or now(),
        detail=detail,
    )
