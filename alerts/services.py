"""Writes for staff alerts and visitor auto-replies.

A submission writes one ``StaffAlert`` row in its own transaction (``staff_alert_create``),
so a rolled-back submission alerts nobody. Every minute the digest task claims the pending rows
(``SELECT ... FOR UPDATE SKIP LOCKED``, then a conditional ``UPDATE``) and, in the same
transaction, writes one digest email per recipient into the outbox: a burst of 500 submissions
makes one email per recipient per minute, and a row is never in two digests.

A contact message or an early-access request also writes the visitor's confirmation into the
outbox in its transaction (``visitor_auto_reply_enqueue``), at most one per address and day:
one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` into ``visitor_auto_replies`` (unique on
address and day) decides, never a look-then-insert, so two submissions racing with one address
send one confirmation.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connections, router, transaction
from django.dispatch import receiver
from django.utils import timezone

from alerts.models import StaffAlert, VisitorAutoReply
from alerts.rendering import email_render
from alerts.selectors import DIGEST_ORIGIN, admin_url, alert_lines, staff_alert_recipients
from core.db.statement import Sql, WriteStatement
from core.emails import normalize_email
from outbox.models import OutboxEmail
from outbox.services import email_enqueue, email_values

logger = logging.getLogger("alerts")

AUTO_REPLY_ORIGIN = "alerts.auto_reply"
# Alerts one digest claims at most (the rest wait for the next minute) and lists one by one.
DIGEST_MAX_ALERTS = 5000
DIGEST_LISTED = 50
# Digested alerts are kept this long (what went into which digest), then deleted.
DIGESTED_KEPT = timedelta(days=7)

Kind = StaffAlert.Kind


def staff_alert_create(*, kind: str, lead, object_id=None, new_lead: bool = False) -> StaffAlert:
    """Write one pending alert in the caller's transaction (one INSERT)."""
    return StaffAlert.objects.create(kind=kind, lead=lead, object_id=object_id, new_lead=new_lead)


def staff_alert_insert(
    statement: WriteStatement,
    *,
    kind: str,
    lead: str,
    new_lead: Sql,
    object_id=None,
    only_if: Sql | None = None,
) -> str:
    """Add the row ``staff_alert_create`` writes to a one-statement write: its lead is the one
    part ``lead`` returned, ``new_lead`` (and ``only_if``, when given) SQL over that part."""
    return statement.insert_row(
        "staff_alert",
        StaffAlert,
        {"kind": kind, "object_id": object_id},
        expressions={"lead_id": (f"{lead}.id", []), "new_lead": new_lead},
        source=lead,
        where=only_if,
    )


def _plural(count: int, label: str) -> str:
    return f"{count} {label.lower()}{'' if count == 1 else 's'}"


@transaction.atomic
def staff_alerts_digest(*, limit: int = DIGEST_MAX_ALERTS) -> int:
    """Claim the pending alerts and write one digest email per recipient; return the emails.

    Two digests running at once never claim one row: the SELECT skips rows another holds, and
    the UPDATE only takes rows still pending. The emails and the claim commit together.
    """
    pending = StaffAlert.objects.filter(digested_at__isnull=True).order_by("created_at", "id")
    ids = list(pending.select_for_update(skip_locked=True).values_list("id", flat=True)[:limit])
    if not ids:
        return 0
    key, at = uuid.uuid4(), timezone.now()
    StaffAlert.objects.filter(pk__in=ids, digested_at__isnull=True).update(
        digest_key=key, digested_at=at
    )
    alerts = list(
        StaffAlert.objects.filter(digest_key=key)
        .select_related("lead")
        .order_by("created_at", "id")
    )
    if not alerts:
        return 0
    recipients = staff_alert_recipients()
    if not recipients:
        logger.warning(
            "alerts: %s alert(s) and nobody to tell: set STAFF_ALERT_EMAILS or give Sales or "
            "Support members an email",
            len(alerts),
        )
        return 0
    counts = Counter(alert.get_kind_display() for alert in alerts)
    new_leads = sum(alert.new_lead for alert in alerts)
    context = {
        "total": len(alerts),
        "summary": ", ".join(_plural(count, kind) for kind, count in counts.most_common()),
        "new_leads": new_leads,
        "lines": alert_lines(alerts[:DIGEST_LISTED]),
        "more": max(len(alerts) - DIGEST_LISTED, 0),
        "leads_link": admin_url("admin:leads_userslead_changelist"),
        "awaiting_link": admin_url(
            "admin:leads_contactmessage_changelist", query="?responded__exact=0"
        ),
    }
    email = email_render("staff_digest", context)
    for to in recipients:
        email_enqueue(
            to=to,
            subject=email.subject,
            body=email.body,
            html_body=email.html_body,
            origin_label=DIGEST_ORIGIN,
            origin_id=str(key),
        )
    return len(recipients)


# --- Visitor auto-replies ---------------------------------------------------------------------

AUTO_REPLY_TEMPLATES = {
    VisitorAutoReply.Kind.CONTACT_MESSAGE: "visitor_contact_reply",
    VisitorAutoReply.Kind.EARLY_ACCESS: "visitor_early_access_reply",
}
_AUTO_REPLY_FIELDS = ("to", "day", "kind", "created_at")
# The confirmations repeat nothing the visitor typed: each kind renders to the same text, so a
# process renders it once (emptied when a test changes settings, e.g. TEMPLATES).
_auto_reply_texts: dict = {}


@receiver(setting_changed)
def _forget_auto_reply_texts(**kwargs) -> None:
    _auto_reply_texts.clear()


def auto_reply_text(kind: str):
    """The confirmation of ``kind`` (subject, body, HTML body), rendered once per process."""
    text = _auto_reply_texts.get(kind)
    if text is None:
        text = _auto_reply_texts[kind] = email_render(AUTO_REPLY_TEMPLATES[kind], {})
    return text


def _auto_reply_claim_sql(connection) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field) for field in _AUTO_REPLY_FIELDS)
    return (
        f"INSERT INTO {quote(VisitorAutoReply._meta.db_table)} ({columns}) "
        f"VALUES (%s, %s, %s, %s) ON CONFLICT ({quote('to')}, {quote('day')}) DO NOTHING "
        f"RETURNING {quote('id')}"
    )


def visitor_auto_reply_claim(*, email: str, kind: str) -> int | None:
    """Take today's one confirmation for ``email``: its row's id, or None if already taken.

    One statement. On PostgreSQL a concurrent submission with the same address waits for the
    first one's transaction: if that commits, this one finds the day taken; if it rolls back,
    this one takes it.
    """
    connection = connections[router.db_for_write(VisitorAutoReply)]
    at = timezone.now()
    row = VisitorAutoReply(
        to=normalize_email(email), day=timezone.localdate(at), kind=kind, created_at=at
    )
    params = [
        VisitorAutoReply._meta.get_field(field).get_db_prep_save(getattr(row, field), connection)
        for field in _AUTO_REPLY_FIELDS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_auto_reply_claim_sql(connection), params)
        taken = cursor.fetchone()
    return None if taken is None else taken[0]


def visitor_auto_reply_enqueue(*, email: str, kind: str) -> OutboxEmail | None:
    """Write the visitor's confirmation into the outbox, in the caller's transaction.

    Nothing when VISITOR_AUTO_REPLY is off or ``email`` had its confirmation today. The email
    repeats nothing the visitor typed, so the form cannot carry a message to someone else.
    """
    if not settings.VISITOR_AUTO_REPLY:
        return None
    claim = visitor_auto_reply_claim(email=email, kind=kind)
    if claim is None:
        return None
    email_text = auto_reply_text(kind)
    return email_enqueue(
        to=normalize_email(email),
        subject=email_text.subject,
        body=email_text.body,
        html_body=email_text.html_body,
        origin_label=AUTO_REPLY_ORIGIN,
        origin_id=claim,
    )


def visitor_auto_reply_insert(statement: WriteStatement, *, email: str, kind: str) -> str | None:
    """Add what ``visitor_auto_reply_enqueue`` writes to a one-statement write: the claim of
    today's confirmation (``INSERT ... ON CONFLICT DO NOTHING RETURNING``) and the outbox row,
    inserted from the claim's RETURNING, so no row when the day was taken.

    Return the name of the part that returns the outbox row's id (publish it with
    ``outbox.services.email_publish_on_commit``), or None when VISITOR_AUTO_REPLY is off.
    """
    if not settings.VISITOR_AUTO_REPLY:
        return None
    quote = statement.quote
    at = timezone.now()
    to = normalize_email(email)
    claim = statement.insert_row(
        "auto_reply_claim",
        VisitorAutoReply,
        {"to": to, "day": timezone.localdate(at), "kind": kind, "created_at": at},
        on_conflict=f"ON CONFLICT ({quote('to')}, {quote('day')}) DO NOTHING",
        returning=quote("id"),
    )
    email_text = auto_reply_text(kind)
    values = email_values(
        to=to,
        subject=email_text.subject,
        body=email_text.body,
        html_body=email_text.html_body,
        origin_label=AUTO_REPLY_ORIGIN,
    )
    del values["origin_id"]  # the claim's id, from its RETURNING
    return statement.insert_row(
        "auto_reply_email",
        OutboxEmail,
        values,
        expressions={"origin_id": (f"{claim}.{quote('id')}::text", [])},
        source=claim,
        returning=quote("id"),
    )


# --- Housekeeping ------------------------------------------------------------------------------


def alerts_prune() -> int:
    """Delete digested alerts older than DIGESTED_KEPT, with their digests' outbox rows once
    those are sent or failed (a digest names visitors: it is kept no longer than the alerts that
    let an erasure find it), and the auto-reply rows of days before yesterday (they only serve
    today's limit); return how many alerts and auto-reply rows went."""
    old = StaffAlert.objects.filter(digested_at__lt=timezone.now() - DIGESTED_KEPT)
    keys = [str(key) for key in old.values_list("digest_key", flat=True).distinct()]
    OutboxEmail.objects.filter(
        origin_label=DIGEST_ORIGIN,
        origin_id__in=keys,
        status__in=[OutboxEmail.Status.SENT, OutboxEmail.Status.FAILED],
    ).delete()
    alerts, _ = old.delete()
    replies, _ = VisitorAutoReply.objects.filter(
        day__lt=timezone.localdate() - timedelta(days=1)
    ).delete()
    return alerts + replies
