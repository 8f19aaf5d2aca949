"""One function per lead event type; each writes one ``lead_events`` row."""

from django.conf import settings

from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    LeadEventType,
    PageSession,
    UsersLead,
)


def _event(*, lead: UsersLead | None, event_type: str, metadata: dict, **fields) -> LeadEvent:
    return LeadEvent.objects.create(lead=lead, event_type=event_type, metadata=metadata, **fields)


def lead_captured_event(*, lead: UsersLead, source: str, created: bool) -> LeadEvent:
    return _event(
        lead=lead,
        event_type=LeadEventType.LEAD_CAPTURED,
        metadata={"source": source, "new_lead": created},
    )


def lead_edited_event(*, lead: UsersLead, changes: dict, by: str) -> LeadEvent:
    return _event(
        lead=lead, event_type=LeadEventType.LEAD_EDITED, metadata={"changes": changes, "by": by}
    )


def _with_client_source(metadata: dict, client_source: str) -> dict:
    # What the submitting site called itself (the live front-end sends "website").
    return {**metadata, "client_source": client_source} if client_source else metadata


def _submitted(metadata: dict) -> dict:
    # The privacy notice in force when the visitor sent the form (issue 20, item 5).
    return {**metadata, "privacy_notice_version": settings.PRIVACY_NOTICE_VERSION}


# The submissions' metadata: written by the event functions below, and by the one-statement
# writes (leads/services.py), which build it for a new and a known lead and let the upsert's
# outcome choose, so both paths write the same payload.


def choices_submitted_metadata(
    *, responses: list[ChoicesResponse], created: bool, client_source: str = ""
) -> dict:
    return _submitted(
        _with_client_source(
            {
                "answers": {r.choice_key: r.choice_value for r in responses},
                "choices_response_ids": [str(response.id) for response in responses],
                "new_lead": created,
            },
            client_source,
        )
    )


def early_access_requested_metadata(
    *,
    request: EarlyAccessRequest,
    preferred_property_type: str,
    created: bool,
    client_source: str = "",
) -> dict:
    return _submitted(
        _with_client_source(
            {
                "early_access_request_id": str(request.id),
                "intent_level": request.intent_level,
                "investment_range": request.investment_range,
                "preferred_property_type": preferred_property_type,
                "new_lead": created,
            },
            client_source,
        )
    )


def contact_message_sent_metadata(*, message: ContactMessage, created: bool) -> dict:
    return _submitted({"contact_message_id": str(message.id), "new_lead": created})


def lead_choices_submitted_event(
    *, lead: UsersLead, responses: list[ChoicesResponse], created: bool, client_source: str = ""
) -> LeadEvent:
    return _event(
        lead=lead,
        event_type=LeadEventType.CHOICES_SUBMITTED,
        metadata=choices_submitted_metadata(
            responses=responses, created=created, client_source=client_source
        ),
    )


def lead_early_access_requested_event(
    *,
    lead: UsersLead,
    request: EarlyAccessRequest,
    preferred_property_type: str,
    created: bool,
    client_source: str = "",
) -> LeadEvent:
    return _event(
        lead=lead,
        event_type=LeadEventType.EARLY_ACCESS_REQUESTED,
        metadata=early_access_requested_metadata(
            request=request,
            preferred_property_type=preferred_property_type,
            created=created,
            client_source=client_source,
        ),
    )


def lead_contact_message_sent_event(
    *, lead: UsersLead, message: ContactMessage, created: bool
) -> LeadEvent:
    return _event(
        lead=lead,
        event_type=LeadEventType.CONTACT_MESSAGE_SENT,
        metadata=contact_message_sent_metadata(message=message, created=created),
    )


def lead_contact_message_responded_event(*, message: ContactMessage, by: str) -> LeadEvent:
    return _event(
        lead=message.lead,
        event_type=LeadEventType.CONTACT_MESSAGE_RESPONDED,
        metadata={"contact_message_id": str(message.id), "by": by},
    )


def lead_page_session_recorded_event(*, session: PageSession) -> LeadEvent:
    # The event shares the session's id, so a later submission that claims the session
    # claims its event through the primary key too.
    return _event(
        id=session.id,
        lead=session.lead,
        event_type=LeadEventType.PAGE_SESSION_RECORDED,
        metadata={
            "page_session_id": str(session.id),
            "visitor_key": session.visitor_key,
            "page": session.page,
            "utm_source": session.utm_source,
            "utm_campaign": session.utm_campaign,
            "referrer": session.referrer,
        },
    )


def lead_contact_message_reopened_event(*, message: ContactMessage, by: str) -> LeadEvent:
    return _event(
        lead=message.lead,
        event_type=LeadEventType.CONTACT_MESSAGE_REOPENED,
        metadata={"contact_message_id": str(message.id), "by": by},
    )


def lead_converted_event(*, lead: UsersLead, contact, created: bool, by: str) -> LeadEvent:
    # Names are copied so the timeline still reads well after the contact is deleted.
    return _event(
        lead=lead,
        event_type=LeadEventType.LEAD_CONVERTED,
        metadata={
            "contact_id": str(contact.pk),
            "contact_name": contact.name,
            "contact_type": contact.contact_type,
            "organization_id": str(contact.organization_id),
            "organization_name": contact.organization.name,
            "linked_existing_contact": not created,
            "by": by,
        },
    )


def lead_contact_message_replied_event(
    *, message: ContactMessage, event_id, subject: str, body: str, email_id: int, by: str
) -> LeadEvent:
    # The reply's own words are kept here (the outbox row holds them with the quote): the
    # timeline shows them, and they go with the lead when it is erased.
    return _event(
        id=event_id,
        lead=message.lead,
        event_type=LeadEventType.CONTACT_MESSAGE_REPLIED,
        metadata={
            "contact_message_id": str(message.id),
            "subject": subject,
            "body": body,
            "to": message.lead.email,
            "outbox_email_id": email_id,
            "by": by,
        },
    )
