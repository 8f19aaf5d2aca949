"""An appointment's owner: one staff member who runs it, chosen by the task assignee rule
(crm.selectors.task_assignees), through the appointment services in the admin and the API."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import Appointment
from crm.services.appointments import OWNER_ERROR
from tests.api_support import bearer_client
from tests.crm.factories import AppointmentFactory
from tests.crm.test_task_assignees import People, _picker_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return People()


def _start():
    return timezone.now().replace(microsecond=0) + timedelta(days=1)


# --- Services ----------------------------------------------------------------------------------


def test_schedule_and_update_take_only_staff_who_may_work_for_the_organization(people):
    for user in people.refused:
        with pytest.raises(ValidationError) as error:
            services.appointment_schedule(
                contact=people.contact,
                title="Visit",
                start_time=_start(),
                end_time=_start() + timedelta(hours=1),
                owner=user,
            )
        assert error.value.message_dict == {"owner": [OWNER_ERROR]}
    assert not Appointment.objects.exists()

    appointment = services.appointment_schedule(
        contact=people.contact,
        title="Visit",
        start_time=_start(),
        end_time=_start() + timedelta(hours=1),
        owner=people.other_a,
    )
    assert appointment.owner == people.other_a
    for user in people.refused:
        with pytest.raises(ValidationError) as error:
            services.appointment_update(appointment=appointment, data={"owner": user})
        assert error.value.message_dict == {"owner": [OWNER_ERROR]}
    appointment.refresh_from_db()
    assert appointment.owner == people.other_a
    for user in [*people.eligible, None]:
        services.appointment_update(appointment=appointment, data={"owner": user})
        appointment.refresh_from_db()
        assert appointment.owner == user


def test_update_reschedules_an_upcoming_appointment_only(people):
    appointment = AppointmentFactory(contact=people.contact)
    later = appointment.start_time + timedelta(days=1)

    moved = services.appointment_update(
        appointment=appointment,
        data={"start_time": later, "end_time": later + timedelta(hours=1), "title": " Moved "},
    )

    assert (moved.start_time, moved.title) == (later, "Moved")
    cancelled = services.appointment_cancel(appointment=moved)
    with pytest.raises(ValidationError) as error:
        services.appointment_update(
            appointment=cancelled,
            data={"start_time": later + timedelta(days=1), "end_time": later + timedelta(days=2)},
        )
    assert error.value.message_dict == {
        "start_time": ["A cancelled appointment cannot be rescheduled."]
    }
    # Other fields of a past or cancelled appointment can still be corrected.
    services.appointment_update(appointment=cancelled, data={"location": "Room 4"})
    cancelled.refresh_from_db()
    assert (cancelled.start_time, cancelled.location) == (later, "Room 4")
    with pytest.raises(ValidationError):
        services.appointment_update(appointment=cancelled, data={"status": "SCHEDULED"})


# --- Admin -------------------------------------------------------------------------------------


def _split(moment) -> dict:
    local = timezone.localtime(moment)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def _form(contact, start, owner=None, **extra) -> dict:
    data = {
        "contact": contact.pk,
        "title": "Visit",
        "description": "",
        "timezone": "",
        "location": "",
        "calendar_provider": "",
        "external_event_id": "",
        "owner": owner.pk if owner else "",
        "_save": "Save",
    }
    data.update({f"start_time_{k}": v for k, v in _split(start).items()})
    data.update({f"end_time_{k}": v for k, v in _split(start + timedelta(hours=1)).items()})
    data.update(extra)
    return data


def test_admin_owner_picker_offers_exactly_the_eligible_people_and_defaults_to_me(client, people):
    appointment = AppointmentFactory(contact=people.contact)
    client.force_login(people.member_a)

    change = client.get(reverse("admin:crm_appointment_change", args=[appointment.pk]))
    add = client.get(reverse("admin:crm_appointment_add"))

    assert _picker_ids(change.context["adminform"].form.fields["owner"]) == {
        user.pk for user in people.eligible
    }
    assert add.context["adminform"].form.initial["owner"] == people.member_a.pk
    html = change.content.decode()
    for user in people.refused:
        assert f'value="{user.pk}"' not in html


def test_admin_refuses_ineligible_owners_and_writes_nothing(client, people):
    appointment = AppointmentFactory(contact=people.contact, title="Visit")
    client.force_login(people.platform)

    for user in [people.member_b, people.inactive_a, people.customer]:
        changed = client.post(
            reverse("admin:crm_appointment_change", args=[appointment.pk]),
            _form(people.contact, appointment.start_time, user),
        )
        added = client.post(
            reverse("admin:crm_appointment_add"), _form(people.contact, _start(), user)
        )
        for response in (changed, added):
            assert response.status_code == 200
            assert "owner" in response.context["adminform"].form.errors

    appointment.refresh_from_db()
    assert appointment.owner is None
    assert Appointment.objects.count() == 1


def test_admin_adds_and_reschedules_through_the_services(client, people):
    client.force_login(people.member_a)
    start = _start()

    added = client.post(
        reverse("admin:crm_appointment_add"),
        _form(people.contact, start, people.other_a, timezone="Europe/London"),
    )

    assert added.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.owner == people.other_a
    assert appointment.organization == people.org_a
    later = start + timedelta(days=2)
    changed = client.post(
        reverse("admin:crm_appointment_change", args=[appointment.pk]),
        _form(people.contact, later, people.member_a, timezone="Europe/London"),
    )
    assert changed.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.start_time, appointment.owner) == (later, people.member_a)


def test_admin_refuses_a_bad_time_zone_and_rescheduling_a_cancelled_appointment(client, people):
    client.force_login(people.member_a)
    bad_zone = client.post(
        reverse("admin:crm_appointment_add"),
        _form(people.contact, _start(), timezone="Mars/Olympus"),
    )
    assert bad_zone.context["adminform"].form.errors["timezone"] == [
        "'Mars/Olympus' is not a known time zone."
    ]
    cancelled = AppointmentFactory(contact=people.contact, status=Appointment.Status.CANCELLED)
    moved = client.post(
        reverse("admin:crm_appointment_change", args=[cancelled.pk]),
        _form(people.contact, cancelled.start_time + timedelta(days=1)),
    )

    assert moved.status_code == 200
    assert moved.context["adminform"].form.errors["start_time"] == [
        "A cancelled appointment cannot be rescheduled."
    ]
    start = cancelled.start_time
    cancelled.refresh_from_db()
    assert cancelled.start_time == start
    assert Appointment.objects.count() == 1


# --- API ---------------------------------------------------------------------------------------


def test_api_sets_and_changes_the_owner_and_answers_refusals_alike(people):
    api = bearer_client(people.member_a)
    start = _start()
    unknown = get_user_model().objects.order_by("-pk").first().pk + 1000

    for user_id in [unknown, *(user.pk for user in people.refused)]:
        refused = api.post(
            "/api/crm/appointments/",
            {
                "contact": str(people.contact.pk),
                "title": "Visit",
                "start_time": start.isoformat(),
                "end_time": (start + timedelta(hours=1)).isoformat(),
                "owner": user_id,
            },
            format="json",
        )
        assert refused.status_code == 400
        assert refused.json() == {"owner": [OWNER_ERROR]}
    assert not Appointment.objects.exists()

    created = api.post(
        "/api/crm/appointments/",
        {
            "contact": str(people.contact.pk),
            "title": "Visit",
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(hours=1)).isoformat(),
            "owner": people.other_a.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["owner"] == people.other_a.pk
    url = f"/api/crm/appointments/{created.json()['id']}/"
    later = start + timedelta(days=3)

    patched = api.patch(
        url,
        {"owner": people.member_a.pk, "start_time": later.isoformat(), "end_time": None},
        format="json",
    )
    assert patched.status_code == 400  # an end time is a time, not null
    patched = api.patch(
        url,
        {
            "owner": people.member_a.pk,
            "start_time": later.isoformat(),
            "end_time": (later + timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["owner"] == people.member_a.pk
    refused = api.patch(url, {"owner": people.member_b.pk}, format="json")
    assert refused.status_code == 400 and refused.json() == {"owner": [OWNER_ERROR]}
    appointment = Appointment.objects.get()
    assert (appointment.owner, appointment.start_time) == (people.member_a, later)

    mine = api.get("/api/crm/appointments/", {"owner": "me"})
    nobody = api.get("/api/crm/appointments/", {"owner": "none"})
    assert [row["id"] for row in mine.json()["results"]] == [str(appointment.pk)]
    assert nobody.json()["results"] == []
    assert api.get("/api/crm/appointments/", {"owner": "x"}).status_code == 400
