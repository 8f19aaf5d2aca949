"""Changing notes, tasks and messages goes through the services (issue 17 item 4): the admin's
change pages call them, their rules hold, and a refusal writes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm import services
from crm.models import ContactNote, Message, Task
from tests.crm.factories import (
    ContactFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def test_task_update_changes_only_what_differs_and_keeps_the_rules():
    task = TaskFactory(title="Call back")
    colleague = StaffUserFactory()
    OrganizationMembershipFactory(user=colleague, organization=task.organization)
    before = Task.objects.get(pk=task.pk).updated_at

    unchanged = services.task_update(task=task, data={"title": " Call back "})
    assert unchanged.updated_at == before

    updated = services.task_update(
        task=task, data={"title": " Call back today ", "priority": "HIGH", "assignee": colleague}
    )

    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, stored.priority, stored.assignee_id) == (
        "Call back today",
        "HIGH",
        colleague.pk,
    )
    assert updated.updated_at > before


@pytest.mark.parametrize(
    "data",
    [
        {"title": "  "},
        {"priority": "SOMEDAY"},
        {"status": "DONE"},
        {"contact": "other organization"},
        {"assignee": "outsider"},
    ],
    ids=["blank title", "unknown priority", "status", "foreign contact", "outsider"],
)
def test_task_update_refuses_and_writes_nothing(data):
    task = TaskFactory(title="Call back")
    if data.get("contact") == "other organization":
        data = {"contact": ContactFactory()}
    if data.get("assignee") == "outsider":
        data = {"assignee": StaffUserFactory()}  # works for another organization or none
        OrganizationMembershipFactory(user=data["assignee"])
    before = Task.objects.values().get(pk=task.pk)

    with pytest.raises(ValidationError):
        services.task_update(task=task, data=data)

    assert Task.objects.values().get(pk=task.pk) == before


def test_message_update_corrects_a_logged_message_and_refuses_bad_values():
    message = MessageFactory(content="Called, no answer")
    before = Message.objects.values().get(pk=message.pk)

    for bad in (
        {"content": " "},
        {"channel": "PIGEON"},
        {"status": Message.Status.DELIVERED},
        {"contact": ContactFactory()},
    ):
        with pytest.raises(ValidationError):
            services.message_update(message=message, data=bad)
    assert Message.objects.values().get(pk=message.pk) == before

    services.message_update(
        message=message, data={"content": " Called, left a voicemail ", "subject": " Follow-up "}
    )
    stored = Message.objects.get(pk=message.pk)
    assert (stored.content, stored.subject) == ("Called, left a voicemail", "Follow-up")


def test_note_update_trims_and_stays_in_the_organization():
    note = ContactNoteFactory(content="First call")
    sibling = ContactFactory(organization=note.organization)

    with pytest.raises(ValidationError):
        services.contact_note_update(note=note, data={"content": "  "})
    with pytest.raises(ValidationError):
        services.contact_note_update(note=note, data={"contact": ContactFactory()})
    assert ContactNote.objects.get(pk=note.pk).content == "First call"

    services.contact_note_update(note=note, data={"content": " Second call ", "contact": sibling})

    stored = ContactNote.objects.get(pk=note.pk)
    assert (stored.content, stored.contact_id) == ("Second call", sibling.pk)


def test_the_admin_change_pages_save_through_the_services(admin_client, monkeypatch):
    task = TaskFactory(title="Call back")
    calls = []
    real = services.task_update

    def spy(**kwargs):
        calls.append(kwargs["data"])
        return real(**kwargs)

    monkeypatch.setattr(services, "task_update", spy)
    url = reverse("admin:crm_task_change", args=[task.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"title": "Call back on Monday", "contact": str(task.contact_id)})

    answer = admin_client.post(url, data)

    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert calls == [{"title": "Call back on Monday"}]
    assert Task.objects.get(pk=task.pk).title == "Call back on Monday"


def test_logging_a_message_in_the_admin_keeps_its_subject(admin_client):
    contact = ContactFactory()

    answer = admin_client.post(
        reverse("admin:crm_message_add"),
        {
            "contact": str(contact.pk),
            "direction": Message.Direction.INBOUND,
            "channel": Message.Channel.CALL,
            "subject": " Pricing ",
            "content": " Asked about the price ",
            "sent_at_0": "2026-12-01",
            "sent_at_1": "10:00:00",
            "provider": "",
            "external_id": "",
        },
    )

    assert answer.status_code == 302, answer.content.decode()[:2000]
    message = Message.objects.get(contact=contact)
    assert (message.subject, message.content, message.organization_id) == (
        "Pricing",
        "Asked about the price",
        contact.organization_id,
    )
