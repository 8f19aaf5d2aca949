"""Replies to visitors: Support answers a contact message by email, through the outbox.

One service, ``contact_message_reply``: in one transaction it writes the email (the reply above
the visitor's message, quoted) to the outbox, marks the message responded by the staff member,
and leaves a CONTACT_MESSAGE_REPLIED event on the lead's timeline. The worker sends the email
after the commit; the timeline reads the email's status from its outbox row (queued, sent,
failed with the reason, and what the provider's delivery webhooks report).
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leads import events
from leads.models import ContactMessage, LeadEvent
from outbox.services import email_enqueue

# The outbox rows of replies name their event: origin (label, event id).
REPLY_ORIGIN = "leads.contact_message_reply"
REPLY_SUBJECT_MAX_LENGTH = 255
REPLY_BODY_MAX_LENGTH = 20_000


def reply_subject(message: ContactMessage) -> str:
    """Return "Re: <subject>" (the message's start when it has none), never "Re: Re: ..."."""
    subject = message.subject.strip() or " ".join(message.message.split())[:60].rstrip()
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def reply_text(*, body: str, message: ContactMessage) -> str:
    """Return ``body`` with the visitor's message quoted below it, as mail clients do."""
    lead = message.lead
    when = timezone.localtime(message.created_at).strftime("%d %b %Y at %H:%M")
    who = f"{lead.name} <{lead.email}>" if lead.name else lead.email
    quoted = "\n".join(
        f"> {line}" if line.strip() else ">" for line in message.message.splitlines()
    )
    return f"{body}\n\nOn {when}, {who} wrote:\n{quoted}\n"


@transaction.atomic
def contact_message_reply(*, message: ContactMessage, subject: str, body: str, user) -> LeadEvent:
    """Answer ``message`` by email as staff member ``user``; return the reply's lead event.

    The email, the responded mark (who, when) and the event are written together: a rolled-back
    transaction sends nothing. A message already responded can be answered again; the mark then
    names the latest reply.
    """
    subject, body = " ".join(subject.split()), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = "A reply needs a subject."
    elif len(subject) > REPLY_SUBJECT_MAX_LENGTH:
        errors["subject"] = f"Keep the subject under {REPLY_SUBJECT_MAX_LENGTH} characters."
    if not body:
        errors["body"] = "Write the reply."
    elif len(body) > REPLY_BODY_MAX_LENGTH:
        errors["body"] = f"Keep the reply under {REPLY_BODY_MAX_LENGTH:,} characters."
    if errors:
        raise ValidationError(errors)
    locked = ContactMessage.objects.select_for_update(of=("self",)).select_related("lead")
    message = locked.get(pk=message.pk)
    event_id = uuid.uuid4()
    email = email_enqueue(
        to=message.lead.email,
        subject=subject,
        body=reply_text(body=body, message=message),
        origin_label=REPLY_ORIGIN,
        origin_id=str(event_id),
    )
    message.responded = True
    message.responded_at = timezone.now()
    message.responded_by = user
    message.save(update_fields=["responded", "responded_at", "responded_by"])
    return events.lead_contact_message_replied_event(
        message=message,
        event_id=event_id,
        subject=subject,
        body=body,
        email_id=email.pk,
        by=user.get_username(),
    )
