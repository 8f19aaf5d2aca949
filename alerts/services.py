"""Writes for staff alerts (and, below, visitor auto-replies).

A submission writes one ``StaffAlert`` row in its own transaction (``staff_alert_create``),
so a rolled-back submission alerts nobody. Every minute the digest task claims the pending rows
(``SELECT ... FOR UPDATE SKIP LOCKED``, then a conditional ``UPDATE``) and, in the same
transaction, writes one digest email per recipient into the outbox: a burst of 500 submissions
makes one email per recipient per minute, and a row is never in two digests.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from alerts.models import StaffAlert
from alerts.rendering import email_render
from alerts.selectors import DIGEST_ORIGIN, admin_url, alert_lines, staff_alert_recipients
from outbox.models import OutboxEmail
from outbox.services import email_enqueue

logger = logging.getLogger("alerts")

# Alerts one digest claims at most (the rest wait for the next minute) and lists one by one.
DIGEST_MAX_ALERTS = 5000
DIGEST_LISTED = 50
# Digested alerts are kept this long (what went into which digest), then deleted.
DIGESTED_KEPT = timedelta(days=7)

Kind = StaffAlert.Kind


def staff_alert_create(*, kind: str, lead, object_id=None, new_lead: bool = False) -> StaffAlert:
    """Write one pending alert in the caller's transaction (one INSERT)."""
    return StaffAlert.objects.create(kind=kind, lead=lead, object_id=object_id, new_lead=new_lead)


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


def alerts_prune() -> int:
    """Delete digested alerts older than DIGESTED_KEPT, with their digests' outbox rows once
    those are sent or failed (a digest names visitors: it is kept no longer than the alerts that
    let an erasure find it); return how many alerts went."""
    old = StaffAlert.objects.filter(digested_at__lt=timezone.now() - DIGESTED_KEPT)
    keys = [str(key) for key in old.values_list("digest_key", flat=True).distinct()]
    OutboxEmail.objects.filter(
        origin_label=DIGEST_ORIGIN,
        origin_id__in=keys,
        status__in=[OutboxEmail.Status.SENT, OutboxEmail.Status.FAILED],
    ).delete()
    deleted, _ = old.delete()
    return deleted
