"""Replies to visitors (issue 18 item 3): Support answers a contact message from its page; the
reply quotes the message, goes out through the outbox with the responded mark in one
transaction, and shows on the lead's (and the converted contact's) timeline with its status."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.roles import SALES, SUPPORT
from leads import services
from leads.models import ContactMessage, LeadEvent, LeadEventType, UsersLead
from leads.replies import REPLY_ORIGIN, contact_message_reply, reply_subject
from leads.selectors import lead_timeline
from outbox.models import OutboxEmail
from outbox.tasks import send_outbox_email
from tests.crm.factories import (
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

ORIGINAL = "Is the Pune project still open?\n\nWe would like to visit next week."


@pytest.fixture(autouse=True)
def groups(db):
    call_command("sync_staff_groups", stdout=StringIO())


def staff(*group_names: str, organization=None):
    user = StaffUserFactory()
    user.groups.set(Group.objects.filter(name__in=group_names))
    if organization is not None:
        OrganizationMembershipFactory(user=user, organization=organization)
    return user


def visitor_message(
    email: str = "priya@example.com", subject: str = "Site visit"
) -> ContactMessage:
    return services.contact_message_create(
        name="Priya Nair", email=email, subject=subject, message=ORIGINAL
    )


def reply_url(message: ContactMessage) -> str:
    return reverse("admin:leads_contactmessage_reply", args=[message.pk])


def message_url(message: ContactMessage) -> str:
    return reverse("admin:leads_contactmessage_change", args=[message.pk])


def replies_written() -> tuple[int, int]:
    return (
        OutboxEmail.objects.filter(origin_label=REPLY_ORIGIN).count(),
        LeadEvent.objects.filter(event_type=LeadEventType.CONTACT_MESSAGE_REPLIED).count(),
    )


# --- The service -----------------------------------------------------------------------------


def test_reply_queues_the_email_quoting_the_message_and_marks_it_responded():
    message = visitor_message()
    support = staff(SUPPORT)

    event = contact_message_reply(
        message=message, subject="Re: Site visit", body="Yes, it is open.", user=support
    )

    email = OutboxEmail.objects.get(origin_label=REPLY_ORIGIN)
    assert (email.to, email.subject, email.status) == (
        "priya@example.com",
        "Re: Site visit",
        "PENDING",
    )
    assert email.origin_id == str(event.pk)
    assert email.body.startswith("Yes, it is open.\n\nOn ")
    assert "Priya Nair <priya@example.com> wrote:" in email.body
    assert "> Is the Pune project still open?\n>\n> We would like to visit next week." in email.body
    message.refresh_from_db()
    assert message.responded and message.responded_by == support
    assert timezone.now() - message.responded_at < timezone.timedelta(minutes=1)
    assert event.event_type == LeadEventType.CONTACT_MESSAGE_REPLIED
    assert event.lead_id == message.lead_id
    assert event.metadata["by"] == support.username
    assert event.metadata["outbox_email_id"] == email.pk
    assert event.metadata["body"] == "Yes, it is open."


def test_subject_is_prefilled_once_with_re():
    assert reply_subject(visitor_message(subject="Site visit")) == "Re: Site visit"
    assert reply_subject(visitor_message(subject="RE: pricing")) == "RE: pricing"
    untitled = visitor_message(subject="")
    assert (
        reply_subject(untitled) == "Re: Is the Pune project still open? We would like to visit next"
    )


def test_a_rolled_back_reply_writes_and_marks_nothing(django_capture_on_commit_callbacks):
    message = visitor_message()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        contact_message_reply(message=message, subject="Re: x", body="Hello", user=staff(SUPPORT))
        raise RuntimeError("the request failed after the reply")

    assert callbacks == []
    assert replies_written() == (0, 0)
    message.refresh_from_db()
    assert not message.responded and message.responded_by is None


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [(" ", "Hello", "subject"), ("Re: x", "  \n ", "body"), ("x" * 256, "Hello", "subject")],
)
def test_an_empty_or_oversized_reply_is_refused_and_writes_nothing(subject, body, field):
    message = visitor_message()

    with pytest.raises(ValidationError) as refused:
        contact_message_reply(message=message, subject=subject, body=body, user=staff(SUPPORT))

    assert field in refused.value.message_dict
    assert replies_written() == (0, 0)
    message.refresh_from_db()
    assert not message.responded


def test_mark_responded_records_who_and_when_and_reopening_clears_them():
    message = visitor_message()
    support = staff(SUPPORT)

    services.contact_message_mark_responded(message=message, by=support.username, user=support)
    message.refresh_from_db()
    assert message.responded and message.responded_by == support
    assert message.responded_at is not None

    services.contact_message_mark_not_responded(message=message, by=support.username)
    message.refresh_from_db()
    assert not message.responded
    assert (message.responded_by, message.responded_at) == (None, None)


# --- The admin -------------------------------------------------------------------------------


def test_support_replies_from_the_message_page(client):
    message = visitor_message()
    support = staff(SUPPORT)
    client.force_login(support)

    page = client.get(message_url(message))
    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["reply_form"].initial["subject"] == "Re: Site visit"
    assert f'action="{reply_url(message)}"' in html
    assert "mailto:" not in html

    response = client.post(
        reply_url(message), {"subject": "Re: Site visit", "body": "Come on Monday."}
    )

    assert response.status_code == 302 and response["Location"] == message_url(message)
    assert replies_written() == (1, 1)
    message.refresh_from_db()
    assert message.responded and message.responded_by == support
    shown = client.get(message_url(message)).content.decode()
    assert "Come on Monday." in shown and "(queued)" in shown


def test_reply_page_shows_the_quote_and_a_bad_post_keeps_the_input(client):
    message = visitor_message()
    client.force_login(staff(SUPPORT))

    page = client.get(reply_url(message))
    assert page.status_code == 200
    assert "&gt; Is the Pune project still open?" in page.content.decode()

    refused = client.post(reply_url(message), {"subject": "Re: Site visit", "body": "   "})

    assert refused.status_code == 400
    assert refused.context["form"].errors["body"]
    assert replies_written() == (0, 0)
    message.refresh_from_db()
    assert not message.responded


def test_the_list_links_each_message_to_its_reply_page(client):
    message = visitor_message()
    client.force_login(staff(SUPPORT))

    listing = client.get(reverse("admin:leads_contactmessage_changelist")).content.decode()

    assert f'href="{reply_url(message)}"' in listing
    assert "mailto:" not in listing


def test_staff_who_may_not_mark_messages_cannot_reply(client):
    message = visitor_message()
    client.force_login(staff(SALES))  # reads contact messages, may not answer them

    page = client.get(message_url(message))
    listing = client.get(reverse("admin:leads_contactmessage_changelist")).content.decode()
    refused = client.post(reply_url(message), {"subject": "Re: x", "body": "Hello"})

    assert page.status_code == 200 and "reply_form" not in page.context
    assert reply_url(message) not in page.content.decode()
    assert reply_url(message) not in listing
    assert refused.status_code == 403
    assert client.get(reply_url(message)).status_code == 403
    assert replies_written() == (0, 0)


def test_a_member_cannot_reply_to_another_organizations_lead(client):
    a, b = OrganizationFactory(name="Agency A"), OrganizationFactory(name="Agency B")
    theirs = visitor_message(email="bob@example.com")
    services.lead_convert_to_contact(lead=theirs.lead, organization=b, by="someone")
    client.force_login(staff(SUPPORT, organization=a))

    assert client.get(reply_url(theirs)).status_code == 404
    assert client.post(reply_url(theirs), {"subject": "Re: x", "body": "Hi"}).status_code == 404
    assert (
        client.post(reverse("admin:leads_contactmessage_reply", args=["not-a-uuid"])).status_code
        == 404
    )
    assert replies_written() == (0, 0)
    theirs.refresh_from_db()
    assert not theirs.responded


# --- Timelines -------------------------------------------------------------------------------


def test_the_reply_shows_on_the_lead_and_the_converted_contacts_timeline(admin_client):
    message = visitor_message()
    support = staff(SUPPORT)
    contact_message_reply(message=message, subject="Re: Site visit", body="Yes.", user=support)
    organization = OrganizationFactory()
    contact = services.lead_convert_to_contact(
        lead=message.lead, organization=organization, by="admin"
    )

    (entry,) = [e for e in lead_timeline(lead=message.lead) if e.kind == "reply"]
    assert entry.label == f"Replied by {support.username} by email (queued): Re: Site visit"
    assert entry.summary == "Yes."
    assert entry.url == message_url(message)

    lead_page = admin_client.get(reverse("admin:leads_userslead_change", args=[message.lead.pk]))
    contact_page = admin_client.get(reverse("admin:crm_contact_change", args=[contact.pk]))
    assert entry.label in lead_page.content.decode()
    assert f"As lead priya@example.com: {entry.label}" in contact_page.content.decode()


def test_a_lead_without_replies_reads_no_outbox_rows(django_assert_num_queries):
    lead = visitor_message().lead

    with django_assert_num_queries(6):
        lead_timeline(lead=lead)


# --- End to end: a real SMTP server receives the reply ---------------------------------------


def test_the_visitor_receives_the_reply_and_the_timeline_says_sent(smtp, client):
    message = visitor_message()
    client.force_login(staff(SUPPORT))
    client.post(reply_url(message), {"subject": "Re: Site visit", "body": "Come on Monday."})
    email = OutboxEmail.objects.get(origin_label=REPLY_ORIGIN)
    assert smtp.messages == []  # queued, not sent by the request

    assert send_outbox_email(email.pk) == "sent"

    assert smtp.recipients() == ["priya@example.com"]
    data = smtp.messages[0]["data"]
    assert "Subject: Re: Site visit" in data
    assert "Come on Monday." in data
    assert "> Is the Pune project still open?" in data
    lead = UsersLead.objects.get(email="priya@example.com")
    (entry,) = [e for e in lead_timeline(lead=lead) if e.kind == "reply"]
    assert "by email (sent)" in entry.label


def test_a_rejected_reply_shows_failed_with_the_reason(smtp):
    message = visitor_message(email="gone@example.com")
    contact_message_reply(message=message, subject="Re: x", body="Hello", user=staff(SUPPORT))
    smtp.replies = ["550 5.1.1 Mailbox unavailable"]

    assert send_outbox_email(OutboxEmail.objects.get(origin_label=REPLY_ORIGIN).pk) == "failed"

    (entry,) = [e for e in lead_timeline(lead=message.lead) if e.kind == "reply"]
    assert "(failed: 550" in entry.label and "Mailbox unavailable" in entry.label
    assert smtp.messages == []
