"""Reads for staff alerts: who gets the digest, and what each alert says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import SALES, SUPPORT
from alerts.models import StaffAlert
from core.emails import normalize_email

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


def excerpt(text: str, length: int = MESSAGE_EXCERPT_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# What each alerted submission says and where it is, given by the app that stores them (leads
# registers its contact messages and early-access requests from its ready()): alerts imports no
# app above it. A source takes the alerts and returns {(kind, object_id): (link, detail)}.
SubmissionDetails = Callable[[list[StaffAlert]], dict[tuple[str, Any], tuple[str, str]]]
_submission_details: list[SubmissionDetails] = []


def register_submission_details(source: SubmissionDetails) -> None:
    if source not in _submission_details:
        _submission_details.append(source)


def alert_lines(alerts: list[StaffAlert]) -> list[AlertLine]:
    """Describe ``alerts`` (their leads selected) with the submission each one points at: the
    registered sources' queries (two for the leads: messages, then early-access requests)."""
    details: dict[tuple[str, Any], tuple[str, str]] = {}
    for source in _submission_details:
        details.update(source(alerts))
    lines = []
    for alert in alerts:
        lead = alert.lead
        lead_link = admin_url("admin:leads_userslead_change", lead.pk)
        if alert.kind == StaffAlert.Kind.NEW_LEAD:
            link, detail = lead_link, f"via {lead.get_source_display()}"
        else:
            link, detail = details.get((alert.kind, alert.object_id), (lead_link, ""))
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
