"""Staff API: organizations, notes, appointments, messages, tasks, tags and integrations."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Appointment, ContactNote, Message, Tag, Task
from tests.api_support import bearer_client, grant, world_fixture  # noqa: F401
from tests.crm.factories import (
    AppointmentFactory,
    ContactFactory,
    ContactIntegrationFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
    TagFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Lists are scoped: A sees A's, B sees B's, platform staff both, anonymous nothing -------

RECORD_FACTORIES = {
    "notes": ContactNoteFactory,
    "appointments": AppointmentFactory,
    "messages": MessageFactory,
    "tasks": TaskFactory,
    "integrations": ContactIntegrationFactory,
}


@pytest.mark.parametrize("path", [*RECORD_FACTORIES, "tags", "organizations"])
def test_lists_are_scoped_to_the_callers_organizations(world, path):
    if path == "organizations":
        mine, theirs = world.org_a, world.org_b
    elif path == "tags":
        mine, theirs = TagFactory(organization=world.org_a), TagFactory(organization=world.org_b)
    else:
        factory = RECORD_FACTORIES[path]
        mine = factory(contact=ContactFactory(organization=world.org_a))
        theirs = factory(contact=ContactFactory(organization=world.org_b))
    url = f"/api/crm/{path}/"

    assert ids(world.a.get(url)) == {str(mine.pk)}
    assert ids(world.b.get(url)) == {str(theirs.pk)}
    assert ids(world.staff.get(url)) >= {str(mine.pk), str(theirs.pk)}
    assert world.a.get(f"{url}{theirs.pk}/").status_code == 404
    assert world.a.get(f"{url}{mine.pk}/").status_code == 200
    anonymous = world.anonymous.get(url)
    assert anonymous.status_code == 401
    assert "results" not in anonymous.json()


@pytest.mark.parametrize("path", [*RECORD_FACTORIES, "tags", "organizations"])
@pytest.mark.parametrize("page_size", [2, 20])
def test_list_query_count_does_not_grow_with_page_size(
    world, path, page_size, django_assert_max_num_queries
):
    for _ in range(20):
        if path == "organizations":
            OrganizationMembershipFactory(user=world.platform)
        elif path == "tags":
            TagFactory(organization=world.org_a)
        else:
            RECORD_FACTORIES[path](contact=ContactFactory(organization=world.org_a))
    user = world.platform if path == "organizations" else world.member_a
    if path == "organizations":
        user = grant(user)  # memberships changed: a fresh user object
    client = bearer_client(user)

    # token, last_used_at, membership, two permission queries, count, page (and the page's
    # reminders, for appointments)
    with django_assert_max_num_queries(8 if path == "appointments" else 7):
        response = client.get(f"/api/crm/{path}/", {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


# --- Notes ---------------------------------------------------------------------------------


def test_add_a_note_the_author_is_the_caller(world):
    contact = ContactFactory(organization=world.org_a)

    response = world.a.post(
        "/api/crm/notes/", {"contact": str(contact.pk), "content": " Called. "}, format="json"
    )

    assert response.status_code == 201
    note = ContactNote.objects.get()
    assert (note.content, note.author, note.organization_id) == (
        "Called.",
        world.member_a,
        world.org_a.pk,
    )


def test_note_on_another_organizations_contact_or_empty_is_refused(world):
    theirs = ContactFactory(organization=world.org_b)
    mine = ContactFactory(organization=world.org_a)

    foreign = world.a.post(
        "/api/crm/notes/", {"contact": str(theirs.pk), "content": "x"}, format="json"
    )
    empty = world.a.post(
        "/api/crm/notes/", {"contact": str(mine.pk), "content": "  "}, format="json"
    )

    assert foreign.status_code == 400 and "contact" in foreign.json()
    assert empty.status_code == 400 and "content" in empty.json()
    assert not ContactNote.objects.exists()


def test_notes_filter_by_contact(world):
    note = ContactNoteFactory(contact=ContactFactory(organization=world.org_a))
    ContactNoteFactory(contact=ContactFactory(organization=world.org_a))

    assert ids(world.a.get("/api/crm/notes/", {"contact": str(note.contact_id)})) == {str(note.pk)}


def test_a_viewer_cannot_add_notes(world):
    viewer = OrganizationMembershipFactory(organization=world.org_a).user
    client = bearer_client(grant(viewer, "crm.view_contactnote", "crm.view_contact"))
    contact = ContactFactory(organization=world.org_a)

    response = client.post(
        "/api/crm/notes/", {"contact": str(contact.pk), "content": "x"}, format="json"
    )

    assert response.status_code == 403
    assert not ContactNote.objects.exists()


# --- Appointments --------------------------------------------------------------------------


def test_schedule_and_confirm_an_appointment(world):
    contact = ContactFactory(organization=world.org_a)
    start = timezone.now() + timedelta(days=1)

    created = world.a.post(
        "/api/crm/appointments/",
        {
            "contact": str(contact.pk),
            "title": "Check-up",
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    confirmed = world.a.post(f"/api/crm/appointments/{created.json()['id']}/confirm/")

    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "CONFIRMED"


def test_appointment_rules_answer_like_the_admin(world):
    contact = ContactFactory(organization=world.org_a)
    start = timezone.now() + timedelta(days=1)

    backwards = world.a.post(
        "/api/crm/appointments/",
        {
            "contact": str(contact.pk),
            "title": "X",
            "start_time": start.isoformat(),
            "end_time": (start - timedelta(hours=1)).isoformat(),
            "timezone": "Mars/Olympus",
        },
        format="json",
    )
    upcoming = AppointmentFactory(contact=contact)
    too_early = world.a.post(f"/api/crm/appointments/{upcoming.pk}/complete/")
    cancelled = AppointmentFactory(contact=contact, status=Appointment.Status.CANCELLED)
    not_again = world.a.post(f"/api/crm/appointments/{cancelled.pk}/confirm/")

    assert backwards.status_code == 400
    assert backwards.json() == {"end_time": ["An appointment ends after it starts."]}
    assert too_early.status_code == 400
    assert too_early.json()["detail"] == "An appointment cannot be completed before it starts."
    assert not_again.status_code == 400
    assert not_again.json()["detail"] == "A cancelled appointment cannot become confirmed."
    assert Appointment.objects.count() == 2
    upcoming.refresh_from_db()
    assert upcoming.status == Appointment.Status.SCHEDULED


def test_transitions_need_the_change_permission_and_scope(world):
    mine = AppointmentFactory(contact=ContactFactory(organization=world.org_a))
    theirs = AppointmentFactory(contact=ContactFactory(organization=world.org_b))
    viewer = OrganizationMembershipFactory(organization=world.org_a).user
    viewer_client = bearer_client(grant(viewer, "crm.view_appointment"))

    assert viewer_client.post(f"/api/crm/appointments/{mine.pk}/cancel/").status_code == 403
    assert world.a.post(f"/api/crm/appointments/{theirs.pk}/cancel/").status_code == 404
    assert set(Appointment.objects.values_list("status", flat=True)) == {"SCHEDULED"}
    assert world.a.post(f"/api/crm/appointments/{mine.pk}/cancel/").json()["status"] == (
        "CANCELLED"
    )


def test_appointments_filter_upcoming_and_start_range(world):
    contact = ContactFactory(organization=world.org_a)
    soon = AppointmentFactory(contact=contact)
    AppointmentFactory(contact=contact, status=Appointment.Status.CANCELLED)

    assert ids(world.a.get("/api/crm/appointments/", {"upcoming": "true"})) == {str(soon.pk)}
    after = (timezone.now() + timedelta(days=3)).isoformat()
    assert ids(world.a.get("/api/crm/appointments/", {"start_time_after": after})) == set()


# --- Messages ------------------------------------------------------------------------------


def test_log_a_message_then_its_delivery(world):
    contact = ContactFactory(organization=world.org_a)

    logged = world.a.post(
        "/api/crm/messages/",
        {"contact": str(contact.pk), "direction": "OUTBOUND", "channel": "SMS", "content": "Hi"},
        format="json",
    )
    assert logged.status_code == 201, logged.content
    url = f"/api/crm/messages/{logged.json()['id']}/status/"
    read = world.a.post(url, {"status": "READ"}, format="json")
    back = world.a.post(url, {"status": "DELIVERED"}, format="json")

    assert read.status_code == 200 and read.json()["read_at"]
    assert back.status_code == 400
    assert back.json()["detail"] == "A read message cannot become delivered."
    assert Message.objects.get().status == Message.Status.READ


def test_message_validation_and_scope(world):
    theirs = ContactFactory(organization=world.org_b)
    mine = ContactFactory(organization=world.org_a)

    foreign = world.a.post(
        "/api/crm/messages/",
        {"contact": str(theirs.pk), "direction": "INBOUND", "channel": "SMS", "content": "x"},
        format="json",
    )
    bad = world.a.post(
        "/api/crm/messages/",
        {"contact": str(mine.pk), "direction": "SIDEWAYS", "channel": "FAX", "content": " "},
        format="json",
    )

    assert foreign.status_code == 400 and "contact" in foreign.json()
    assert bad.status_code == 400 and {"direction", "channel"} <= set(bad.json())
    assert not Message.objects.exists()


def test_messages_filter_by_channel_and_paginate_by_cursor(world):
    contact = ContactFactory(organization=world.org_a)
    sms = [MessageFactory(contact=contact, channel=Message.Channel.SMS) for _ in range(3)]
    MessageFactory(contact=contact, channel=Message.Channel.EMAIL)

    first = world.a.get("/api/crm/messages/", {"channel": "SMS", "page_size": 2}).json()
    second = world.a.get(first["next"]).json()

    seen = [row["id"] for row in first["results"] + second["results"]]
    assert sorted(seen) == sorted(str(message.pk) for message in sms)


# --- Tasks ---------------------------------------------------------------------------------


def test_create_start_and_complete_a_task(world):
    contact = ContactFactory(organization=world.org_a)

    created = world.a.post(
        "/api/crm/tasks/",
        {
            "contact": str(contact.pk),
            "title": "Call back",
            "priority": "HIGH",
            "assignee": world.member_a.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/crm/tasks/{created.json()['id']}"
    assert world.a.post(f"{url}/start/").json()["status"] == "IN_PROGRESS"
    done = world.a.post(f"{url}/complete/")

    assert done.status_code == 200
    assert done.json()["status"] == "COMPLETED" and done.json()["completed_at"]
    again = world.a.post(f"{url}/complete/")
    assert again.status_code == 400
    assert again.json()["detail"] == "A completed task cannot be completed."


def test_task_assignee_must_be_active_staff_of_the_organization(world):
    contact = ContactFactory(organization=world.org_a)
    outsider = StaffUserFactory(is_staff=False)

    to_b = world.a.post(
        "/api/crm/tasks/",
        {"contact": str(contact.pk), "title": "X", "assignee": world.member_b.pk},
        format="json",
    )
    to_outsider = world.a.post(
        "/api/crm/tasks/",
        {"contact": str(contact.pk), "title": "X", "assignee": outsider.pk},
        format="json",
    )
    task = TaskFactory(contact=contact)
    reassign = world.a.post(
        f"/api/crm/tasks/{task.pk}/assign/", {"assignee": world.member_b.pk}, format="json"
    )

    for response in (to_b, to_outsider, reassign):
        assert response.status_code == 400
        assert "assignee" in response.json()
    assert Task.objects.count() == 1
    task.refresh_from_db()
    assert task.assignee is None
    assigned = world.a.post(
        f"/api/crm/tasks/{task.pk}/assign/", {"assignee": world.platform.pk}, format="json"
    )
    assert assigned.status_code == 200 and assigned.json()["assignee"] == world.platform.pk


def test_another_organizations_task_cannot_be_completed(world):
    theirs = TaskFactory(contact=ContactFactory(organization=world.org_b))

    assert world.a.post(f"/api/crm/tasks/{theirs.pk}/complete/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Task.Status.PENDING


def test_tasks_filter_open_priority_and_assignee(world):
    contact = ContactFactory(organization=world.org_a)
    urgent = TaskFactory(contact=contact, priority=Task.Priority.URGENT, assignee=world.member_a)
    TaskFactory(contact=contact, status=Task.Status.COMPLETED, completed_at=timezone.now())

    assert ids(world.a.get("/api/crm/tasks/", {"open": "true"})) == {str(urgent.pk)}
    assert ids(world.a.get("/api/crm/tasks/", {"priority": "URGENT"})) == {str(urgent.pk)}
    assert ids(world.a.get("/api/crm/tasks/", {"assignee": world.member_a.pk})) == {str(urgent.pk)}


# --- Tags ----------------------------------------------------------------------------------


def test_create_tag_is_get_or_create_in_the_organization(world):
    first = world.a.post(
        "/api/crm/tags/", {"organization": str(world.org_a.pk), "name": "VIP"}, format="json"
    )
    again = world.a.post(
        "/api/crm/tags/", {"organization": str(world.org_a.pk), "name": "vip"}, format="json"
    )
    foreign = world.a.post(
        "/api/crm/tags/", {"organization": str(world.org_b.pk), "name": "vip"}, format="json"
    )

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert foreign.status_code == 400 and "organization" in foreign.json()
    assert Tag.objects.count() == 1


def test_delete_a_tag_only_in_scope(world):
    mine, theirs = TagFactory(organization=world.org_a), TagFactory(organization=world.org_b)

    assert world.a.delete(f"/api/crm/tags/{theirs.pk}/").status_code == 404
    assert world.a.delete(f"/api/crm/tags/{mine.pk}/").status_code == 204
    assert list(Tag.objects.all()) == [theirs]


def test_integrations_filter_and_cannot_be_deleted(world):
    # Creating and changing them: tests/crm/test_api_organizations_integrations.py.
    integration = ContactIntegrationFactory(contact=ContactFactory(organization=world.org_a))

    response = world.a.delete(f"/api/crm/integrations/{integration.pk}/")

    assert response.status_code == 405
    assert ids(world.a.get("/api/crm/integrations/", {"provider": "ghl"})) == {str(integration.pk)}


def test_organizations_filter_by_name_and_cannot_be_deleted(world):
    # Creating and changing them: tests/crm/test_api_organizations_integrations.py.
    assert world.staff.delete(f"/api/crm/organizations/{world.org_b.pk}/").status_code == 405
    assert ids(world.staff.get("/api/crm/organizations/", {"q": "agency a"})) == {
        str(world.org_a.pk)
    }
