"""One person, one page (issue 19): a contact converted from a lead shows what the person sent
as a lead on its timeline, marked as such, for Sales and Support alike, in scope."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from leads import services
from tests.crm.factories import OrganizationFactory, OrganizationMembershipFactory
from tests.crm.factories import StaffUserFactory as _StaffUserFactory

pytestmark = pytest.mark.django_db


def staff_in(group: str, organization):
    user = OrganizationMembershipFactory(organization=organization).user
    user.groups.add(Group.objects.get(name=group))
    return type(user).objects.get(pk=user.pk)


def timeline_labels(client, contact) -> list[str]:
    response = client.get(reverse("admin:crm_contact_change", args=[contact.pk]))
    assert response.status_code == 200
    return [entry_label(entry) for entry in response.context["contact_page"]["timeline"]]


def entry_label(entry) -> str:
    return entry["label"] if isinstance(entry, dict) else entry.label


@pytest.mark.parametrize("group", ["Sales", "Support", "Managers"])
def test_a_converted_contact_shows_its_leads_messages_and_visits(client, group):
    organization = OrganizationFactory()
    services.contact_message_create(
        email="meera@example.com",
        name="Meera",
        subject="Flat in Whitefield",
        message="I want to list my flat in Whitefield.",
    )
    lead = services.lead_capture(email="meera@example.com")
    contact = services.lead_convert_to_contact(lead=lead, organization=organization, by="priya")
    client.force_login(staff_in(group, organization))

    labels = timeline_labels(client, contact)

    assert any(label.startswith("As lead meera@example.com: Sent a message") for label in labels), (
        labels
    )
    page = client.get(reverse("admin:crm_contact_change", args=[contact.pk])).content.decode()
    assert "Nothing has happened yet" not in page
    assert "timeline-from-lead" in page


def test_staff_without_lead_permission_see_only_the_crm_records(client):
    organization = OrganizationFactory()
    lead = services.lead_capture(email="meera@example.com")
    contact = services.lead_convert_to_contact(lead=lead, organization=organization, by="priya")
    viewer = _StaffUserFactory()
    from tests.api_support import grant

    viewer = grant(viewer, "crm.view_contact")
    client.force_login(viewer)

    assert not any(label.startswith("As lead") for label in timeline_labels(client, contact))
