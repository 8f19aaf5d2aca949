"""Reads for staff alerts: who gets the digest, and what each alert says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import SALES, SUPPORT
from alerts.models import StaffAlert
from core.emails import normalize_email
from leads.models import ContactMessage, EarlyAccessRequest

# The outbox's origin_label of the staff digests.
DIGEST_ORIGIN = "alerts.digest"
# Groups whose active members get the digest when STAFF_ALERT_EMAILS is empty.
ALERTED_GROUPS = (SALES, SUPPORT)
MESSAGE_EXCERPT_LENGTH = 300


def staff_alert_recipients() -> list[str]:
    """STAFF_ALERT_EMAILS, else the active Sales and Support members with an email; each once."""
    configured = [normalize_email(address) for address in settings.STAFF_ALERT_EMAILS]
    if any(configured):
        addresses = configured
    else:
        addresses = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=ALERTED_GROUPS)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        addresses = [normalize_email(address) for address in addresses]
    return sorted({address for address in addresses if address})


def digest_emails_listing(lead_ids: list) -> Q:
    """The outbox's staff digests that listed one of these leads (by their alerts' digest).

    A digest names several visitors: erasing one of them deletes the whole email from the
    outbox (the copy staff already received is theirs, like any email sent).
    """
    keys = (
        StaffAlert.objects.filter(lead_id__in=lead_ids, digest_key__isnull=False)
        .values_list("digest_key", flat=True)
        .distinct()
    )
    return Q(origin_label=DIGEST_ORIGIN, origin_id__in=[str(key) for key in keys])


def admin_url(name: str, *args, query: str = "") -> str:
    """An absolute link into the admin (SITE_URL + the admin's own path)."""
    return f"{settings.SITE_URL}{reverse(name, args=args)}{query}"


@dataclass(frozen=True)
class AlertLine:
    """One arrival as the digest lists it."""

    kind: str
    at: datetime
    name: str
    email: str
    new_lead: bool
    detail: str
    link: str
    lead_link: str


def _excerpt(text: str, length: int = MESSAGE_EXCERPT_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def alert_lines(alerts: list[StaffAlert]) -> list[AlertLine]:
    """Describe ``alerts`` (their leads selected) with the submission each one points at.

    Two queries whatever the number: the contact messages, then the early-access requests.
    """

    def ids(kind: str) -> list:
        return [alert.object_id for alert in alerts if alert.kind == kind and alert.object_id]

    messages = ContactMessage.objects.in_bulk(ids(StaffAlert.Kind.CONTACT_MESSAGE))
    requests = EarlyAccessRequest.objects.in_bulk(ids(StaffAlert.Kind.EARLY_ACCESS))
    lines = []
    for alert in alerts:
        lead = alert.lead
        lead_link = admin_url("admin:leads_userslead_change", lead.pk)
        link, detail = lead_link, ""
        if alert.kind == StaffAlert.Kind.CONTACT_MESSAGE:
            message = messages.get(alert.object_id)
            if message is not None:
                link = admin_url("admin:leads_contactmessage_change", message.pk)
                subject = f"{message.subject}: " if message.subject else ""
                detail = subject + _excerpt(message.message)
        elif alert.kind == StaffAlert.Kind.EARLY_ACCESS:
            request = requests.get(alert.object_id)
            if request is not None:
                link = admin_url("admin:leads_earlyaccessrequest_change", request.pk)
                parts = [request.get_intent_level_display(), request.get_investment_range_display()]
                detail = ", ".join([*parts, *([request.city] if request.city else [])])
        else:
            detail = f"via {lead.get_source_display()}"
        lines.append(
            AlertLine(
                kind=alert.get_kind_display(),
                at=timezone.localtime(alert.created_at),
                name=lead.name,
                email=lead.email,
                # A new lead's own alert says so already.
                new_lead=alert.new_lead and alert.kind != StaffAlert.Kind.NEW_LEAD,
                detail=detail,
                link=link,
                lead_link=lead_link,
            )
        )
    return lines
