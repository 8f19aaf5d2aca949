"""Writes for lead capture: one atomic service per operation, each leaving one lead event.

A submission finds or creates its lead with insert-or-ignore on the unique
(email, environment) constraint and then locks that row, so two visitors racing with one
address end up on one lead and both submissions are kept.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leads import events
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
    LeadSource,
    PageSession,
    PropertyType,
    UsersLead,
)
from leads.normalize import normalize_email

NPS_MIN, NPS_MAX = 0, 10
CONTACT_MESSAGE_MIN_LENGTH = 10


def lead_upsert(
    *, email: str, source: str, name: str = "", phone: str = ""
) -> tuple[UsersLead, bool]:
    """Return the locked lead for ``email`` in this environment and whether it is new.

    A returning lead has ``last_seen_at`` moved and blank name/phone filled; a known value is
    never replaced by a blank one and the first ``source`` stays. Call inside a transaction.
    """
    email = normalize_email(email)
    if not email:
        raise ValidationError({"email": "An email address is required."})
    name, phone = name.strip(), phone.strip()
    now = timezone.now()
    environment = current_environment()
    candidate = UsersLead(
        email=email,
        name=name,
        phone=phone,
        source=source,
        first_seen_at=now,
        last_seen_at=now,
        environment=environment,
    )
    # ON CONFLICT DO NOTHING: a concurrent insert of this email makes ours a no-op (after
    # waiting for it to commit) instead of an IntegrityError; never "look, then insert".
    UsersLead.objects.bulk_create([candidate], ignore_conflicts=True)
    # The row lock serializes the merge below between concurrent submissions.
    lead = UsersLead.objects.select_for_update().get(email=email, environment=environment)
    if lead.pk == candidate.pk:
        return lead, True
    update_fields = ["last_seen_at"]
    lead.last_seen_at = max(lead.last_seen_at, now)
    if name and not lead.name:
        lead.name = name
        update_fields.append("name")
    if phone and not lead.phone:
        lead.phone = phone
        update_fields.append("phone")
    lead.save(update_fields=update_fields)
    return lead, False


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


@transaction.atomic
def choices_submit(
    *, email: str, intent: str, nps: int, name: str = "", visitor_key: str = ""
) -> list[ChoicesResponse]:
    """Store one questionnaire: one ``choices_responses`` row per answer, on the lead."""
    if intent not in ChoiceIntent.values:
        raise ValidationError({"intent": f"Unknown intent {intent!r}."})
    if not NPS_MIN <= nps <= NPS_MAX:
        raise ValidationError({"nps": f"The score must be between {NPS_MIN} and {NPS_MAX}."})
    lead, created = lead_upsert(email=email, source=LeadSource.CHOICES, name=name)
    now = timezone.now()
    responses = ChoicesResponse.objects.bulk_create(
        [
            ChoicesResponse(
                lead=lead, choice_key=ChoiceKey.INTENT, choice_value=intent, created_at=now
            ),
            ChoicesResponse(
                lead=lead, choice_key=ChoiceKey.NPS, choice_value=str(nps), created_at=now
            ),
        ]
    )
    page_sessions_attribute(lead=lead, visitor_key=visitor_key)
    events.lead_choices_submitted_event(lead=lead, responses=responses, created=created)
    return responses


@transaction.atomic
def early_access_request_create(
    *,
    email: str,
    intent_level: str,
    investment_range: str,
    city: str,
    name: str = "",
    preferred_property_type: str = "",
    notes: str = "",
    visitor_key: str = "",
) -> EarlyAccessRequest:
    """Store an early-access request; the preferred property type goes into the event."""
    if intent_level not in IntentLevel.values:
        raise ValidationError({"intent_level": f"Unknown intent {intent_level!r}."})
    if investment_range not in InvestmentRange.values:
        raise ValidationError({"investment_range": f"Unknown range {investment_range!r}."})
    if preferred_property_type and preferred_property_type not in PropertyType.values:
        raise ValidationError({"preferred_property_type": "Unknown property type."})
    lead, created = lead_upsert(email=email, source=LeadSource.EARLY_ACCESS, name=name)
    request = EarlyAccessRequest.objects.create(
        lead=lead,
        intent_level=intent_level,
        investment_range=investment_range,
        city=city.strip(),
        notes=notes.strip(),
    )
    page_sessions_attribute(lead=lead, visitor_key=visitor_key)
    events.lead_early_access_requested_event(
        lead=lead,
        request=request,
        preferred_property_type=preferred_property_type,
        created=created,
    )
    return request


@transaction.atomic
def contact_message_create(
    *,
    name: str,
    email: str,
    subject: str,
    message: str,
    phone: str = "",
    visitor_key: str = "",
) -> ContactMessage:
    """Store a contact-us message; name and phone go on the lead, the text on the message."""
    message = message.strip()
    if len(message) < CONTACT_MESSAGE_MIN_LENGTH:
        raise ValidationError(
            {"message": f"Write at least {CONTACT_MESSAGE_MIN_LENGTH} characters."}
        )
    lead, created = lead_upsert(email=email, source=LeadSource.CONTACT, name=name, phone=phone)
    contact_message = ContactMessage.objects.create(
        lead=lead, subject=subject.strip(), message=message
    )
    page_sessions_attribute(lead=lead, visitor_key=visitor_key)
    events.lead_contact_message_sent_event(lead=lead, message=contact_message, created=created)
    return contact_message


@transaction.atomic
def contact_message_mark_responded(*, message: ContactMessage, by: str) -> ContactMessage:
    """Mark ``message`` as answered by staff member ``by``; a second call changes nothing."""
    message = ContactMessage.objects.select_for_update().select_related("lead").get(pk=message.pk)
    if message.responded:
        return message
    message.responded = True
    message.save(update_fields=["responded"])
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
    message.save(update_fields=["responded"])
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
    from crm.models import Contact
    from crm.services.contacts import contact_create

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
    locked.save(update_fields=["converted_contact", "converted_at"])
    events.lead_converted_event(lead=locked, contact=contact, created=created, by=by)
    return contact
