"""Demo lead-capture data, written through the same services as the public forms."""

from leads import services
from leads.models import (
    ChoiceIntent,
    IntentLevel,
    InvestmentRange,
    LeadEvent,
    LeadEventType,
    PageSession,
    PropertyType,
    UsersLead,
)

DEMO_EMAILS = [
    "priya.nair@example.com",
    "arjun.k@example.com",
    "meera.iyer@example.com",
    "sam.dsouza@example.com",
]
DEMO_VISITOR = "demo-visitor-priya"


def seed_leads() -> None:
    """Replace the demo leads with fresh ones; Priya comes back several times in other case."""
    # Services always append a submission, so refreshing means removing the old demo first.
    PageSession.objects.filter(visitor_key=DEMO_VISITOR).delete()
    LeadEvent.objects.filter(
        event_type=LeadEventType.PAGE_SESSION_RECORDED, metadata__visitor_key=DEMO_VISITOR
    ).delete()
    UsersLead.objects.filter(email__in=DEMO_EMAILS).delete()

    services.page_session_record(
        page="/choices/?utm_source=instagram&utm_campaign=pune-launch",
        referrer="https://www.instagram.com/",
        utm_source="instagram",
        utm_campaign="pune-launch",
        visitor_key=DEMO_VISITOR,
    )
    services.choices_submit(
        email="Priya.Nair@Example.com",
        intent=ChoiceIntent.INVEST,
        nps=9,
        visitor_key=DEMO_VISITOR,
    )
    services.early_access_request_create(
        email="priya.nair@example.com",
        name="Priya Nair",
        intent_level=IntentLevel.MEDIUM,
        investment_range=InvestmentRange.FIFTY_K_TO_TWO_L,
        city="Pune",
        preferred_property_type=PropertyType.RESIDENTIAL,
        visitor_key=DEMO_VISITOR,
    )
    message = services.contact_message_create(
        name="Priya Nair",
        email="  PRIYA.NAIR@example.com ",
        phone="+91 99000 12345",
        subject="Baner project",
        message="Is the Baner project still open for small investors?",
        visitor_key=DEMO_VISITOR,
    )
    services.contact_message_mark_responded(message=message, by="demo")
    services.choices_submit(
        email="arjun.k@example.com",
        name="Arjun Kapoor",
        intent=ChoiceIntent.LIST_PROPERTY,
        nps=6,
    )
    services.contact_message_create(
        name="Meera Iyer",
        email="meera.iyer@example.com",
        subject="Listing my flat",
        message="I own a 2BHK in Whitefield and want to list it. Whom do I talk to?",
    )
    services.early_access_request_create(
        email="sam.dsouza@example.com",
        name="Sam D'Souza",
        intent_level=IntentLevel.LOW,
        investment_range=InvestmentRange.BELOW_10K,
        city="Goa",
    )
