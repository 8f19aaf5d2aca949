"""Demo lead-capture data, written through the same services as the public forms.

Demo submissions pass ``notify=False``: they alert no staff and write no visitor email.
"""

import random
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from crm.models import Organization
from leads import services
from leads.models import (
    ChoiceIntent,
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    IntentLevel,
    InvestmentRange,
    LeadEvent,
    LeadEventType,
    PageSession,
    PropertyType,
    UsersLead,
)
from leads.pipeline import lead_owner_candidates, leads_assign_owner, leads_set_status

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
        notify=False,
        email="Priya.Nair@Example.com",
        intent=ChoiceIntent.INVEST,
        nps=9,
        visitor_key=DEMO_VISITOR,
    )
    services.early_access_request_create(
        notify=False,
        email="priya.nair@example.com",
        name="Priya Nair",
        intent_level=IntentLevel.MEDIUM,
        investment_range=InvestmentRange.FIFTY_K_TO_TWO_L,
        city="Pune",
        preferred_property_type=PropertyType.RESIDENTIAL,
        visitor_key=DEMO_VISITOR,
    )
    message = services.contact_message_create(
        notify=False,
        name="Priya Nair",
        email="  PRIYA.NAIR@example.com ",
        phone="+91 99000 12345",
        subject="Baner project",
        message="Is the Baner project still open for small investors?",
        visitor_key=DEMO_VISITOR,
    )
    services.contact_message_mark_responded(message=message, by="demo")
    services.choices_submit(
        notify=False,
        email="arjun.k@example.com",
        name="Arjun Kapoor",
        intent=ChoiceIntent.LIST_PROPERTY,
        nps=6,
    )
    services.contact_message_create(
        notify=False,
        name="Meera Iyer",
        email="meera.iyer@example.com",
        subject="Listing my flat",
        message="I own a 2BHK in Whitefield and want to list it. Whom do I talk to?",
    )
    services.early_access_request_create(
        notify=False,
        email="sam.dsouza@example.com",
        name="Sam D'Souza",
        intent_level=IntentLevel.LOW,
        investment_range=InvestmentRange.BELOW_10K,
        city="Goa",
    )
    seed_lead_history()


# A few weeks of ordinary traffic, so the dashboard and the lists have something to show.
HISTORY_DOMAIN = "demo.example.com"
HISTORY_PEOPLE = 56
HISTORY_DAYS = 60
# The agency whose sales staff turn some of these leads into contacts.
CONVERTED_INTO = "brightsmile-dental"
FIRST_NAMES = ["Aarav", "Diya", "Kabir", "Anaya", "Vivaan", "Isha", "Rohan", "Tara", "Neel", "Zoya"]
LAST_NAMES = ["Shah", "Menon", "Rao", "Gupta", "Pillai", "Das", "Bose", "Khan", "Jain", "Sethi"]
CAMPAIGNS = [
    ("google", "pune-launch", "https://www.google.com/"),
    ("instagram", "diwali-offer", "https://www.instagram.com/"),
    ("newsletter", "november", ""),
]


def seed_lead_history(*, seed: int = 7) -> None:
    """Replace the generated history: people arriving over 60 days by every form.

    Each submission goes through the public forms' services and is then moved back in time as
    a whole (the lead's seen times, its submission and its event together), so every row stays
    consistent with the others.
    """
    PageSession.objects.filter(visitor_key__startswith="demo-history-").delete()
    LeadEvent.objects.filter(metadata__visitor_key__startswith="demo-history-").delete()
    UsersLead.objects.filter(email__endswith=f"@{HISTORY_DOMAIN}").delete()
    rng = random.Random(seed)
    for index in range(HISTORY_PEOPLE):
        first, last = FIRST_NAMES[index % 10], LAST_NAMES[(index * 3 + index // 10) % 10]
        email = f"{first}.{last}{index}@{HISTORY_DOMAIN}".lower()
        # More people lately than two months ago.
        visits = sorted(
            (HISTORY_DAYS * rng.random() ** 1.6 for _ in range(rng.choice([1, 1, 1, 2, 3]))),
            reverse=True,
        )
        visitor_key = f"demo-history-{index}" if rng.random() < 0.4 else ""
        for days in visits:
            since = timezone.now()
            if visitor_key:
                utm_source, campaign, referrer = rng.choice(CAMPAIGNS)
                services.page_session_record(
                    page=f"/?utm_source={utm_source}&utm_campaign={campaign}",
                    referrer=referrer,
                    utm_source=utm_source,
                    utm_campaign=campaign,
                    visitor_key=visitor_key,
                )
            _submit_something(rng, email=email, name=f"{first} {last}", visitor_key=visitor_key)
            _move_back(email=email, since=since, delta=timedelta(days=days))
    _convert_some(every=7)
    _work_some()


def _work_some() -> None:
    """Give the open history leads the statuses and owners that staff's work would leave."""

    history = list(
        UsersLead.objects.filter(email__endswith=f"@{HISTORY_DOMAIN}", converted_at__isnull=True)
        .select_related("owner")
        .order_by("email")
    )
    for status, every in (("CONTACTED", 3), ("QUALIFIED", 5), ("UNQUALIFIED", 11)):
        leads_set_status(leads=history[1::every], status=status, by="demo")
    owners = list(lead_owner_candidates().filter(is_superuser=False))
    for index, owner in enumerate(owners):
        leads_assign_owner(leads=history[index :: len(owners) + 1], owner=owner, by="demo")


def _convert_some(*, every: int) -> None:
    """Convert every ``every``-th history lead into a contact, as sales staff would."""

    organization = Organization.objects.filter(slug=CONVERTED_INTO).first()
    if organization is None:
        return
    history = UsersLead.objects.filter(email__endswith=f"@{HISTORY_DOMAIN}").order_by("email")
    for lead in list(history)[::every]:
        services.lead_convert_to_contact(lead=lead, organization=organization, by="demo")


def _submit_something(rng: random.Random, *, email: str, name: str, visitor_key: str) -> None:
    form = rng.choices(["choices", "early", "contact"], weights=[5, 4, 2])[0]
    if form == "choices":
        services.choices_submit(
            notify=False,
            email=email,
            name=name if rng.random() < 0.6 else "",
            intent=rng.choice(ChoiceIntent.values),
            nps=rng.randint(3, 10),
            visitor_key=visitor_key,
        )
    elif form == "early":
        services.early_access_request_create(
            notify=False,
            email=email,
            name=name,
            intent_level=rng.choice(IntentLevel.values),
            investment_range=rng.choice(InvestmentRange.values),
            city=rng.choice(["Pune", "Mumbai", "Bengaluru", "Goa", ""]),
            preferred_property_type=rng.choice([*PropertyType.values, ""]),
            visitor_key=visitor_key,
        )
    else:
        message = services.contact_message_create(
            notify=False,
            name=name,
            email=email,
            subject=rng.choice(["Minimum investment", "Site visit", "Returns so far"]),
            message="Could someone call me back about investing with you this month?",
            visitor_key=visitor_key,
        )
        if rng.random() < 0.5:
            services.contact_message_mark_responded(message=message, by="demo")


def _move_back(*, email: str, since, delta: timedelta) -> None:
    """Move what ``email`` did since ``since`` back by ``delta``, consistently."""
    lead = UsersLead.objects.get(email=email)
    first_visit = lead.first_seen_at >= since
    UsersLead.objects.filter(pk=lead.pk).update(
        last_seen_at=F("last_seen_at") - delta,
        **({"first_seen_at": F("first_seen_at") - delta} if first_visit else {}),
    )
    for model in (ChoicesResponse, EarlyAccessRequest, ContactMessage, LeadEvent):
        model.objects.filter(lead=lead, created_at__gte=since).update(
            created_at=F("created_at") - delta
        )
    PageSession.objects.filter(lead=lead, created_at__gte=since).update(
        created_at=F("created_at") - delta
    )
