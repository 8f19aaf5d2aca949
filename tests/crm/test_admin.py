from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Appointment, Contact, Task
from tests.crm.factories import (
    AppointmentFactory,
    ClinicFactory,
    ContactFactory,
    TagFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

# The management forms of ContactAdmin's inlines, as a browser posts them with no rows.
NO_INLINE_ROWS = {
    f"{prefix}-{field}": "0"
    for prefix in ("contact_tags", "tasks", "integrations", "enrollments", "lesson_progress")
    for field in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def custom_field_rows(*rows: tuple[str, str]) -> dict:
    """The custom fields as the key/value widget posts them."""
    return {
        "custom_fields-rows": "1",
        "custom_fields-name": [name for name, _ in rows],
        "custom_fields-value": [value for _, value in rows],
    }


def test_contact_changelist_filters_by_tag_and_type(admin_client):
    tagged = ContactFactory(name="Tagged Person", contact_type=Contact.Type.PATIENT)
    tag = TagFactory(organization=tagged.organization, name="vip")
    tagged.tags.add(tag)
    ContactFactory(name="Plain Person")
    url = reverse("admin:crm_contact_changelist")

    by_tag = admin_client.get(url, {"tags__id__exact": tag.pk})
    by_type = admin_client.get(url, {"contact_type__exact": "PATIENT"})

    assert by_tag.status_code == 200
    assert b"Tagged Person" in by_tag.content and b"Plain Person" not in by_tag.content
    assert b"Tagged Person" in by_type.content and b"Plain Person" not in by_type.content


def test_contact_admin_refuses_a_patient_under_a_non_clinic(admin_client):
    parent = ContactFactory(contact_type=Contact.Type.INDIVIDUAL)
    response = admin_client.post(
        reverse("admin:crm_contact_add"),
        {
            "organization": parent.organization_id,
            "contact_type": "PATIENT",
            "parent_contact": parent.pk,
            "name": "New patient",
            **custom_field_rows(),
            **NO_INLINE_ROWS,
        },
    )

    assert response.status_code == 200
    assert b"can only be placed under a clinic" in response.content
    assert not Contact.objects.filter(name="New patient").exists()


def test_contact_admin_explains_bad_custom_fields(admin_client):
    clinic = ClinicFactory()
    response = admin_client.post(
        reverse("admin:crm_contact_change", args=[clinic.pk]),
        {
            "organization": clinic.organization_id,
            "contact_type": "CLINIC",
            "name": clinic.name,
            **custom_field_rows(("chairs", "4"), ("", "orphan value"), ("chairs", "5")),
            **NO_INLINE_ROWS,
        },
    )

    assert response.status_code == 200
    assert b"This value needs a name." in response.content
    assert "“chairs” is already used above.".encode() in response.content
    clinic.refresh_from_db()
    assert clinic.custom_fields == {}


def test_task_admin_action_completes_open_tasks_and_reports_the_rest(admin_client):
    open_task = TaskFactory()
    cancelled = TaskFactory(status=Task.Status.CANCELLED)

    response = admin_client.post(
        reverse("admin:crm_task_changelist"),
        {"action": "complete", "_selected_action": [open_task.pk, cancelled.pk]},
        follow=True,
    )

    assert response.status_code == 200
    open_task.refresh_from_db()
    cancelled.refresh_from_db()
    assert open_task.status == Task.Status.COMPLETED and open_task.completed_at
    assert cancelled.status == Task.Status.CANCELLED
    assert b"cannot be completed" in response.content


def test_appointment_admin_actions_cancel_and_confirm(admin_client):
    to_cancel = AppointmentFactory()
    to_confirm = AppointmentFactory(start_time=timezone.now() + timedelta(days=3))
    url = reverse("admin:crm_appointment_changelist")

    admin_client.post(url, {"action": "cancel", "_selected_action": [to_cancel.pk]})
    admin_client.post(url, {"action": "confirm", "_selected_action": [to_confirm.pk]})

    to_cancel.refresh_from_db()
    to_confirm.refresh_from_db()
    assert to_cancel.status == Appointment.Status.CANCELLED
    assert to_confirm.status == Appointment.Status.CONFIRMED


def test_task_admin_add_takes_the_organization_from_the_contact(admin_client):
    contact = ContactFactory()

    response = admin_client.post(
        reverse("admin:crm_task_add"),
        {"contact": contact.pk, "title": "Send invoice", "priority": "MEDIUM"},
    )

    assert response.status_code == 302
    task = Task.objects.get(title="Send invoice")
    assert task.organization_id == contact.organization_id
    assert task.status == Task.Status.PENDING


def test_contact_admin_adds_a_patient_under_a_clinic_with_custom_fields(admin_client):
    clinic = ClinicFactory()

    response = admin_client.post(
        reverse("admin:crm_contact_add"),
        {
            "organization": clinic.organization_id,
            "contact_type": "PATIENT",
            "parent_contact": clinic.pk,
            "name": "New patient",
            **custom_field_rows(("insurer", "Acme"), ("visits", "3"), ("", "")),
            **NO_INLINE_ROWS,
        },
    )

    assert response.status_code == 302
    patient = Contact.objects.get(name="New patient")
    assert patient.parent_contact == clinic
    assert patient.custom_fields == {"insurer": "Acme", "visits": 3}


def test_contact_admin_refuses_a_tag_of_another_organization(admin_client):
    clinic = ClinicFactory()
    foreign_tag = TagFactory(name="elsewhere")

    response = admin_client.post(
        reverse("admin:crm_contact_change", args=[clinic.pk]),
        {
            "organization": clinic.organization_id,
            "contact_type": "CLINIC",
            "name": clinic.name,
            **custom_field_rows(),
            **NO_INLINE_ROWS,
            "contact_tags-TOTAL_FORMS": "1",
            "contact_tags-0-tag": foreign_tag.pk,
        },
    )

    assert response.status_code == 200
    assert b"another organization" in response.content
    assert not clinic.tags.exists()


def test_contact_admin_tags_a_contact_with_its_organizations_tag(admin_client):
    clinic = ClinicFactory()
    tag = TagFactory(organization=clinic.organization, name="vip")

    response = admin_client.post(
        reverse("admin:crm_contact_change", args=[clinic.pk]),
        {
            "organization": clinic.organization_id,
            "contact_type": "CLINIC",
            "name": clinic.name,
            **custom_field_rows(),
            **NO_INLINE_ROWS,
            "contact_tags-TOTAL_FORMS": "1",
            "contact_tags-0-tag": tag.pk,
        },
    )

    assert response.status_code == 302
    assert list(clinic.tags.all()) == [tag]


def test_contact_admin_writes_through_the_services(admin_client, monkeypatch):
    from crm import services

    clinic = ClinicFactory()
    patient = ContactFactory(organization=clinic.organization, contact_type=Contact.Type.PATIENT)
    calls = []
    for name in ("contact_update", "contact_move"):
        original = getattr(services, name)
        monkeypatch.setattr(
            services,
            name,
            lambda *, _original=original, _name=name, **kwargs: (
                calls.append(_name) or _original(**kwargs)
            ),
        )

    response = admin_client.post(
        reverse("admin:crm_contact_change", args=[patient.pk]),
        {
            "contact_type": "PATIENT",
            "parent_contact": clinic.pk,
            "name": "  Renamed Patient ",
            **custom_field_rows(),
            **NO_INLINE_ROWS,
        },
    )

    assert response.status_code == 302
    assert calls == ["contact_update", "contact_move"]
    patient.refresh_from_db()
    assert patient.name == "Renamed Patient"
    assert patient.parent_contact == clinic


def test_contact_admin_keeps_a_contact_in_its_organization(admin_client):
    contact = ContactFactory(name="Stays Put")
    elsewhere = ContactFactory().organization

    response = admin_client.post(
        reverse("admin:crm_contact_change", args=[contact.pk]),
        {
            "organization": elsewhere.pk,
            "contact_type": contact.contact_type,
            "name": "Stays Put",
            **custom_field_rows(),
            **NO_INLINE_ROWS,
        },
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.organization_id != elsewhere.pk


def test_note_admin_makes_the_signed_in_user_the_author(admin_client, admin_user):
    from crm.models import ContactNote
    from tests.crm.factories import StaffUserFactory

    contact = ContactFactory()
    someone_else = StaffUserFactory()

    response = admin_client.post(
        reverse("admin:crm_contactnote_add"),
        {"contact": contact.pk, "content": "Called back", "author": someone_else.pk},
    )

    assert response.status_code == 302
    note = ContactNote.objects.get()
    assert (note.author, note.organization_id) == (admin_user, contact.organization_id)


def test_task_filters_for_overdue_and_assigned_to_me(admin_client, admin_user):
    now = timezone.now()
    overdue = TaskFactory(due_date=now - timedelta(days=1), assignee=admin_user)
    TaskFactory(due_date=now - timedelta(days=1), status=Task.Status.CANCELLED)
    later = TaskFactory(due_date=now + timedelta(days=3))
    url = reverse("admin:crm_task_changelist")

    overdue_list = admin_client.get(url, {"due": "overdue"}).context["cl"].result_list
    next_week = admin_client.get(url, {"due": "next7"}).context["cl"].result_list
    mine = admin_client.get(url, {"assigned": "me"}).context["cl"].result_list

    assert list(overdue_list) == [overdue]
    assert list(next_week) == [later]
    assert list(mine) == [overdue]


def test_appointment_and_message_date_ranges(admin_client):
    from crm.models import Message
    from tests.crm.factories import MessageFactory

    soon = AppointmentFactory(start_time=timezone.now() + timedelta(days=2))
    AppointmentFactory(start_time=timezone.now() + timedelta(days=20))
    recent = MessageFactory(sent_at=timezone.now() - timedelta(days=2))
    MessageFactory(sent_at=timezone.now() - timedelta(days=40))

    appointments = admin_client.get(
        reverse("admin:crm_appointment_changelist"), {"starts": "next7"}
    ).context["cl"]
    messages = admin_client.get(reverse("admin:crm_message_changelist"), {"sent": "past7"}).context[
        "cl"
    ]

    assert list(appointments.result_list) == [soon]
    assert list(messages.result_list) == [recent]
    assert Message.objects.count() == 2


def test_message_form_says_sms_and_chat_are_logged_not_sent(admin_client):
    response = admin_client.get(reverse("admin:crm_message_add"))

    assert response.status_code == 200
    help_text = response.context["adminform"].form.fields["channel"].help_text
    assert "SMS and chat messages are logged, not sent" in help_text
    assert "SMS and chat messages are logged, not sent" in response.content.decode()
