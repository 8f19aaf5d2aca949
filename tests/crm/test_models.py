"""What the database itself enforces on the CRM tables, and the model-level rules."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Appointment, Contact, ContactTag, Tag, Task
from tests.crm.factories import (
    AppointmentFactory,
    ClinicFactory,
    ContactFactory,
    OrganizationFactory,
    TagFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def test_a_contact_cannot_be_its_own_parent_in_the_database():
    contact = ContactFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(parent_contact=contact.pk)

    contact.refresh_from_db()
    assert contact.parent_contact_id is None


@pytest.mark.parametrize("value", [[], "text", 3, None])
def test_custom_fields_that_are_not_an_object_are_rejected_by_the_database(value):
    contact = ContactFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(custom_fields=value)

    contact.refresh_from_db()
    assert contact.custom_fields == {}


def test_custom_fields_object_passes_the_database_check():
    contact = ContactFactory()

    Contact.objects.filter(pk=contact.pk).update(custom_fields={"chairs": 4, "vip": True})

    contact.refresh_from_db()
    assert contact.custom_fields == {"chairs": 4, "vip": True}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["a"], "must be a JSON object"),
        ({"": 1}, "non-empty name"),
        ({"  ": 1}, "non-empty name"),
        ({"nested": {"a": 1}}, "must hold text, a number, true/false or null"),
        ({"list": [1, 2]}, "must hold text, a number, true/false or null"),
    ],
)
def test_full_clean_explains_bad_custom_fields(value, message):
    contact = ContactFactory.build(organization=OrganizationFactory(), custom_fields=value)

    with pytest.raises(ValidationError) as caught:
        contact.full_clean()

    assert message in " ".join(caught.value.message_dict["custom_fields"])


def test_full_clean_accepts_scalar_custom_fields():
    contact = ContactFactory.build(
        organization=OrganizationFactory(),
        custom_fields={"chairs": 4, "ratio": 0.5, "insured": False, "note": "x", "gone": None},
    )

    contact.full_clean()


def test_clean_rejects_a_parent_from_another_organization():
    clinic = ClinicFactory()
    patient = ContactFactory.build(
        organization=OrganizationFactory(), contact_type=Contact.Type.PATIENT, parent_contact=clinic
    )

    with pytest.raises(ValidationError) as caught:
        patient.full_clean()

    assert "same organization" in str(caught.value.message_dict["parent_contact"])


@pytest.mark.parametrize("child_type", [Contact.Type.PATIENT, Contact.Type.EMPLOYEE])
def test_clean_requires_a_clinic_parent_for_patients_and_employees(child_type):
    individual = ContactFactory(contact_type=Contact.Type.INDIVIDUAL)
    child = ContactFactory.build(
        organization=individual.organization, contact_type=child_type, parent_contact=individual
    )

    with pytest.raises(ValidationError) as caught:
        child.full_clean()

    assert "under a clinic" in str(caught.value.message_dict["parent_contact"])


def test_clean_accepts_a_patient_under_a_clinic_and_a_patient_without_parent():
    clinic = ClinicFactory()
    ContactFactory.build(
        organization=clinic.organization, contact_type=Contact.Type.PATIENT, parent_contact=clinic
    ).full_clean()
    ContactFactory.build(
        organization=clinic.organization, contact_type=Contact.Type.PATIENT
    ).full_clean()


def test_tag_names_are_unique_per_organization_whatever_the_case():
    tag = TagFactory(name="VIP")

    with pytest.raises(IntegrityError), transaction.atomic():
        TagFactory(organization=tag.organization, name="vip")
    TagFactory(name="vip")

    assert Tag.objects.filter(name__iexact="vip").count() == 2


def test_a_tag_is_on_a_contact_once():
    contact = ContactFactory()
    tag = TagFactory(organization=contact.organization)
    ContactTag.objects.create(contact=contact, tag=tag)

    with pytest.raises(IntegrityError), transaction.atomic():
        ContactTag.objects.create(contact=contact, tag=tag)

    assert contact.tags.count() == 1


def test_filtering_contacts_by_tag_is_a_plain_queryset_filter():
    organization = OrganizationFactory()
    vip, new = (TagFactory(organization=organization, name=n) for n in ("vip", "new"))
    both, only_vip, untagged = ContactFactory.create_batch(3, organization=organization)
    both.tags.add(vip, new)
    only_vip.tags.add(vip)

    assert set(Contact.objects.filter(tags__name="vip")) == {both, only_vip}
    assert list(Contact.objects.filter(tags__name="new")) == [both]
    assert untagged not in Contact.objects.filter(tags__isnull=False)


def test_an_appointment_must_end_after_it_starts():
    start = timezone.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(start_time=start, end_time=start)

    assert not Appointment.objects.exists()


def test_a_completed_task_has_completed_at_and_other_tasks_do_not():
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskFactory(status=Task.Status.COMPLETED, completed_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskFactory(status=Task.Status.PENDING, completed_at=timezone.now())
    TaskFactory(status=Task.Status.COMPLETED, completed_at=timezone.now())
    TaskFactory(status=Task.Status.CANCELLED)

    assert Task.objects.count() == 2


def test_a_record_cannot_belong_to_another_organization_than_its_contact():
    task = TaskFactory.build(contact=ContactFactory(), organization=OrganizationFactory())

    with pytest.raises(ValidationError) as caught:
        task.full_clean()

    assert "another organization" in str(caught.value.message_dict["contact"])


def test_clean_fills_a_missing_organization_from_the_contact():
    contact = ContactFactory()
    task = Task(contact=contact, title="Call back")

    task.clean()  # what the admin form runs; organization is read-only there

    assert task.organization_id == contact.organization_id


def test_deleting_a_contact_removes_its_records_and_tags_but_keeps_its_children():
    clinic = ClinicFactory()
    patient = ContactFactory(
        organization=clinic.organization, contact_type=Contact.Type.PATIENT, parent_contact=clinic
    )
    TaskFactory(contact=clinic)
    AppointmentFactory(contact=clinic)
    clinic.tags.add(TagFactory(organization=clinic.organization))

    clinic.delete()

    patient.refresh_from_db()
    assert patient.parent_contact_id is None
    assert not Task.objects.exists() and not Appointment.objects.exists()
    assert not ContactTag.objects.exists()


def test_the_timeline_and_calendar_indexes_exist():
    from django.db import connection

    with connection.cursor() as cursor:
        appointment = connection.introspection.get_constraints(cursor, "crm_appointment")
        task = connection.introspection.get_constraints(cursor, "crm_task")
        note = connection.introspection.get_constraints(cursor, "crm_contactnote")
        message = connection.introspection.get_constraints(cursor, "crm_message")

    assert {"crm_appt_contact_start_idx", "crm_appt_org_upcoming_idx"} <= set(appointment)
    assert {"crm_task_contact_created_idx", "crm_task_org_due_open_idx"} <= set(task)
    assert "crm_note_contact_created_idx" in note
    assert "crm_message_contact_sent_idx" in message


def test_upcoming_appointments_and_due_tasks_queries_use_the_open_status_sets():
    contact = ContactFactory()
    soon = timezone.now() + timedelta(days=1)
    AppointmentFactory(contact=contact, start_time=soon, status=Appointment.Status.CANCELLED)
    kept = AppointmentFactory(contact=contact, start_time=soon)

    upcoming = Appointment.objects.filter(
        organization=contact.organization,
        status__in=Appointment.UPCOMING,
        start_time__gte=timezone.now(),
    )

    assert list(upcoming) == [kept]
