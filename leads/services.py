"""Writes for lead capture: one atomic service per operation, each leaving one lead event.

A submission finds or creates its lead with one INSERT ... ON CONFLICT (email, environment)
DO UPDATE that applies the merge rules and returns the row, so two visitors racing with one
address end up on one lead and both submissions are kept.

On PostgreSQL a public form's submission is ONE statement (issue 21, item 1): a chain of
data-modifying CTEs (core/db/statement.py) doing the upsert, then, from its RETURNING, the
submission's own rows, its event, the page-session claim when the visitor brings a cookie, and
what it sets in motion (``notify``): the pending staff alert and the visitor's confirmation
(the day's claim and its outbox row). One statement is atomic without BEGIN/COMMIT. Only
LEAD_AUTO_ASSIGN adds a second statement (the assignment of a new lead), in one transaction
with the first. On SQLite, which has no data-modifying CTEs, the same writes are separate
statements between BEGIN and COMMIT.

Over 400 lines on purpose: every write of lead capture in one place, each one-statement
submission (PostgreSQL) beside its multi-statement twin (SQLite).
"""

import uuid
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone

from alerts.models import StaffAlert, VisitorAutoReply
from alerts.services import (
    staff_alert_create,
    staff_alert_insert,
    visitor_auto_reply_enqueue,
    visitor_auto_reply_insert,
)
from core.db.statement import WriteStatement, value_prepare
from crm.models import Contact
from crm.services.contacts import contact_create
from leads import events
from leads.environment import current_environment
from leads.models import (
    EMAIL_MAX_LENGTH,
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
    LeadStatus,
    PageSession,
    PropertyType,
    UsersLead,
)
from leads.normalize import normalize_email
from leads.pipeline import lead_auto_assign
from outbox.services import email_publish_on_commit

NPS_MIN, NPS_MAX = 0, 10
CONTACT_MESSAGE_MIN_LENGTH = 10


# One statement finds or creates the lead and applies the merge rules. The conflict target is
# the unique (email, environment) constraint, so concurrent submissions of one address meet on
# one row (PostgreSQL takes its row lock) instead of racing "look, then insert". A returning
# lead: last_seen_at moves to the later time, a blank name/phone is filled but a known one is
# never replaced, and the first source stays. CASE rather than GREATEST: SQLite has no GREATEST.
_LEAD_UPSERT_SQL = """
INSERT INTO users_leads (id, email, phone, name, source, first_seen_at, last_seen_at, environment)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (email, environment) DO UPDATE SET
    last_seen_at = CASE WHEN excluded.last_seen_at > users_leads.last_seen_at
                        THEN excluded.last_seen_at ELSE users_leads.last_seen_at END,
    name = CASE WHEN users_leads.name = '' THEN excluded.name ELSE users_leads.name END,
    phone = CASE WHEN users_leads.phone = '' THEN excluded.phone ELSE users_leads.phone END
RETURNING id, email, phone, name, source, first_seen_at, last_seen_at, environment
"""
_LEAD_UPSERT_FIELDS = (
    "id",
    "email",
    "phone",
    "name",
    "source",
    "first_seen_at",
    "last_seen_at",
    "environment",
)


def lead_email_clean(email: str) -> str:
    """Return ``email`` normalized, or raise ValidationError when it is blank or too long.

    Lower-casing can lengthen an address ("İ" becomes two characters), so the length is checked
    after normalizing: a clear error instead of a database error.
    """
    email = normalize_email(email)
    if not email:
        raise ValidationError({"email": "An email address is required."})
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            {"email": f"This email address is too long (at most {EMAIL_MAX_LENGTH} characters)."}
        )
    return email


class _Candidate(NamedTuple):
    """The lead row a submission would insert: its new id and normalized email."""

    pk: uuid.UUID
    email: str


# The upsert's columns, as the model's fields (their values are prepared as Django's INSERT
# prepares them).
_LEAD_UPSERT_MODEL_FIELDS = [UsersLead._meta.get_field(field) for field in _LEAD_UPSERT_FIELDS]


def _lead_candidate(
    *, email: str, source: str, name: str, phone: str
) -> tuple[_Candidate, str, list]:
    """Return the row a submission would insert, the database it goes to, and the upsert's
    parameters for it."""
    now = timezone.now()
    candidate = _Candidate(pk=uuid.uuid4(), email=lead_email_clean(email))
    row = {
        "id": candidate.pk,
        "email": candidate.email,
        "phone": phone.strip(),
        "name": name.strip(),
        "source": source,
        "first_seen_at": now,
        "last_seen_at": now,
        "environment": current_environment(),
    }
    using = router.db_for_write(UsersLead)
    connection = connections[using]
    params = [
        value_prepare(field, row[field.attname], connection) for field in _LEAD_UPSERT_MODEL_FIELDS
    ]
    return candidate, using, params


def lead_upsert(
    *, email: str, source: str, name: str = "", phone: str = ""
) -> tuple[UsersLead, bool]:
    """Return the lead for ``email`` in this environment and whether it is new, in one statement.

    A returning lead has ``last_seen_at`` moved and blank name/phone filled; a known value is
    never replaced by a blank one and the first ``source`` stays. The row stays locked until
    the caller's transaction ends; call inside one.
    """
    candidate, using, params = _lead_candidate(email=email, source=source, name=name, phone=phone)
    # A raw queryset converts the returned columns like any query (UUIDs and datetimes on
    # SQLite) and builds the model instance.
    (lead,) = UsersLead.objects.using(using).raw(_LEAD_UPSERT_SQL, params)
    # Our freshly generated id came back only if our row was the one inserted.
    created = lead.pk == candidate.pk
    if created and settings.LEAD_AUTO_ASSIGN:
        lead_auto_assign(lead=lead)
    return lead, created


# --- One statement per submission (PostgreSQL) --------------------------------------------------

# The lead's columns the statement returns, in the model's order (UsersLead.from_db).
_LEAD_RETURNED = [
    field.column
    for field in UsersLead._meta.concrete_fields
    if field.attname in _LEAD_UPSERT_FIELDS
]


def _one_statement(using: str) -> bool:
    return connections[using].vendor == "postgresql"


class _Submission:
    """One form's submission as one statement: the upsert (part ``lead``), then the parts the
    service adds, reading the lead from it; ``new_lead`` is SQL telling whether the upsert
    inserted our row (its id is the one we generated)."""

    def __init__(self, *, candidate: _Candidate, using: str, params: list):
        self.candidate = candidate
        self.using = using
        self.statement = WriteStatement(using)
        self.lead = self.statement.part("lead", _LEAD_UPSERT_SQL, params)
        self.new_lead = (f"{self.lead}.id = %s", [candidate.pk])
        self.reply: str | None = None

    def child(self, name: str, obj) -> None:
        """Insert ``obj`` (a row with a ``lead`` foreign key) on the lead."""
        obj.lead_id = self.candidate.pk  # replaced by the upsert's id in SQL
        self.statement.insert(
            name, obj, expressions={"lead_id": (f"{self.lead}.id", [])}, source=self.lead
        )

    def event(self, event_type: str, metadata_for) -> None:
        """Insert the event; ``metadata_for(created)`` is what the events.* function writes."""
        connection = self.statement.connection
        field = LeadEvent._meta.get_field("metadata")
        payloads = [
            field.get_db_prep_save(metadata_for(created), connection) for created in (True, False)
        ]
        self.statement.insert_row(
            "event",
            LeadEvent,
            {"event_type": event_type},
            expressions={
                "lead_id": (f"{self.lead}.id", []),
                "metadata": (
                    f"CASE WHEN {self.new_lead[0]} THEN %s ELSE %s END",
                    [
                        *self.new_lead[1],
                        *payloads,
                    ],
                ),
            },
            source=self.lead,
        )

    def page_sessions(self, visitor_key: str) -> None:
        """What page_sessions_attribute does. Every part sees the tables as they were before
        the statement, so the events' UPDATE takes the sessions from the claim's RETURNING and
        those of this visitor already on the lead."""
        if not visitor_key:
            return
        quote = self.statement.quote
        sessions = quote(PageSession._meta.db_table)
        lead_events = quote(LeadEvent._meta.db_table)
        lead = self.lead
        self.statement.part(
            "claimed_sessions",
            f"UPDATE {sessions} SET lead_id = {lead}.id FROM {lead} "
            f"WHERE {sessions}.visitor_key = %s AND {sessions}.lead_id IS NULL "
            f"AND {sessions}.environment = {lead}.environment RETURNING {sessions}.id",
            [visitor_key],
        )
        self.statement.part(
            "claimed_events",
            f"UPDATE {lead_events} SET lead_id = {lead}.id FROM {lead} "
            f"WHERE {lead_events}.lead_id IS NULL AND EXISTS (SELECT 1 FROM claimed_sessions) "
            f"AND {lead_events}.id IN (SELECT id FROM claimed_sessions UNION ALL "
            f"SELECT {sessions}.id FROM {sessions} WHERE {sessions}.visitor_key = %s "
            f"AND {sessions}.lead_id = {lead}.id)",
            [visitor_key],
        )

    def alert(self, kind: str, *, object_id=None, only_new_lead: bool = False) -> None:
        staff_alert_insert(
            self.statement,
            kind=kind,
            lead=self.lead,
            new_lead=self.new_lead,
            object_id=object_id,
            only_if=self.new_lead if only_new_lead else None,
        )

    def auto_reply(self, kind: str) -> None:
        self.reply = visitor_auto_reply_insert(
            self.statement, email=self.candidate.email, kind=kind
        )

    def run(self) -> tuple[UsersLead, bool]:
        """Send the statement; with LEAD_AUTO_ASSIGN, assign a new lead in the same transaction."""
        columns = ", ".join(f"{self.lead}.{column}" for column in _LEAD_RETURNED)
        reply = f"(SELECT id FROM {self.reply})" if self.reply else "NULL"
        select = f"SELECT {columns}, {reply} FROM {self.lead}"
        if settings.LEAD_AUTO_ASSIGN:
            with transaction.atomic(using=self.using):
                lead, created = self._run(select)
                if created:
                    lead_auto_assign(lead=lead)
        else:
            lead, created = self._run(select)
        return lead, created

    def _run(self, select: str) -> tuple[UsersLead, bool]:
        *values, email_id = self.statement.run(select)
        lead = UsersLead.from_db(self.using, _LEAD_RETURNED, values)
        if email_id is not None:
            email_publish_on_commit(email_id, using=self.using)
        return lead, lead.pk == self.candidate.pk


def page_sessions_attribute(*, lead: UsersLead, visitor_key: str) -> int:
    """Give this visitor's unattributed page sessions (and their events) to ``lead``."""
    if not visitor_key:
        return 0
    claimed = PageSession.objects.filter(
        visitor_key=visitor_key, lead__isnull=True, environment=lead.environment
    ).update(lead=lead)
    if claimed:
        LeadEvent.objects.filter(
            id__in=PageSession.objects.filter(visitor_key=visitor_key, lead=lead).values("id"),
            lead__isnull=True,
        ).update(lead=lead)
    return claimed


@transaction.atomic
def lead_capture(
    *,
    email: str,
    source: str = LeadSource.OTHER,
    name: str = "",
    phone: str = "",
    visitor_key: str = "",
) -> UsersLead:
    """Record a touch by ``email`` outside the public forms (an import, a call, staff entry)."""
    lead, created = lead_upsert(email=email, source=source, name=name, phone=phone)
    page_sessions_attribute(lead=lead, visitor_key=visitor_key)
    events.lead_captured_event(lead=lead, source=source, created=created)
    return lead


@transaction.atomic
def lead_update(*, lead: UsersLead, name: str, phone: str, by: str) -> UsersLead:
    """Correct a lead's name or phone as staff member ``by``; the email and source stay."""
    locked = UsersLead.objects.select_for_update().get(pk=lead.pk)
    new = {"name": name.strip(), "phone": phone.strip()}
    changes = {
        field: [getattr(locked, field), value]
        for field, value in new.items()
        if getattr(locked, field) != value
    }
    if not changes:
        return locked
    for field, (_, value) in changes.items():
        setattr(locked, field, value)
    locked.save(update_fields=list(changes))
    events.lead_edited_event(lead=locked, changes=changes, by=by)
    return locked


def choices_submit(
    *,
    email: str,
    intent: str,
    nps: int | None = None,
    name: str = "",
    visitor_key: str = "",
    client_source: str = "",
    notify: bool = True,
) -> list[ChoicesResponse]:
    """Store one questionnaire: one ``choices_responses`` row per answer, on the lead.

    ``nps`` is optional (the live front-end may leave it out): no score, no ``nps`` row.
    ``client_source`` is what the submitting site says it is; it goes into the event.
    A new lead alerts staff unless ``notify`` is false (demo data).
    """
    if intent not in ChoiceIntent.values:
        raise ValidationError({"intent": f"Unknown intent {intent!r}."})
    if nps is not None and not NPS_MIN <= nps <= NPS_MAX:
        raise ValidationError({"nps": f"The score must be between {NPS_MIN} and {NPS_MAX}."})
    answers = [(ChoiceKey.INTENT, intent)]
    if nps is not None:
        answers.append((ChoiceKey.NPS, str(nps)))
    candidate, using, params = _lead_candidate(
        email=email, source=LeadSource.CHOICES, name=name, phone=""
    )
    if not _one_statement(using):
        return _choices_submit_in_steps(
            email=email,
            answers=answers,
            name=name,
            visitor_key=visitor_key,
            client_source=client_source,
            notify=notify,
        )
    submission = _Submission(candidate=candidate, using=using, params=params)
    now = timezone.now()
    responses = [
        ChoicesResponse(choice_key=key, choice_value=value, created_at=now)
        for key, value in answers
    ]
    for number, response in enumerate(responses):
        submission.child(f"response_{number}", response)
    submission.page_sessions(visitor_key)
    submission.event(
        LeadEventType.CHOICES_SUBMITTED,
        lambda created: events.choices_submitted_metadata(
            responses=responses, created=created, client_source=client_source
        ),
    )
    if notify:
        submission.alert(StaffAlert.Kind.NEW_LEAD, only_new_lead=True)
    lead, _ = submission.run()
    for response in responses:
        response.lead = lead
        response._state.adding, response._state.db = False, using
    return responses


@transaction.atomic
def _choices_submit_in_steps(
    *, email, answers, name, visitor_key, client_source, notify
) -> list[ChoicesResponse]:
    lead, created = lead_upsert(email=email, source=LeadSource.CHOICES, name=name)
    now = timezone.now()
    responses = ChoicesResponse.objects.bulk_create(
        [
            ChoicesResponse(lead=lead, choice_key=key, choice_value=value, created_at=now)
            for key, value in answers
        ]
    )
    page_sessions_attribute(lead=lead, visitor_key=visitor_key)
    events.lead_choices_submitted_event(
        lead=lead, responses=responses, created=created, client_source=client_source
    )
    if notify and created:
        staff_alert_create(kind=StaffAlert.Kind.NEW_LEAD, lead=lead, new_lead=True)
    return responses


def early_access_request_create(
    *,
    email: str,
    intent_level: str,
    investment_range: str,
    city: str = "",
    name: str = "",
    preferred_property_type: str = "",
    notes: str = "",
    visitor_key: str = "",
    client_source: str = "",
    notify: bool = True,
) -> EarlyAccessRequest:
    """Store an early-access request; the preferred property type goes into the event.

    ``city`` is blank when the live front-end sends the request (its form has none). Staff
    are alerted and the visitor gets a confirmation unless ``notify`` is false (demo data).
    """
    if intent_level not in IntentLevel.values:
        raise ValidationError({"intent_level": f"Unknown intent {intent_level!r}."})
    if investment_range not in InvestmentRange.values:
        raise ValidationError({"investment_range": f"Unknown range {investment_range!r}."})
    if preferred_property_type and preferred_property_type not in PropertyType.values:
        raise ValidationError({"preferred_property_type": "Unknown property type."})
    candidate, using, params = _lead_candidate(
        email=email, source=LeadSource.EARLY_ACCESS, name=name, phone=""
    )
    request = EarlyAccessRequest(
        intent_level=intent_level,
        investment_range=investment_range,
        city=city.strip(),
        notes=notes.strip(),
    )
    if not _one_statement(using):
        return _early_access_request_create_in_steps(
            email=email,
            name=name,
            request=request,
            preferred_property_type=preferred_property_type,
            visitor_key=visitor_key,
            client_source=client_source,
            notify=notify,
        )
    submission = _Submission(candidate=candidate, using=using, params=params)
    submission.child("request", request)
    submission.page_sessions(visitor_key)
    submission.event(
        LeadEventType.EARLY_ACCESS_REQUESTED,
        lambda created: events.early_access_requested_metadata(
            request=request,
            preferred_property_type=preferred_property_type,
            created=created,
            client_source=client_source,
        ),
    )
    if notify:
        submission.alert(StaffAlert.Kind.EARLY_ACCESS, object_id=request.pk)
        submission.auto_reply(VisitorAutoReply.Kind.EARLY_ACCESS)
    request.lead, _ = submission.run()
    request._state.adding, request._state.db = False, using
    return request


@transaction.atomic
def _early_access_request_create_in_steps(
    *, email, name, request, preferred_property_type, visitor_key, client_source, notify
) -> EarlyAccessRequest:
    lead, created = lead_upsert(email=email, source=LeadSource.EARLY_ACCESS, name=name)
    request.lead = lead
    request.save(force_insert=True)
    page_sessions_attribute(lead=lead, visitor_key=visitor_key)
    events.lead_early_access_requested_event(
        lead=lead,
        request=request,
        preferred_property_type=preferred_property_type,
        created=created,
        client_source=client_source,
    )
    if notify:
        staff_alert_create(
            kind=StaffAlert.Kind.EARLY_ACCESS, lead=lead, object_id=request.pk, new_lead=created
        )
        visitor_auto_reply_enqueue(email=lead.email, kind=VisitorAutoReply.Kind.EARLY_ACCESS)
    return request


def contact_message_create(
    *,
    name: str,
    email: str,
    message: str,
    subject: str = "",
    phone: str = "",
    visitor_key: str = "",
    notify: bool = True,
) -> ContactMessage:
    """Store a contact-us message; name and phone go on the lead, the text on the message.

    ``subject`` is blank when the live front-end sends the message (its form has none). Staff
    are alerted and the visitor gets a confirmation unless ``notify`` is false (demo data).
    """
    message = message.strip()
    if len(message) < CONTACT_MESSAGE_MIN_LENGTH:
        raise ValidationError(
            {"message": f"Write at least {CONTACT_MESSAGE_MIN_LENGTH} characters."}
        )
    candidate, using, params = _lead_candidate(
        email=email, source=LeadSource.CONTACT, name=name, phone=phone
    )
    contact_message = ContactMessage(subject=subject.strip(), message=message)
    if not _one_statement(using):
        return _contact_message_create_in_steps(
            email=email,
            name=name,
            phone=phone,
            contact_message=contact_message,
            visitor_key=visitor_key,
            notify=notify,
        )
    submission = _Submission(candidate=candidate, using=using, params=params)
    submission.child("message", contact_message)
    submission.page_sessions(visitor_key)
    submission.event(
        LeadEventType.CONTACT_MESSAGE_SENT,
        lambda created: events.contact_message_sent_metadata(
            message=contact_message, created=created
        ),
    )
    if notify:
        submission.alert(StaffAlert.Kind.CONTACT_MESSAGE, object_id=contact_message.pk)
        submission.auto_reply(VisitorAutoReply.Kind.CONTACT_MESSAGE)
    contact_message.lead, _ = submission.run()
    contact_message._state.adding, contact_message._state.db = False, using
    return contact_message


@transaction.atomic
def _contact_message_create_in_steps(
    *, email, name, phone, contact_message, visitor_key, notify
) -> ContactMessage:
    lead, created = lead_upsert(email=email, source=LeadSource.CONTACT, name=name, phone=phone)
    contact_message.lead = lead
    contact_message.save(force_insert=True)
    page_sessions_attribute(lead=lead, visitor_key=visitor_key)
    events.lead_contact_message_sent_event(lead=lead, message=contact_message, created=created)
    if notify:
        staff_alert_create(
            kind=StaffAlert.Kind.CONTACT_MESSAGE,
            lead=lead,
            object_id=contact_message.pk,
            new_lead=created,
        )
        visitor_auto_reply_enqueue(email=lead.email, kind=VisitorAutoReply.Kind.CONTACT_MESSAGE)
    return contact_message


@transaction.atomic
def contact_message_mark_responded(
    *, message: ContactMessage, by: str, user=None
) -> ContactMessage:
    """Mark ``message`` as answered by staff member ``by`` (``user``, when known), now; a
    second call changes nothing. Replying by email (leads/replies.py) marks it too."""
    message = ContactMessage.objects.select_for_update().select_related("lead").get(pk=message.pk)
    if message.responded:
        return message
    message.responded = True
    message.responded_at = timezone.now()
    message.responded_by = user
    message.save(update_fields=["responded", "responded_at", "responded_by"])
    events.lead_contact_message_responded_event(message=message, by=by)
    return message


@transaction.atomic
def page_session_record(
    *,
    page: str,
    referrer: str = "",
    utm_source: str = "",
    utm_campaign: str = "",
    visitor_key: str = "",
) -> PageSession:
    """Record a visit; a visitor who already became a lead has it attributed at once."""
    lead = None
    if visitor_key:
        known = (
            PageSession.objects.filter(
                visitor_key=visitor_key,
                lead__isnull=False,
                environment=current_environment(),
            )
            .select_related("lead")
            .first()
        )
        lead = known.lead if known else None
    session = PageSession.objects.create(
        lead=lead,
        visitor_key=visitor_key,
        page=page,
        referrer=referrer,
        utm_source=utm_source,
        utm_campaign=utm_campaign,
    )
    events.lead_page_session_recorded_event(session=session)
    return session


# --- Staff workspace: contact messages and lead-to-contact conversion -------------------------


@transaction.atomic
def contact_message_mark_not_responded(*, message: ContactMessage, by: str) -> ContactMessage:
    """Put ``message`` back in the awaiting-reply queue as staff member ``by``."""
    message = ContactMessage.objects.select_for_update().select_related("lead").get(pk=message.pk)
    if not message.responded:
        return message
    message.responded = False
    message.responded_at = None
    message.responded_by = None
    message.save(update_fields=["responded", "responded_at", "responded_by"])
    events.lead_contact_message_reopened_event(message=message, by=by)
    return message


class LeadAlreadyConverted(ValidationError):
    """The lead was converted before; the message says into which contact and organization."""

    def __init__(self, lead: UsersLead):
        contact = lead.converted_contact
        when = timezone.localtime(lead.converted_at).strftime("%Y-%m-%d %H:%M")
        if contact is None:
            where = f"a contact that has since been deleted (converted {when})"
        else:
            where = f"contact “{contact.name}” of {contact.organization.name} (converted {when})"
        super().__init__(f"{lead.email} is already converted: it went to {where}.")
        self.lead = lead


@transaction.atomic
def lead_convert_to_contact(
    *,
    lead: UsersLead,
    organization,
    contact_type: str | None = None,
    by: str,
):
    """Turn ``lead`` into a contact of ``organization``, at most once; return the contact.

    The lead row is locked first, so two staff converting the same lead at once end with one
    contact (the second waits, then sees the conversion and is told where it went). A contact
    of ``organization`` with the lead's email (in any letter case) is linked instead of
    duplicated; otherwise a new one is created through the contact services.
    """
    contact_type = contact_type or Contact.Type.INDIVIDUAL
    locked = (
        UsersLead.objects.select_for_update(of=("self",))
        .select_related("converted_contact__organization")
        .get(pk=lead.pk)
    )
    if locked.converted_at is not None:
        raise LeadAlreadyConverted(locked)
    # Serialize conversions into one organization, so that two different leads with one
    # email cannot both create a contact (the unique rule is case-sensitive, emails are not).
    type(organization).objects.select_for_update().filter(pk=organization.pk).first()
    contact = (
        Contact.objects.filter(organization=organization, email__iexact=locked.email)
        .order_by("created_at")
        .first()
    )
    created = contact is None
    if created:
        contact = contact_create(
            organization=organization,
            name=locked.name or locked.email.split("@")[0],
            contact_type=contact_type,
            email=locked.email,
            phone=locked.phone,
        )
    contact.organization = organization
    locked.converted_contact = contact
    locked.converted_at = timezone.now()
    locked.status = LeadStatus.CONVERTED
    locked.save(update_fields=["converted_contact", "converted_at", "status"])
    events.lead_converted_event(lead=locked, contact=contact, created=created, by=by)
    return contact
