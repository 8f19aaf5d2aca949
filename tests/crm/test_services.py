from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm import services
from crm.models import Appointment, Contact, ContactNote, ContactTag, Message, Tag, Task
from tests.crm.factories import (
    AppointmentFactory,
    ClinicFactory,
    ContactFactory,
    MessageFactory,
    OrganizationFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    return get_user_model().objects.create_user(username="staff", is_staff=True)


# Contacts


def test_contact_create_defaults_to_an_individual_and_cleans_input():
    organization = OrganizationFactory()

    contact = services.contact_create(
        organization=organization,
        name="  Meera Iyer ",
        email="  ",
        custom_fields={"insurer": "Star"},
    )

    contact.refresh_from_db()
    assert contact.contact_type == Contact.Type.INDIVIDUAL
    assert contact.name == "Meera Iyer"
    assert contact.email is None
    assert contact.custom_fields == {"insurer": "Star"}


def test_contact_create_places_a_patient_under_a_clinic():
    clinic = ClinicFactory()

    patient = services.contact_create(
        organization=clinic.organization,
        name="Karan",
        contact_type=Contact.Type.PATIENT,
        parent_contact=clinic,
    )

    assert list(clinic.children.all()) == [patient]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"custom_fields": {"nested": {"a": 1}}}, "custom_fields"),
        ({"custom_fields": ["a"]}, "custom_fields"),
        ({"email": "not-an-email"}, "email"),
        ({"contact_type": "ROBOT"}, "contact_type"),
        ({"name": "   "}, "name"),
    ],
)
def test_contact_create_rejects_bad_input_and_writes_nothing(kwargs, field):
    organization = OrganizationFactory()

    with pytest.raises(ValidationError) as caught:
        services.contact_create(organization=organization, **{"name": "A", **kwargs})

    assert field in caught.value.message_dict
    assert not Contact.objects.exists()


def test_contact_create_rejects_a_duplicate_email_in_the_organization():
    existing = ContactFactory(email="asha@example.com")

    with pytest.raises(ValidationError) as caught:
        services.contact_create(
            organization=existing.organization, name="Asha", email="asha@example.com"
        )

    assert "already has this email" in str(caught.value.message_dict["email"])
    assert Contact.objects.count() == 1


def test_contact_create_rejects_a_patient_under_a_non_clinic():
    parent = ContactFactory(contact_type=Contact.Type.INDIVIDUAL)

    with pytest.raises(ValidationError):
        services.contact_create(
            organization=parent.organization,
            name="P",
            contact_type=Contact.Type.PATIENT,
            parent_contact=parent,
        )

    assert Contact.objects.count() == 1


def test_contact_update_changes_only_the_given_fields():
    contact = ContactFactory(phone="1", custom_fields={"a": 1})

    services.contact_update(contact=contact, data={"phone": " 2 ", "custom_fields": {"b": 2}})

    contact.refresh_from_db()
    assert contact.phone == "2"
    assert contact.custom_fields == {"b": 2}


def test_contact_update_refuses_unknown_fields_and_bad_custom_fields():
    contact = ContactFactory(custom_fields={"a": 1})

    with pytest.raises(ValidationError, match="organization"):
        services.contact_update(contact=contact, data={"organization": OrganizationFactory()})
    with pytest.raises(ValidationError):
        services.contact_update(contact=contact, data={"custom_fields": {"a": [1]}})

    contact.refresh_from_db()
    assert contact.custom_fields == {"a": 1}


def test_a_clinic_with_patients_stays_a_clinic():
    clinic = ClinicFactory()
    ContactFactory(
        organization=clinic.organization, contact_type=Contact.Type.PATIENT, parent_contact=clinic
    )

    with pytest.raises(ValidationError) as caught:
        services.contact_update(contact=clinic, data={"contact_type": Contact.Type.INDIVIDUAL})

    assert "must stay a clinic" in str(caught.value)
    clinic.refresh_from_db()
    assert clinic.contact_type == Contact.Type.CLINIC


def test_contact_move_places_and_unplaces_a_contact():
    clinic = ClinicFactory()
    employee = ContactFactory(organization=clinic.organization, contact_type=Contact.Type.EMPLOYEE)

    services.contact_move(contact=employee, parent=clinic)
    employee.refresh_from_db()
    assert employee.parent_contact == clinic

    services.contact_move(contact=employee, parent=None)
    employee.refresh_from_db()
    assert employee.parent_contact is None


def test_contact_move_refuses_a_cycle():
    # Given a chain of clinics: top > middle > bottom
    top = ClinicFactory()
    middle = ClinicFactory(organization=top.organization, parent_contact=top)
    bottom = ClinicFactory(organization=top.organization, parent_contact=middle)

    # When top is put under bottom, or under itself
    with pytest.raises(ValidationError, match="own ancestor"):
        services.contact_move(contact=top, parent=bottom)
    with pytest.raises(ValidationError, match="own parent"):
        services.contact_move(contact=top, parent=top)

    # Then nothing moved
    top.refresh_from_db()
    assert top.parent_contact_id is None


def test_contact_move_refuses_another_organization_and_too_deep_trees():
    clinic = ClinicFactory()
    with pytest.raises(ValidationError, match="same organization"):
        services.contact_move(contact=ContactFactory(), parent=clinic)

    chain = [clinic]
    for _ in range(9):
        chain.append(ClinicFactory(organization=clinic.organization, parent_contact=chain[-1]))
    loose = ClinicFactory(organization=clinic.organization)
    with pytest.raises(ValidationError, match="deeper"):
        services.contact_move(contact=loose, parent=chain[-1])

    loose.refresh_from_db()
    assert loose.parent_contact_id is None


# Tags


def test_contact_add_tags_creates_tags_once_and_is_idempotent():
    contact = ContactFactory()
    other = ContactFactory(organization=contact.organization)
    services.contact_add_tags(contact=other, names=["VIP"])

    services.contact_add_tags(contact=contact, names=["vip", " New   patient ", "VIP"])
    services.contact_add_tags(contact=contact, names=["new patient"])

    assert Tag.objects.filter(organization=contact.organization).count() == 2
    assert sorted(contact.tags.values_list("name", flat=True)) == ["New patient", "VIP"]
    assert set(Contact.objects.filter(tags__name__iexact="vip")) == {contact, other}


def test_contact_add_tags_rejects_blank_or_long_names_and_writes_nothing():
    contact = ContactFactory()

    with pytest.raises(ValidationError):
        services.contact_add_tags(contact=contact, names=["ok", "  "])
    with pytest.raises(ValidationError):
        services.contact_add_tags(contact=contact, names=["x" * 51])

    assert not Tag.objects.exists()
    assert not ContactTag.objects.exists()


def test_contact_remove_tags_removes_by_name_in_any_case():
    contact = ContactFactory()
    services.contact_add_tags(contact=contact, names=["vip", "new"])

    removed = services.contact_remove_tags(contact=contact, names=["VIP", "unknown"])

    assert removed == 1
    assert list(contact.tags.values_list("name", flat=True)) == ["new"]
    assert Tag.objects.filter(name="vip").exists()


def test_contact_set_tags_puts_on_and_takes_off_the_difference_and_says_so():
    contact = ContactFactory()
    services.contact_add_tags(contact=contact, names=["vip", "new", "Old"])
    kept = ContactTag.objects.get(contact=contact, tag__name="vip")

    counts = services.contact_set_tags(contact=contact, names=["VIP", " follow   up ", "new"])

    assert counts == (1, 1)
    assert sorted(contact.tags.values_list("name", flat=True)) == ["follow up", "new", "vip"]
    assert ContactTag.objects.filter(pk=kept.pk).exists()  # an unchanged tag is not re-made
    assert services.contact_set_tags(contact=contact, names=["vip", "new", "follow up"]) == (0, 0)
    assert services.contact_set_tags(contact=contact, names=[]) == (0, 3)
    assert not contact.tags.exists()


def test_contact_set_tags_refuses_a_bad_name_before_taking_anything_off():
    contact = ContactFactory()
    services.contact_add_tags(contact=contact, names=["vip"])

    with pytest.raises(ValidationError):
        services.contact_set_tags(contact=contact, names=["new", "  "])

    assert list(contact.tags.values_list("name", flat=True)) == ["vip"]
    assert not Tag.objects.filter(name="new").exists()


def test_tag_get_or_create_says_whether_it_made_the_tag():
    organization = OrganizationFactory()

    made, created = services.tag_get_or_create(organization=organization, name=" Hot  lead ")
    same, created_again = services.tag_get_or_create(organization=organization, name="HOT LEAD")

    assert (created, created_again) == (True, False)
    assert same.pk == made.pk and made.name == "Hot lead"
    assert Tag.objects.filter(organization=organization).count() == 1


# Notes


def test_contact_note_create_takes_the_organization_from_the_contact(staff_user):
    contact = ContactFactory()

    note = services.contact_note_create(contact=contact, content=" Called back ", author=staff_user)

    assert note.organization_id == contact.organization_id
    assert note.content == "Called back"
    assert note.author == staff_user


def test_an_empty_note_is_refused():
    with pytest.raises(ValidationError):
        services.contact_note_create(contact=ContactFactory(), content="  ")

    assert not ContactNote.objects.exists()


# Appointments


def test_appointment_schedule_then_confirm_then_complete():
    contact = ContactFactory(timezone="Asia/Kolkata")
    start = timezone.now() - timedelta(hours=2)

    appointment = services.appointment_schedule(
        contact=contact, title="Check-up", start_time=start, end_time=start + timedelta(hours=1)
    )
    services.appointment_confirm(appointment=appointment)
    services.appointment_complete(appointment=appointment)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    assert appointment.organization_id == contact.organization_id
    assert appointment.timezone == "Asia/Kolkata"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"end_delta": timedelta(0)}, "end_time"),
        ({"end_delta": -timedelta(minutes=5)}, "end_time"),
        ({"title": " "}, "title"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_appointment_schedule_rejects_bad_input_and_writes_nothing(kwargs, field):
    start = timezone.now() + timedelta(days=1)
    end = start + kwargs.pop("end_delta", timedelta(hours=1))

    with pytest.raises(ValidationError) as caught:
        services.appointment_schedule(
            contact=ContactFactory(),
            **{"title": "Visit", "start_time": start, "end_time": end, **kwargs},
        )

    assert field in caught.value.message_dict
    assert not Appointment.objects.exists()


def test_appointment_cancel_and_invalid_transitions():
    appointment = AppointmentFactory()

    services.appointment_cancel(appointment=appointment)

    with pytest.raises(ValidationError, match="cancelled appointment cannot become completed"):
        services.appointment_complete(
            appointment=AppointmentFactory(
                status=Appointment.Status.CANCELLED, start_time=timezone.now() - timedelta(days=1)
            )
        )
    with pytest.raises(ValidationError, match="cannot become confirmed"):
        services.appointment_confirm(appointment=appointment)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_an_appointment_cannot_be_completed_or_missed_before_it_starts():
    appointment = AppointmentFactory(start_time=timezone.now() + timedelta(hours=1))

    with pytest.raises(ValidationError, match="before it starts"):
        services.appointment_complete(appointment=appointment)
    with pytest.raises(ValidationError, match="not started"):
        services.appointment_mark_no_show(appointment=appointment)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.SCHEDULED


def test_appointment_mark_no_show_after_the_start():
    appointment = AppointmentFactory(start_time=timezone.now() - timedelta(hours=1))

    services.appointment_mark_no_show(appointment=appointment)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.NO_SHOW


# Messages


def test_message_log_and_delivery_reports():
    contact = ContactFactory()
    message = services.message_log(
        contact=contact,
        direction=Message.Direction.OUTBOUND,
        channel=Message.Channel.SMS,
        content="See you tomorrow",
        provider="twilio",
        external_id="SM1",
    )
    delivered_at = timezone.now()

    services.message_update_status(message=message, status="DELIVERED", at=delivered_at)
    services.message_update_status(message=message, status="DELIVERED")  # a repeated report
    services.message_update_status(message=message, status="READ")

    message.refresh_from_db()
    assert message.status == Message.Status.READ
    assert message.delivered_at == delivered_at
    assert message.read_at >= delivered_at
    assert message.organization_id == contact.organization_id


def test_message_log_returns_the_first_record_for_a_repeated_provider_id():
    contact = ContactFactory()
    kwargs = {
        "contact": contact,
        "direction": "INBOUND",
        "channel": "EMAIL",
        "content": "Hi",
        "provider": "sendgrid",
        "external_id": "abc",
    }

    first = services.message_log(**kwargs)
    again = services.message_log(**kwargs)

    assert first == again
    assert Message.objects.count() == 1
    with pytest.raises(ValidationError, match="another contact"):
        services.message_log(**{**kwargs, "contact": ContactFactory()})


@pytest.mark.parametrize(
    "kwargs", [{"direction": "SIDEWAYS"}, {"channel": "PIGEON"}, {"content": " "}]
)
def test_message_log_rejects_bad_input(kwargs):
    with pytest.raises(ValidationError):
        services.message_log(
            **{
                "contact": ContactFactory(),
                "direction": "OUTBOUND",
                "channel": "EMAIL",
                "content": "Hello",
                **kwargs,
            }
        )

    assert not Message.objects.exists()


def test_a_bounced_message_cannot_be_read():
    message = MessageFactory(status=Message.Status.BOUNCED)

    with pytest.raises(ValidationError, match="bounced message cannot become read"):
        services.message_update_status(message=message, status="READ")
    with pytest.raises(ValidationError):
        services.message_update_status(message=message, status="LOST")

    message.refresh_from_db()
    assert message.status == Message.Status.BOUNCED
    assert message.read_at is None


# Tasks


def test_task_create_assign_complete(staff_user):
    contact = ContactFactory()
    due = timezone.now() + timedelta(days=2)

    task = services.task_create(contact=contact, title="Call back", due_date=due, priority="HIGH")
    services.task_assign(task=task, assignee=staff_user)
    services.task_complete(task=task)

    task.refresh_from_db()
    assert task.organization_id == contact.organization_id
    assert task.assignee == staff_user
    assert task.status == Task.Status.COMPLETED
    assert task.completed_at is not None


def test_task_start_moves_a_pending_task_in_progress_and_leaves_it_there():
    task = TaskFactory()

    services.task_start(task=task)
    services.task_start(task=task)

    task.refresh_from_db()
    assert task.status == Task.Status.IN_PROGRESS
    assert task.completed_at is None


def test_tasks_go_to_active_staff_only():
    outsider = get_user_model().objects.create_user(username="visitor")
    task = TaskFactory()

    with pytest.raises(ValidationError, match="works for the task.s organization"):
        services.task_assign(task=task, assignee=outsider)
    with pytest.raises(ValidationError):
        services.task_create(contact=task.contact, title="x", assignee=outsider)

    task.refresh_from_db()
    assert task.assignee is None
    assert Task.objects.count() == 1


def test_a_cancelled_task_cannot_be_completed_or_assigned(staff_user):
    task = TaskFactory()
    services.task_cancel(task=task)

    with pytest.raises(ValidationError, match="cancelled task cannot be completed"):
        services.task_complete(task=task)
    with pytest.raises(ValidationError):
        services.task_assign(task=task, assignee=staff_user)
    with pytest.raises(ValidationError, match="cannot be started"):
        services.task_start(task=task)

    task.refresh_from_db()
    assert task.status == Task.Status.CANCELLED
    assert task.completed_at is None
    assert task.assignee is None


def test_task_create_rejects_bad_input():
    contact = ContactFactory()

    with pytest.raises(ValidationError):
        services.task_create(contact=contact, title=" ")
    with pytest.raises(ValidationError):
        services.task_create(contact=contact, title="x", priority="ASAP")

    assert not Task.objects.exists()
