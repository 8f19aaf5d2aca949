"""Demo organizations and a believable CRM: clinics with their patients and employees.

Over 400 lines on purpose: demo data is a script of believable records, read top to bottom.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model

from core.demo import days_ago, demo_uuid
from crm.models import (
    Appointment,
    Contact,
    ContactIntegration,
    ContactNote,
    ContactTag,
    Message,
    Organization,
    OrganizationMembership,
    Tag,
    Task,
)
from crm.services.reminders import appointment_reminders_arm

ORGANIZATIONS = [
    ("Comfhutt Platform", "comfhutt", Organization.Type.PLATFORM),
    ("Brightsmile Dental Group", "brightsmile-dental", Organization.Type.AGENCY),
    ("Northwind Wellness", "northwind-wellness", Organization.Type.ENTERPRISE),
]

Type = Contact.Type

# organization slug, key, name, type, parent key, email, phone, timezone, tags, custom fields
CONTACTS = [
    (
        "brightsmile-dental",
        "clinic-indiranagar",
        "Brightsmile Indiranagar",
        Type.CLINIC,
        None,
        "indiranagar@brightsmile.example",
        "+91 80 4000 1000",
        "Asia/Kolkata",
        ["key account"],
        {"chairs": 6, "opening_hours": "09:00-19:00", "accepts_insurance": True},
    ),
    (
        "brightsmile-dental",
        "clinic-koramangala",
        "Brightsmile Koramangala",
        Type.CLINIC,
        None,
        "koramangala@brightsmile.example",
        "+91 80 4000 2000",
        "Asia/Kolkata",
        ["new clinic"],
        {"chairs": 3, "opening_hours": "10:00-18:00", "accepts_insurance": False},
    ),
    (
        "brightsmile-dental",
        "asha",
        "Asha Verma",
        Type.EMPLOYEE,
        "clinic-indiranagar",
        "asha@brightsmile.example",
        "+91 98100 11111",
        "Asia/Kolkata",
        ["front desk"],
        {"role": "Receptionist"},
    ),
    (
        "brightsmile-dental",
        "rahul",
        "Rahul Mehta",
        Type.EMPLOYEE,
        "clinic-indiranagar",
        "rahul@brightsmile.example",
        "+91 98100 22222",
        "Asia/Kolkata",
        ["dentist"],
        {"role": "Orthodontist", "license_no": "KA-ORTH-2231"},
    ),
    (
        "brightsmile-dental",
        "front-desk",
        "Front Desk (shared)",
        Type.EMPLOYEE,
        "clinic-koramangala",
        None,
        "+91 98100 33333",
        "",
        ["front desk"],
        {},
    ),
    (
        "brightsmile-dental",
        "meera",
        "Meera Iyer",
        Type.PATIENT,
        "clinic-indiranagar",
        "meera.iyer@example.com",
        "+91 99000 12345",
        "Asia/Kolkata",
        ["vip", "orthodontics"],
        {"insurer": "Star Health", "last_visit_reason": "Braces check"},
    ),
    # The same person entered twice (another email, the phone typed differently): she shows on
    # "Possible duplicates", for a Manager to merge.
    (
        "brightsmile-dental",
        "meera-again",
        "Meera Iyer",
        Type.PATIENT,
        "clinic-koramangala",
        "meera.iyer.home@example.com",
        "+91-99000-12345",
        "Asia/Kolkata",
        ["orthodontics", "new patient"],
        {"insurer": "Star Health", "referred_by": "Instagram"},
    ),
    (
        "brightsmile-dental",
        "karan",
        "Karan Shah",
        Type.PATIENT,
        "clinic-koramangala",
        "karan.shah@example.com",
        "+91 99000 67890",
        "Asia/Kolkata",
        ["new patient"],
        {"referred_by": "Google Maps", "allergies": None},
    ),
    (
        "northwind-wellness",
        "clinic-mission",
        "Northwind Mission Street",
        Type.CLINIC,
        None,
        "mission@northwind.example",
        "+1 415 555 0100",
        "America/Los_Angeles",
        ["key account"],
        {"rooms": 4, "accepts_insurance": True},
    ),
    (
        "northwind-wellness",
        "grace",
        "Grace Okafor",
        Type.EMPLOYEE,
        "clinic-mission",
        "grace@northwind.example",
        "+1 415 555 0101",
        "America/Los_Angeles",
        ["physio"],
        {"role": "Physiotherapist"},
    ),
    (
        "northwind-wellness",
        "tom",
        "Tom Becker",
        Type.EMPLOYEE,
        "clinic-mission",
        "tom@northwind.example",
        "+1 415 555 0102",
        "America/Los_Angeles",
        ["front desk"],
        {"role": "Office manager"},
    ),
    # The same email in another organization is a different contact.
    (
        "northwind-wellness",
        "asha",
        "Asha Verma",
        Type.PATIENT,
        "clinic-mission",
        "asha@brightsmile.example",
        "",
        "Asia/Kolkata",
        ["vip"],
        {"insurer": "Aetna", "sessions_booked": 8},
    ),
    (
        "northwind-wellness",
        "dan",
        "Dan Whitfield",
        Type.INDIVIDUAL,
        None,
        "dan.whitfield@example.com",
        "+1 415 555 0199",
        "America/Los_Angeles",
        ["prospect"],
        {"source": "Trade show"},
    ),
]


def contact_id(org_slug: str, key: str):
    """Return the stable id of a demo contact (lms.demo enrolls some of them)."""
    return demo_uuid("contact", org_slug, key)


def seed_organizations() -> list[Organization]:
    """Create or refresh the demo organizations."""
    organizations = []
    for index, (name, slug, org_type) in enumerate(ORGANIZATIONS):
        organization, _ = Organization.objects.update_or_create(
            id=demo_uuid("organization", slug),
            defaults={"name": name, "slug": slug, "type": org_type},
            create_defaults={
                "name": name,
                "slug": slug,
                "type": org_type,
                "created_at": days_ago(400 - index * 30),
            },
        )
        organizations.append(organization)
    return organizations


# Staff who work for one organization only (crm/scoping.py): username -> organization slug.
# Their passwords are set by `ensure_demo_login`; until then they cannot sign in.
MEMBERS = {"brightsmile.sales": "brightsmile-dental"}


def seed_memberships(organizations: dict[str, Organization]) -> None:
    """Create the demo staff members confined to one organization."""
    User = get_user_model()
    for username, org_slug in MEMBERS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "email": f"{username}@example.com"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        OrganizationMembership.objects.get_or_create(
            user=user, organization=organizations[org_slug]
        )


def seed_crm(organizations: dict[str, Organization]) -> dict[tuple[str, str], Contact]:
    """Create or refresh the demo contacts with their tags, notes, calendar, messages, tasks."""
    seed_memberships(organizations)
    contacts = _seed_contacts(organizations)
    for index, ((org_slug, key), contact) in enumerate(sorted(contacts.items())):
        _seed_records(contact, index=index, key=f"{org_slug}/{key}")
    return contacts


def _seed_contacts(organizations):
    contacts: dict[tuple[str, str], Contact] = {}
    for index, row in enumerate(CONTACTS):
        org_slug, key, name, ctype, parent, email, phone, tz, tags, custom = row
        organization = organizations[org_slug]
        values = {
            "organization": organization,
            "name": name,
            "contact_type": ctype,
            "parent_contact": contacts[org_slug, parent] if parent else None,
            "email": email,
            "phone": phone,
            "timezone": tz,
            "address": f"{12 + index} Market Street",
            "custom_fields": custom,
        }
        contact, _ = Contact.objects.update_or_create(
            id=contact_id(org_slug, key),
            defaults=values,
            create_defaults={**values, "created_at": days_ago(300 - index * 10)},
        )
        contacts[org_slug, key] = contact
        for tag_name in tags:
            tag, _ = Tag.objects.get_or_create(
                id=demo_uuid("tag", org_slug, tag_name),
                defaults={"organization": organization, "name": tag_name},
            )
            ContactTag.objects.get_or_create(
                contact=contact,
                tag=tag,
                defaults={"id": demo_uuid("contacttag", contact.id, tag.id)},
            )
        if email:
            ContactIntegration.objects.update_or_create(
                provider="ghl",
                external_id=f"ghl-{demo_uuid('ghl', contact.id).hex[:12]}",
                defaults={
                    "contact": contact,
                    "external_data": {"pipeline": "Onboarding", "stage": "Active"},
                    "last_sync_at": days_ago(1),
                },
            )
    return contacts


def _seed_records(contact: Contact, *, index: int, key: str) -> None:
    org_id = contact.organization_id
    first_name = contact.name.split()[0]

    ContactNote.objects.update_or_create(
        id=demo_uuid("note", key, 1),
        defaults={
            "organization_id": org_id,
            "contact": contact,
            "content": {
                Type.CLINIC: f"Quarterly review with {contact.name}: wants online booking next.",
                Type.PATIENT: f"{first_name} prefers morning slots and WhatsApp reminders.",
                Type.EMPLOYEE: f"{first_name} finished onboarding; add to the reminders rota.",
                Type.INDIVIDUAL: f"Met {first_name} at the trade show; follow up in two weeks.",
            }[contact.contact_type],
        },
        create_defaults={
            "organization_id": org_id,
            "contact": contact,
            "content": f"First call with {contact.name}.",
            "created_at": days_ago(40 - index),
        },
    )

    past_start = days_ago(14 - index % 7).replace(minute=0, second=0, microsecond=0)
    next_start = days_ago(-(2 + index % 5)).replace(minute=30, second=0, microsecond=0)
    appointments = [
        (
            "past",
            "Check-up" if contact.contact_type == Type.PATIENT else "Account review",
            past_start,
            [Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW][index % 2],
        ),
        (
            "next",
            "Follow-up visit" if contact.contact_type == Type.PATIENT else "Onboarding call",
            next_start,
            [
                Appointment.Status.SCHEDULED,
                Appointment.Status.CONFIRMED,
                Appointment.Status.CANCELLED,
            ][index % 3],
        ),
    ]
    for slot, title, start, status in appointments:
        appointment, _ = Appointment.objects.update_or_create(
            id=demo_uuid("appointment", key, slot),
            defaults={
                "organization_id": org_id,
                "contact": contact,
                "title": title,
                "description": f"{title} with {contact.name}.",
                "start_time": start,
                "end_time": start + timedelta(minutes=45),
                "timezone": contact.timezone,
                "status": status,
                "location": "Clinic, room 2" if index % 2 else "Video call",
                "calendar_provider": "google",
                "external_event_id": f"gcal-{demo_uuid('gcal', key, slot).hex[:16]}",
                "reminder_sent": slot == "past",
            },
        )
        if status in Appointment.UPCOMING and not appointment.reminders.exists():
            # As the services arm them: reminders before the start (crm/services/reminders.py).
            appointment_reminders_arm(appointment=appointment)

    sent = days_ago(3 + index % 4)
    messages = [
        (
            "reminder",
            Message.Direction.OUTBOUND,
            Message.Channel.EMAIL,
            f"Hi {first_name}, a reminder of your appointment next week.",
            Message.Status.READ,
        ),
        (
            "reply",
            Message.Direction.INBOUND,
            Message.Channel.SMS,
            "Thanks, see you then!",
            Message.Status.DELIVERED,
        ),
    ]
    if index % 3 == 0:
        messages.append(
            (
                "bounce",
                Message.Direction.OUTBOUND,
                Message.Channel.EMAIL,
                "Your monthly newsletter",
                Message.Status.BOUNCED,
            )
        )
    for offset, (slot, direction, channel, content, status) in enumerate(messages):
        at = sent + timedelta(hours=offset * 3)
        Message.objects.update_or_create(
            id=demo_uuid("message", key, slot),
            defaults={
                "organization_id": org_id,
                "contact": contact,
                "direction": direction,
                "channel": channel,
                "content": content,
                "status": status,
                "sent_at": at,
                "delivered_at": at + timedelta(minutes=1)
                if status in (Message.Status.DELIVERED, Message.Status.READ)
                else None,
                "read_at": at + timedelta(hours=1) if status == Message.Status.READ else None,
                "provider": "sendgrid" if channel == Message.Channel.EMAIL else "twilio",
                "external_id": f"msg-{demo_uuid('msg', key, slot).hex[:16]}",
            },
        )

    tasks = [
        (
            "call",
            f"Call {first_name} about the next visit",
            days_ago(-1 - index % 3),
            [Task.Status.PENDING, Task.Status.IN_PROGRESS][index % 2],
            Task.Priority.HIGH,
        ),
        (
            "docs",
            f"Update {first_name}'s records",
            days_ago(5),
            Task.Status.COMPLETED,
            Task.Priority.LOW,
        ),  # Some follow-ups slipped: the dashboard's "overdue" figure has something to show.
        (
            "follow-up",
            f"Send {first_name} the treatment plan",
            days_ago(1 + index % 4),
            [Task.Status.PENDING, Task.Status.COMPLETED][index % 2],
            Task.Priority.MEDIUM,
        ),
    ]
    for slot, title, due, status, priority in tasks:
        Task.objects.update_or_create(
            id=demo_uuid("task", key, slot),
            defaults={
                "organization_id": org_id,
                "contact": contact,
                "title": title,
                "due_date": due,
                "status": status,
                "priority": priority,
                "completed_at": due if status == Task.Status.COMPLETED else None,
            },
        )
