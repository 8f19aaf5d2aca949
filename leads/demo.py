"""Demo lead-capture data."""

from core.demo import days_ago, demo_uuid
from leads.models import ChoiceResponse, ContactUs, EarlyAccessUser, Lead, WaitlistEntry


def seed_leads() -> None:
    """Create or refresh legacy lead rows, including one person spread over several tables."""
    # Priya appears in four legacy tables with different letter case and padding.
    lead_priya, _ = Lead.objects.update_or_create(
        id=demo_uuid("legacy-lead", "priya"),
        defaults={"email": "Priya.Nair@Example.com", "name": "", "source": "choices"},
        create_defaults={
            "email": "Priya.Nair@Example.com",
            "name": "",
            "source": "choices",
            "created_at": days_ago(90),
        },
    )
    lead_arjun, _ = Lead.objects.update_or_create(
        id=demo_uuid("legacy-lead", "arjun"),
        defaults={"email": "arjun.k@example.com", "name": "Arjun Kapoor", "anonymous": False},
        create_defaults={
            "email": "arjun.k@example.com",
            "name": "Arjun Kapoor",
            "anonymous": False,
            "created_at": days_ago(60),
        },
    )
    for key, lead, intent, nps, meta, age in [
        ("priya-1", lead_priya, ChoiceResponse.Intent.INVEST, 9, {"city": "Pune"}, 90),
        ("arjun-1", lead_arjun, ChoiceResponse.Intent.LIST_PROPERTY, 6, {}, 60),
        ("anonymous-1", None, ChoiceResponse.Intent.INVEST, 7, {"step": "nps"}, 30),
    ]:
        ChoiceResponse.objects.update_or_create(
            id=demo_uuid("legacy-choice", key),
            defaults={"lead": lead, "intent": intent, "nps": nps, "meta": meta},
            create_defaults={
                "lead": lead,
                "intent": intent,
                "nps": nps,
                "meta": meta,
                "created_at": days_ago(age),
            },
        )
    EarlyAccessUser.objects.update_or_create(
        id=demo_uuid("legacy-early-access", "priya"),
        defaults={
            "email": "priya.nair@example.com",
            "name": "Priya Nair",
            "investment_intent": EarlyAccessUser.InvestmentIntent.INVEST_WITHIN_3_MONTHS,
            "expected_investment_range": EarlyAccessUser.InvestmentRange.FIFTY_K_TO_TWO_L,
            "preferred_property_type": EarlyAccessUser.PropertyType.RESIDENTIAL,
        },
        create_defaults={
            "email": "priya.nair@example.com",
            "name": "Priya Nair",
            "investment_intent": EarlyAccessUser.InvestmentIntent.INVEST_WITHIN_3_MONTHS,
            "expected_investment_range": EarlyAccessUser.InvestmentRange.FIFTY_K_TO_TWO_L,
            "preferred_property_type": EarlyAccessUser.PropertyType.RESIDENTIAL,
            "created_at": days_ago(45),
        },
    )
    ContactUs.objects.update_or_create(
        id=demo_uuid("legacy-contact", "priya"),
        defaults={
            "name": "Priya Nair",
            "email": "  PRIYA.NAIR@example.com ",
            "phone": "+91 99000 12345",
            "message": "Is the Baner project still open for small investors?",
            "handled": True,
        },
        create_defaults={
            "name": "Priya Nair",
            "email": "  PRIYA.NAIR@example.com ",
            "phone": "+91 99000 12345",
            "message": "Is the Baner project still open for small investors?",
            "handled": True,
            "created_at": days_ago(20),
        },
    )
    ContactUs.objects.update_or_create(
        id=demo_uuid("legacy-contact", "meera"),
        defaults={
            "name": "Meera Iyer",
            "email": "meera.iyer@example.com",
            "message": "I own a 2BHK in Whitefield and want to list it. Whom do I talk to?",
        },
        create_defaults={
            "name": "Meera Iyer",
            "email": "meera.iyer@example.com",
            "message": "I own a 2BHK in Whitefield and want to list it. Whom do I talk to?",
            "created_at": days_ago(10),
        },
    )
    for key, email, name, status, age in [
        ("priya", "priya.nair@EXAMPLE.com", "", WaitlistEntry.Status.APPROVED, 120),
        ("sam", "sam.dsouza@example.com", "Sam D'Souza", WaitlistEntry.Status.PENDING, 15),
    ]:
        WaitlistEntry.objects.update_or_create(
            id=demo_uuid("legacy-waitlist", key),
            defaults={"email": email, "name": name, "status": status},
            create_defaults={
                "email": email,
                "name": name,
                "status": status,
                "created_at": days_ago(age),
            },
        )
