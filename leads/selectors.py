"""Reads for lead capture and the staff workspace.

Over 400 lines on purpose: the lead pages' reads, the lead timeline's six sources among them.
"""

import heapq
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from django.db.models import (
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Replace
from django.urls import reverse

from core.db.expressions import correlated_count
from core.timeline import TimelineLine
from leads.environment import current_environment
from leads.models import (
    ChoiceIntent,
    ChoiceKey,
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    IntentLevel,
    InvestmentRange,
    LeadEvent,
    LeadEventType,
    LeadSource,
    PageSession,
    PropertyType,
    UsersLead,
)
from leads.normalize import normalize_email
from outbox.models import OutboxEmail
from outbox.selectors import email_status_text, emails_by_id

# How many of each kind of record the lead page reads: a fixed number of rows and queries,
# however long the lead's history is.
TIMELINE_LIMIT_PER_KIND = 50

# Events that record a submission; the submission's own row is the timeline entry and the
# event only adds its metadata behind the disclosure.
SUBMISSION_EVENT_TYPES = (
    LeadEventType.CHOICES_SUBMITTED,
    LeadEventType.EARLY_ACCESS_REQUESTED,
    LeadEventType.CONTACT_MESSAGE_SENT,
)
# Events that may carry an early-access request's preferred property type (the legacy import
# copied it into its event too).
PROPERTY_TYPE_EVENT_TYPES = (
    LeadEventType.EARLY_ACCESS_REQUESTED,
    LeadEventType.LEGACY_RECORD_IMPORTED,
)
# Page sessions are entries of their own; their events repeat the session row.
ROW_EVENT_TYPES = (*SUBMISSION_EVENT_TYPES, LeadEventType.PAGE_SESSION_RECORDED)


def lead_get_by_email(*, email: str) -> UsersLead | None:
    """Return this environment's lead for ``email`` in any letter case, or None."""
    return UsersLead.objects.filter(
        email=normalize_email(email), environment=current_environment()
    ).first()


def _count_of(queryset: QuerySet, *, distinct: str | None = None):
    # A correlated subquery per lead along the child table's lead_id index: PostgreSQL runs it
    # only for the rows it returns, so a page of 100 costs 100 index probes at any table size.
    return correlated_count(queryset.filter(lead=OuterRef("pk")), "lead", distinct=distinct)


def leads_with_submission_counts(queryset: QuerySet[UsersLead]) -> QuerySet[UsersLead]:
    """Annotate each lead with its questionnaires, early-access requests and messages.

    A questionnaire is one submission of several answers that share their ``created_at``.
    """
    return queryset.annotate(
        choices_count=_count_of(ChoicesResponse.objects.all(), distinct="created_at"),
        early_access_count=_count_of(EarlyAccessRequest.objects.all()),
        contact_message_count=_count_of(ContactMessage.objects.all()),
    )


def leads_attach_submission_counts(leads: list[UsersLead]) -> list[UsersLead]:
    """Set the three submission counts on ``leads`` (a page of them) with one query.

    Counting after pagination keeps the cost to the page's rows: a correlated subquery in the
    list's own query would also run for every row an OFFSET skips.
    """
    if not leads:
        return leads
    rows = leads_with_submission_counts(
        UsersLead.objects.filter(pk__in=[lead.pk for lead in leads]).order_by()
    ).values_list("pk", "choices_count", "early_access_count", "contact_message_count")
    counts = {pk: numbers for pk, *numbers in rows}
    for lead in leads:
        lead.choices_count, lead.early_access_count, lead.contact_message_count = counts.get(
            lead.pk, (0, 0, 0)
        )
    return leads


def early_access_property_type_subquery() -> Subquery:
    """Return the preferred property type of an early-access request, read from its event.

    The public form keeps it in the request's ``EARLY_ACCESS_REQUESTED`` event (the legacy
    import in its ``LEGACY_RECORD_IMPORTED`` one); the lookup runs
    along the events' lead_id index, so a page of requests costs one probe per row.
    """
    # Ids compared without hyphens: SQLite stores a UUID as 32 hex digits, the event as text.
    request_id = Replace(
        KeyTextTransform("early_access_request_id", "metadata"),
        Value("-"),
        Value(""),
        output_field=TextField(),
    )
    own_id = Replace(
        Cast(OuterRef("pk"), output_field=TextField()),
        Value("-"),
        Value(""),
        output_field=TextField(),
    )
    return Coalesce(
        Subquery(
            LeadEvent.objects.filter(
                lead=OuterRef("lead_id"), event_type__in=PROPERTY_TYPE_EVENT_TYPES
            )
            .annotate(request_id=request_id)
            .filter(request_id=own_id)
            .order_by()
            .annotate(property_type=KeyTextTransform("preferred_property_type", "metadata"))
            .values("property_type")[:1]
        ),
        Value(""),
        output_field=TextField(),
    )


def early_access_requests_with_property_type(
    queryset: QuerySet[EarlyAccessRequest],
) -> QuerySet[EarlyAccessRequest]:
    return queryset.annotate(preferred_property_type=early_access_property_type_subquery())


# --- The lead page's timeline ---------------------------------------------------------------


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value or "—"


def _admin_url(record) -> str:
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def _choices_entries(rows: list[ChoicesResponse], events: dict[str, LeadEvent]):
    # One questionnaire = the answers saved together (the service stamps them with one time).
    for at, answers in groupby(rows, key=lambda row: row.created_at):
        answers = list(answers)
        values = {row.choice_key: row.choice_value for row in answers}
        parts = []
        if ChoiceKey.INTENT in values:
            parts.append(_label(ChoiceIntent, values.pop(ChoiceKey.INTENT)))
        if ChoiceKey.NPS in values:
            parts.append(f"score {values.pop(ChoiceKey.NPS)}/10")
        parts.extend(f"{key}: {value}" for key, value in values.items())
        details = {row.choice_key: row.choice_value for row in answers}
        for row in answers:
            event = events.get(str(row.pk))
            if event is not None:
                details.update({f"event.{k}": v for k, v in event.metadata.items()})
                break
        yield TimelineLine(
            at=at,
            kind="choices",
            label="Answered the questionnaire",
            summary=", ".join(parts),
            url=_admin_url(answers[0]),
            details=details,
        )


def _early_access_entry(request: EarlyAccessRequest, event: LeadEvent | None):
    property_type = (event.metadata.get("preferred_property_type") if event else "") or ""
    parts = [
        _label(IntentLevel, request.intent_level).lower(),
        _label(InvestmentRange, request.investment_range),
    ]
    if property_type:
        parts.append(_label(PropertyType, property_type).lower())
    if request.city:
        parts.append(f"in {request.city}")
    summary = ", ".join(parts)
    if request.notes:
        summary += f"\n“{request.notes}”"
    details = {
        "intent_level": request.intent_level,
        "investment_range": request.investment_range,
        "city": request.city,
    }
    if event is not None:
        details.update({f"event.{k}": v for k, v in event.metadata.items()})
    return TimelineLine(
        at=request.created_at,
        kind="early-access",
        label="Asked for early access",
        summary=summary[:1].upper() + summary[1:],
        url=_admin_url(request),
        details=details,
    )


def _contact_message_entry(message: ContactMessage, event: LeadEvent | None):
    state = "answered" if message.responded else "awaiting a reply"
    details = {"subject": message.subject, "responded": message.responded}
    if event is not None:
        details.update({f"event.{k}": v for k, v in event.metadata.items()})
    return TimelineLine(
        at=message.created_at,
        kind="contact-message",
        label=f"Sent a message ({state})" + (f": {message.subject}" if message.subject else ""),
        summary=message.message,
        url=_admin_url(message),
        details=details,
    )


def _page_session_entry(session: PageSession):
    origin = []
    if session.utm_source:
        origin.append(f"from {session.utm_source}")
    if session.utm_campaign:
        origin.append(f"campaign {session.utm_campaign}")
    if not origin and session.referrer:
        origin.append(f"referred by {session.referrer}")
    return TimelineLine(
        at=session.created_at,
        kind="page-session",
        label=f"Visited {session.page}",
        summary=", ".join(origin) or "Direct visit",
        url=_admin_url(session),
        details={
            "page": session.page,
            "referrer": session.referrer,
            "utm_source": session.utm_source,
            "utm_campaign": session.utm_campaign,
        },
    )


def _changes_summary(changes: dict) -> str:
    lines = []
    for name, pair in changes.items():
        before, after = (pair + ["", ""])[:2] if isinstance(pair, list) else ("", pair)
        lines.append(f"{name}: “{before or '—'}” → “{after or '—'}”")
    return "\n".join(lines)


def _reply_entry(event: LeadEvent, email: OutboxEmail | None) -> TimelineLine:
    """A reply sent from the admin, with where its email is (queued, sent, failed: why...)."""
    meta = event.metadata or {}
    url = ""
    if meta.get("contact_message_id"):
        url = reverse("admin:leads_contactmessage_change", args=[meta["contact_message_id"]])
    return TimelineLine(
        at=event.created_at,
        kind="reply",
        label=(
            f"Replied by {meta.get('by') or 'staff'} by email ({email_status_text(email)}): "
            f"{meta.get('subject', '')}"
        ),
        summary=meta.get("body", ""),
        url=url,
        details=dict(meta),
    )


def _reply_emails(events) -> dict[int, OutboxEmail]:
    """The outbox rows of the replies among ``events``: one query, none without replies."""
    return emails_by_id(
        (event.metadata or {}).get("outbox_email_id")
        for event in events
        if event.event_type == LeadEventType.CONTACT_MESSAGE_REPLIED
    )


def _event_entry(event: LeadEvent, emails: dict | None = None) -> TimelineLine | None:
    meta = event.metadata or {}
    by = meta.get("by") or "staff"
    kind, label, summary, url = "event", event.get_event_type_display(), "", ""
    match event.event_type:
        case LeadEventType.CONTACT_MESSAGE_REPLIED:
            return _reply_entry(event, (emails or {}).get(meta.get("outbox_email_id")))
        case LeadEventType.LEAD_EDITED:
            kind, label = "staff-edit", f"Edited by {by}"
            summary = _changes_summary(meta.get("changes") or {})
        case LeadEventType.CONTACT_MESSAGE_RESPONDED:
            kind, label = "staff-edit", f"Message marked responded by {by}"
        case LeadEventType.CONTACT_MESSAGE_REOPENED:
            kind, label = "staff-edit", f"Message marked not responded by {by}"
        case LeadEventType.LEAD_CONVERTED:
            kind, label = "conversion", f"Converted to a contact by {by}"
            how = "linked to the existing contact" if meta.get("linked_existing_contact") else ""
            summary = f"{meta.get('contact_name', '?')} in {meta.get('organization_name', '?')}"
            summary += f" ({how})" if how else ""
            if meta.get("contact_id"):
                url = reverse("admin:crm_contact_change", args=[meta["contact_id"]])
        case LeadEventType.LEAD_CAPTURED:
            kind = "captured"
            label = f"Recorded from {_label(LeadSource, meta.get('source', '')).lower()}"
            summary = "First contact" if meta.get("new_lead") else "Returning lead"
        case LeadEventType.LEGACY_RECORD_IMPORTED:
            kind, label = "captured", "Imported from the legacy database"
            table = meta.get("legacy_table") or meta.get("table")
            summary = f"From {table}" if table else ""
    return TimelineLine(
        at=event.created_at,
        kind=kind,
        label=label,
        summary=summary,
        url=url,
        details=dict(meta),
    )


def lead_timeline(*, lead: UsersLead, limit: int = TIMELINE_LIMIT_PER_KIND) -> list:
    """Return everything ``lead`` did and staff did to it, newest first, in readable words.

    Six queries whatever the history holds: the latest ``limit`` questionnaires' answers,
    early-access requests, contact messages, page sessions, staff/other events, and the
    submission events whose metadata (e.g. the preferred property type) enriches the rows;
    a seventh reads the outbox rows of the replies among those events, when there are any.
    """
    newest = ("-created_at", "-pk")
    choices = list(lead.choices_responses.order_by(*newest)[: limit * 2])
    requests = list(lead.early_access_requests.order_by(*newest)[:limit])
    messages = list(lead.contact_messages.order_by(*newest)[:limit])
    sessions = list(lead.page_sessions.order_by(*newest)[:limit])
    other_events = list(
        lead.events.exclude(event_type__in=ROW_EVENT_TYPES).order_by(*newest)[:limit]
    )
    enriching = (*SUBMISSION_EVENT_TYPES, LeadEventType.LEGACY_RECORD_IMPORTED)
    submission_events = lead.events.filter(event_type__in=enriching).order_by(*newest)[: limit * 3]
    by_record: dict[str, LeadEvent] = {}
    for event in submission_events:
        meta = event.metadata or {}
        for key in ("early_access_request_id", "contact_message_id"):
            if meta.get(key):
                by_record.setdefault(str(meta[key]), event)
        for record_id in meta.get("choices_response_ids") or []:
            by_record.setdefault(str(record_id), event)

    reply_emails = _reply_emails(other_events)
    streams = [
        list(_choices_entries(choices, by_record)),
        [_early_access_entry(r, by_record.get(str(r.pk))) for r in requests],
        [_contact_message_entry(m, by_record.get(str(m.pk))) for m in messages],
        [_page_session_entry(s) for s in sessions],
        [
            entry
            for entry in (_event_entry(event, reply_emails) for event in other_events)
            if entry is not None
        ],
    ]
    merged = heapq.merge(*streams, key=lambda entry: entry.at, reverse=True)
    return list(merged)


# How many leads converted into one contact the contact page shows the history of.
CONTACT_LEADS_SHOWN = 3


def lead_timeline_for_contact(*, contact, user) -> list[TimelineLine]:
    """The timelines of the leads converted into ``contact``, each line marked as the lead's.

    For staff who may view leads (Sales, Support, Managers); a fixed number of queries: one for
    the leads, then ``lead_timeline``'s six for each of at most ``CONTACT_LEADS_SHOWN``.
    """
    if not user.has_perm("leads.view_userslead"):
        return []
    leads = UsersLead.objects.for_user(user).filter(converted_contact=contact)
    entries = []
    for lead in leads.order_by("-converted_at", "pk")[:CONTACT_LEADS_SHOWN]:
        for entry in lead_timeline(lead=lead):
            entry.label = f"As lead {lead.email}: {entry.label}"
            entry.kind = f"{entry.kind} timeline-from-lead"  # marked as the lead's (CSS)
            entries.append(entry)
    return entries


@dataclass
class ContactMessageReply:
    """A reply sent to a contact message, as its admin page lists it."""

    at: datetime
    by: str
    subject: str
    body: str
    status: str
    email: OutboxEmail | None


def contact_message_replies(*, message: ContactMessage) -> list[ContactMessageReply]:
    """The replies sent to ``message``, newest first, each with its email's status (2 queries)."""
    events = list(
        LeadEvent.objects.filter(
            lead_id=message.lead_id,
            event_type=LeadEventType.CONTACT_MESSAGE_REPLIED,
            metadata__contact_message_id=str(message.pk),
        ).order_by("-created_at", "-pk")[:TIMELINE_LIMIT_PER_KIND]
    )
    emails = _reply_emails(events)
    replies = []
    for event in events:
        meta = event.metadata or {}
        email = emails.get(meta.get("outbox_email_id"))
        replies.append(
            ContactMessageReply(
                at=event.created_at,
                by=meta.get("by") or "staff",
                subject=meta.get("subject", ""),
                body=meta.get("body", ""),
                status=email_status_text(email),
                email=email,
            )
        )
    return replies
