"""Staff API for leads (/api/leads/): read-only, with submissions and events, scoped."""

import pytest
from django.utils import timezone

from leads.models import UsersLead
from tests.api_support import bearer_client, grant, world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory, StaffUserFactory
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


def test_platform_staff_see_every_lead_members_only_those_converted_into_their_organizations(
    world,
):
    open_lead = UsersLeadFactory()
    into_a, into_b = converted_into(world.org_a), converted_into(world.org_b)

    assert ids(world.staff.get("/api/leads/")) == {
        str(open_lead.pk),
        str(into_a.pk),
        str(into_b.pk),
    }
    assert ids(world.a.get("/api/leads/")) == {str(into_a.pk)}
    assert ids(world.b.get("/api/leads/")) == {str(into_b.pk)}
    assert world.a.get(f"/api/leads/{open_lead.pk}/").status_code == 404
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


def test_leads_are_read_only(world):
    lead = UsersLeadFactory(name="Before")

    assert world.staff.post("/api/leads/", {"email": "x@example.com"}).status_code == 405
    assert world.staff.patch(f"/api/leads/{lead.pk}/", {"name": "After"}).status_code == 405
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
    assert ids(world.a.get("/api/leads/events/")) == {str(event.pk)}
    assert world.a.get(f"/api/leads/events/{other.pk}/").status_code == 404


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
