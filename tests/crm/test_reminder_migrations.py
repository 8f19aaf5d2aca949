"""crm 0017 arms the reminders of appointments booked before reminders existed, and back."""

import datetime as dt

import pytest
from django.utils import timezone

BEFORE = ("crm", "0016_create_appointment_reminders")
AFTER = ("crm", "0017_arm_reminders_of_upcoming_appointments")


@pytest.fixture
def booked(migrator):
    state = migrator.apply_initial_migration(BEFORE)
    Organization = state.apps.get_model("crm", "Organization")
    Contact = state.apps.get_model("crm", "Contact")
    Appointment = state.apps.get_model("crm", "Appointment")
    organization = Organization.objects.create(name="Org", slug="org")
    contact = Contact.objects.create(organization=organization, name="Asha", email="a@x.com")
    current = timezone.now()

    def book(key: str, start: dt.datetime, status: str = "SCHEDULED"):
        return Appointment.objects.create(
            organization=organization,
            contact=contact,
            title=key,
            start_time=start,
            end_time=start + dt.timedelta(minutes=30),
            status=status,
        ).pk

    return {
        "in two days": book("in two days", current + dt.timedelta(days=2)),
        "in 50 minutes": book("in 50 minutes", current + dt.timedelta(minutes=50), "CONFIRMED"),
        "cancelled": book("cancelled", current + dt.timedelta(days=2), "CANCELLED"),
        "yesterday": book("yesterday", current - dt.timedelta(days=1), "COMPLETED"),
    }


def test_upcoming_appointments_get_their_reminders_and_the_reverse_removes_them(
    migrator, booked, settings
):
    settings.APPOINTMENT_REMINDER_MINUTES = (1440, 60)

    state = migrator.apply_tested_migration(AFTER)

    Reminder = state.apps.get_model("crm", "AppointmentReminder")
    armed = {}
    for appointment_id, minutes in Reminder.objects.values_list("appointment_id", "minutes_before"):
        armed.setdefault(appointment_id, set()).add(minutes)
    assert armed == {booked["in two days"]: {1440, 60}, booked["in 50 minutes"]: {60}}
    assert set(Reminder.objects.values_list("status", flat=True)) == {"PENDING"}

    state = migrator.apply_tested_migration(BEFORE)
    assert not state.apps.get_model("crm", "AppointmentReminder").objects.exists()
