"""Worker tasks: send one outbox row; the one-minute sweep."""

import logging
import smtplib
import time

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.db import InterfaceError, OperationalError, connections, router

from outbox import selectors, services
from outbox.models import OutboxEmail

logger = logging.getLogger("outbox")

# After the mail server took an email, its SENT must be recorded, or the sweep hands the row
# out again and the visitor gets it twice. A lost database connection (a restart, a failover,
# a pooler or a fault killing it) is retried on a new connection, for about half a minute.
RECORD_ATTEMPTS = 8


def record_outcome(write, *args, **kwargs):
    """Run ``write`` (``email_mark_sent``/``email_mark_failed``, each safe to repeat) until
    it reaches the database; re-raise once the database stayed away through every attempt."""
    connection = connections[router.db_for_write(OutboxEmail)]
    for attempt in range(RECORD_ATTEMPTS):
        try:
            return write(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            # Inside a caller's transaction (never in a worker) there is no new connection.
            if attempt == RECORD_ATTEMPTS - 1 or connection.in_atomic_block:
                raise
            logger.warning("outbox: recording an email's outcome failed, retrying: %s", exc)
            connection.close()  # the next attempt opens a new connection
            time.sleep(min(0.25 * 2**attempt, 8))
    return None


def smtp_code(exc: Exception) -> int | None:
    """The SMTP reply code of a refusal, if the server gave one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return max(codes) if codes else None
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None


def deliver(email: OutboxEmail) -> str:
    """Send ``email``; return the provider's id of the message (for its delivery webhooks).

    That is the id an Anymail sending backend reports, else the Message-ID header set here
    (which providers that relay SMTP, such as Mailgun, report back).
    """
    message_id = make_msgid(domain=DNS_NAME)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"X-Outbox-Id": str(email.pk), "Message-ID": message_id},
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    message.send(fail_silently=False)
    reported = getattr(getattr(message, "anymail_status", None), "message_id", None)
    if isinstance(reported, set):  # one id per recipient; there is one recipient
        reported = next(iter(reported), None)
    return message_id if reported is None or reported == "" else str(reported)


@shared_task(name="outbox.send_email")
def send_outbox_email(email_id: int) -> str:
    """Claim the row (or leave it to whoever has it), send it, record SENT/retry/FAILED."""
    if not services.email_claim(email_id):
        return "not-claimed"
    email = OutboxEmail.objects.get(pk=email_id)
    try:
        provider_message_id = deliver(email)
    except Exception as exc:
        code = smtp_code(exc)
        reason = f"{code or ''} {type(exc).__name__}: {exc}".strip()
        permanent = code is not None and code >= 500
        logger.warning("outbox: email %s attempt %s failed: %s", email_id, email.attempts, reason)
        record_outcome(services.email_mark_failed, email, reason, permanent=permanent)
        return "failed" if email.status == OutboxEmail.Status.FAILED else "retry"
    record_outcome(services.email_mark_sent, email, provider_message_id=provider_message_id)
    return "sent"


@shared_task(name="outbox.sweep")
def sweep() -> int:
    """Hand out stuck SENDING rows again and publish every due PENDING row."""
    released = services.email_release_stuck()
    if released:
        logger.warning("outbox: %s stuck email(s) handed out again", released)
    ids = selectors.due_email_ids()
    for email_id in ids:
        if not services.publish(email_id):
            break
    return len(ids)
