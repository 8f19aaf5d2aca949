"""Staff API for leads (/api/leads/): read-only, with submissions and events, scoped."""

import pytest
from django.utils import timezone

from crm.models import Contact
from leads.models import LeadEvent, UsersLead
from tests.api_support import bearer_client, grant, world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory, OrganizationMembershipFactory, StaffUserFactory
from tests.leads.factories import (
    ChoicesResponseFactory,
    ContactMessageFactory,
    EarlyAccessRequestFactory,
    LeadEventFactory,
    UsersLeadFactory,
)

pytestmark = pytest.mark.django_db


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def converted_into(organization) -> UsersLead:
    return UsersLeadFactory(
        converted_contact=ContactFactory(organization=organization), converted_at=timezone.now()
    )


def test_members_see_open_leads_and_their_own_conversions_never_another_organizations(world):
    open_lead = UsersLeadFactory()
    into_a, into_b = converted_into(world.org_a), converted_into(world.org_b)

    assert ids(world.staff.get("/api/leads/")) == {
        str(open_lead.pk),
        str(into_a.pk),
        str(into_b.pk),
    }
    assert ids(world.a.get("/api/leads/")) == {str(open_lead.pk), str(into_a.pk)}
    assert ids(world.b.get("/api/leads/")) == {str(open_lead.pk), str(into_b.pk)}
    assert world.a.get(f"/api/leads/{open_lead.pk}/").status_code == 200
    assert world.a.get(f"/api/leads/{into_b.pk}/").status_code == 404
    assert world.anonymous.get("/api/leads/").status_code == 401


def test_a_lead_page_holds_its_submissions(world):
    lead = UsersLeadFactory()
    ChoicesResponseFactory(lead=lead)
    EarlyAccessRequestFactory(lead=lead, city="Pune")
    ContactMessageFactory(lead=lead, subject="Hello")

    body = world.staff.get(f"/api/leads/{lead.pk}/").json()

    assert body["email"] == lead.email
    assert [row["choice_key"] for row in body["submissions"]["choices"]] == ["nps"]
    assert body["submissions"]["early_access"][0]["city"] == "Pune"
    assert body["submissions"]["contact_messages"][0]["subject"] == "Hello"


def test_leads_are_read_only_but_for_status_and_owner(world):
    lead = UsersLeadFactory(name="Before")

    assert world.staff.post("/api/leads/", {"email": "x@example.com"}).status_code == 405
    # PATCH changes only status and owner (tests/leads/test_pipeline.py), with the change
    # permission, which these staff do not hold.
    assert world.staff.patch(f"/api/leads/{lead.pk}/", {"name": "After"}).status_code == 403
    changer = bearer_client(grant(world.platform, "leads.change_userslead"))
    response = changer.patch(f"/api/leads/{lead.pk}/", {"name": "After"}, format="json")
    assert response.status_code == 200
    assert world.staff.delete(f"/api/leads/{lead.pk}/").status_code == 405
    lead.refresh_from_db()
    assert lead.name == "Before"


def test_leads_need_the_view_permission():
    user = StaffUserFactory()
    assert bearer_client(user).get("/api/leads/").status_code == 403
    assert bearer_client(grant(user, "leads.view_userslead")).get("/api/leads/").status_code == 200


def test_lead_filters(world):
    converted = converted_into(world.org_a)
    searched = UsersLeadFactory(email="priya@example.com", source="CONTACT")

    assert ids(world.staff.get("/api/leads/", {"converted": "true"})) == {str(converted.pk)}
    assert ids(world.staff.get("/api/leads/", {"q": "PRIYA"})) == {str(searched.pk)}
    assert ids(world.staff.get("/api/leads/", {"source": "CONTACT"})) == {str(searched.pk)}


def test_events_filter_by_lead_and_are_scoped(world):
    into_a = converted_into(world.org_a)
    event = LeadEventFactory(lead=into_a)
    other = LeadEventFactory()

    assert ids(world.staff.get("/api/leads/events/", {"lead": str(into_a.pk)})) == {str(event.pk)}
    into_b_event = LeadEventFactory(lead=converted_into(world.org_b))
    orphan = LeadEventFactory(lead=None)

    assert ids(world.a.get("/api/leads/events/")) == {str(event.pk), str(other.pk)}
    assert world.a.get(f"/api/leads/events/{into_b_event.pk}/").status_code == 404
    assert world.a.get(f"/api/leads/events/{orphan.pk}/").status_code == 404
    assert world.staff.get(f"/api/leads/events/{orphan.pk}/").status_code == 200


def test_leads_and_events_paginate_by_cursor(world):
    for _ in range(3):
        LeadEventFactory()

    first = world.staff.get("/api/leads/", {"page_size": 2}).json()
    second = world.staff.get(first["next"]).json()
    events = world.staff.get("/api/leads/events/", {"page_size": 2}).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert "cursor=" in first["next"] and "cursor=" in events["next"]


@pytest.mark.parametrize("path", ["/api/leads/", "/api/leads/events/"])
@pytest.mark.parametrize("page_size", [2, 20])
def test_list_query_count_does_not_grow_with_page_size(
    world, path, page_size, django_assert_max_num_queries
):
    for _ in range(20):
        LeadEventFactory(lead=converted_into(world.org_a))
    client = bearer_client(world.member_a)

    # token, last_used_at, membership, two permission queries, the page
    with django_assert_max_num_queries(6):
        response = client.get(path, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


# --- Convert to a contact (lead_convert_to_contact, the admin's service) -------------------


def test_convert_a_lead_into_a_contact_of_the_members_organization(world):
    lead = UsersLeadFactory(email="asha@example.com", name="Asha")

    response = world.a.post(
        f"/api/leads/{lead.pk}/convert/",
        {"organization": str(world.org_a.pk), "contact_type": "PATIENT"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    contact = Contact.objects.get()
    assert (contact.organization, contact.email, contact.contact_type) == (
        world.org_a,
        "asha@example.com",
        "PATIENT",
    )
    assert body["contact"]["id"] == str(contact.pk)
    assert body["lead"]["converted_contact"] == str(contact.pk)
    assert LeadEvent.objects.filter(lead=lead, event_type="LEAD_CONVERTED").exists()


def test_convert_refuses_another_organization_a_second_time_and_without_permission(world):
    lead = UsersLeadFactory()
    viewer = grant(
        OrganizationMembershipFactory(organization=world.org_a).user, "leads.view_userslead"
    )

    into_b = world.a.post(
        f"/api/leads/{lead.pk}/convert/", {"organization": str(world.org_b.pk)}, format="json"
    )
    no_permission = bearer_client(viewer).post(
        f"/api/leads/{lead.pk}/convert/", {"organization": str(world.org_a.pk)}, format="json"
    )
    assert into_b.status_code == 400 and "organization" in into_b.json()
    assert no_permission.status_code == 403
    assert not Contact.objects.exists()

    assert (
        world.b.post(
            f"/api/leads/{lead.pk}/convert/", {"organization": str(world.org_b.pk)}, format="json"
        ).status_code
        == 200
    )
    again = world.a.post(
        f"/api/leads/{lead.pk}/convert/", {"organization": str(world.org_a.pk)}, format="json"
    )
    # Converted into B, the lead is B's: to a member of A it does not exist.
    assert again.status_code == 404
    twice = world.staff.post(
        f"/api/leads/{lead.pk}/convert/", {"organization": str(world.org_a.pk)}, format="json"
    )
    assert twice.status_code == 400
    assert "already converted" in twice.json()["detail"]
    assert Contact.objects.count() == 1
