import pytest
from django.urls import reverse

from leads import services
from leads.models import ContactMessage, LeadEventType
from leads.selectors import lead_get_by_email, lead_timeline

pytestmark = pytest.mark.django_db


def contact(n: int = 0) -> ContactMessage:
    return services.contact_message_create(
        name=f"Visitor {n}",
        email=f"visitor{n}@example.com",
        subject=f"Question {n}",
        message="Please tell me more about the project.",
    )


def test_mark_responded_action_uses_the_service(admin_client, admin_user):
    pending, done = contact(1), contact(2)
    services.contact_message_mark_responded(message=done, by="earlier")

    response = admin_client.post(
        reverse("admin:leads_contactmessage_changelist"),
        {"action": "mark_responded", "_selected_action": [pending.pk, done.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 message(s) marked as responded." in response.content.decode()
    pending.refresh_from_db()
    assert pending.responded
    event = pending.lead.events.get(event_type=LeadEventType.CONTACT_MESSAGE_RESPONDED)
    assert event.metadata["by"] == admin_user.username


def test_lead_page_shows_its_submissions_and_events(admin_client):
    services.choices_submit(email="priya@example.com", intent="invest", nps=9)
    services.contact_message_create(
        name="Priya", email="PRIYA@example.com", subject="Baner", message="Is Baner still open?"
    )
    lead = lead_get_by_email(email=" Priya@Example.com")

    response = admin_client.get(reverse("admin:leads_userslead_change", args=[lead.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Is Baner still open?" in html
    assert "Choices submitted" in html
    assert [e.event_type for e in lead_timeline(lead=lead)] == [
        LeadEventType.CHOICES_SUBMITTED,
        LeadEventType.CONTACT_MESSAGE_SENT,
    ]


def test_contact_message_changelist_does_not_query_per_row(
    admin_client, django_assert_max_num_queries
):
    for n in range(15):
        contact(n)

    # Session, user, count, filtered count, the page of rows joined to their leads, and the
    # filters' distinct values: a fixed number, whatever the page size.
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("admin:leads_contactmessage_changelist"))

    assert response.status_code == 200
    assert "visitor14@example.com" in response.content.decode()


def test_staff_edit_of_a_lead_goes_through_the_service(admin_client, admin_user):
    from tests.leads.factories import UsersLeadFactory

    lead = UsersLeadFactory(name="", phone="")
    url = reverse("admin:leads_userslead_change", args=[lead.pk])
    data = {"name": "  Priya Nair ", "phone": "+91 99000 12345"}
    for inline in admin_client.get(url).context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})

    response = admin_client.post(url, data)

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.name, lead.phone) == ("Priya Nair", "+91 99000 12345")
    event = lead.events.get(event_type=LeadEventType.LEAD_EDITED)
    assert event.metadata == {
        "changes": {"name": ["", "Priya Nair"], "phone": ["", "+91 99000 12345"]},
        "by": admin_user.username,
    }


def test_lead_update_without_changes_records_nothing():
    lead = services.lead_capture(email="p@example.com", name="Priya")

    services.lead_update(lead=lead, name="Priya ", phone="", by="staff")

    assert not lead.events.filter(event_type=LeadEventType.LEAD_EDITED).exists()
