"""Rows under a person's records (an appointment's reminders) and the emails those records
caused (a reminder's copy to the appointment's owner) are exported, erased and merged with
the person."""

from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.utils import timezone

from crm import services
from crm.models import Appointment, AppointmentReminder, Contact
from crm.services.reminders import APPOINTMENT_REMINDER_ORIGIN, appointment_reminders_send_due
from leads.models import UsersLead
from outbox.models import OutboxEmail
from privacy.erase import person_erase
from privacy.export import person_export
from privacy.services import contacts_merge
from tests.crm.factories import ContactFactory, OrganizationMembershipFactory

pytestmark = pytest.mark.django_db

EMAIL = "meera.rb@example.com"


def models_below_a_person() -> set[str]:
    """Every model with a foreign key to a model that refers to a contact (not a person)."""
    people = (Contact, UsersLead)
    records = {
        model
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.concrete
        and field.is_relation
        and (field.many_to_one or field.one_to_one)
        and field.related_model is Contact
        and model not in people
    }
    return {
        model._meta.label
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.concrete
        and field.is_relation
        and (field.many_to_one or field.one_to_one)
        and field.related_model in records
        and model not in people
    }


def person_with_reminders():
    """A contact with an appointment whose hour-before reminder went to them and the owner."""
    contact = ContactFactory(email=EMAIL, name="Meera Rb")
    owner = OrganizationMembershipFactory(
        organization=contact.organization, user__username="owner", user__email="owner@x.com"
    ).user
    start = timezone.now() + timedelta(days=2)
    appointment = services.appointment_schedule(
        contact=contact,
        title="Check-up",
        start_time=start,
        end_time=start + timedelta(hours=1),
        owner=owner,
    )
    with mock.patch("crm.services.reminders.now", return_value=start - timedelta(hours=1)):
        appointment_reminders_send_due()
    return contact, appointment


def test_the_enumeration_finds_the_reminders():
    assert "crm.AppointmentReminder" in models_below_a_person()


def test_export_covers_every_model_below_a_persons_records_and_the_emails_they_caused():
    contact, appointment = person_with_reminders()
    other = ContactFactory(organization=contact.organization)
    services.appointment_schedule(
        contact=other,
        title="Other",
        start_time=timezone.now() + timedelta(days=3),
        end_time=timezone.now() + timedelta(days=3, hours=1),
    )

    document = person_export(email=EMAIL)

    records = document["records"]
    assert models_below_a_person() <= set(records), models_below_a_person() - set(records)
    reminders = records["crm.AppointmentReminder"]
    assert {row["fields"]["minutes_before"] for row in reminders} == {1440, 60}
    assert {row["fields"]["appointment"] for row in reminders} == {str(appointment.pk)}
    # The contact's own reminder and the owner's copy, which names them.
    assert sorted(row["fields"]["to"] for row in records["outbox.OutboxEmail"]) == [
        EMAIL,
        "owner@x.com",
    ]


def test_erase_leaves_no_reminder_and_no_email_about_them():
    contact, appointment = person_with_reminders()
    other = ContactFactory(organization=contact.organization)
    kept = services.appointment_schedule(
        contact=other,
        title="Other",
        start_time=timezone.now() + timedelta(days=3),
        end_time=timezone.now() + timedelta(days=3, hours=1),
    )
    unrelated = OutboxEmail.objects.create(to="owner@x.com", subject="Hello", body="Not about her")

    request = person_erase(email=EMAIL)

    assert not AppointmentReminder.objects.filter(appointment_id=appointment.pk).exists()
    assert not OutboxEmail.objects.filter(origin_label=APPOINTMENT_REMINDER_ORIGIN).exists()
    assert request.counts["outbox.OutboxEmail"] == 2
    assert AppointmentReminder.objects.filter(appointment=kept).count() == 2
    assert OutboxEmail.objects.filter(pk=unrelated.pk).exists()


def test_merge_keeps_the_reminders_with_their_appointment():
    contact, appointment = person_with_reminders()
    survivor = ContactFactory(organization=contact.organization, name="Meera R.")

    contacts_merge(survivor=survivor, duplicates=[contact], field_choices={})

    appointment = Appointment.objects.get(pk=appointment.pk)
    assert appointment.contact == survivor
    assert appointment.reminders.count() == 2
