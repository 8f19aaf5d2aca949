"""A reply to a visitor (issue 18 item 3) is part of what is held about them: the export holds
its email (outbox row) and its event, and an erasure removes both."""

import pytest

from leads import services
from leads.models import LeadEvent, LeadEventType
from leads.replies import REPLY_ORIGIN, contact_message_reply
from outbox.models import OutboxEmail
from privacy.erase import person_erase
from privacy.export import person_export
from tests.crm.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

EMAIL = "kavya.replyzq@example.com"


def replied_visitor():
    message = services.contact_message_create(
        name="Kavya", email=EMAIL, subject="Visit", message="Can I visit the site on Sunday?"
    )
    contact_message_reply(
        message=message, subject="Re: Visit", body="Sunday works.", user=StaffUserFactory()
    )
    # Somebody else's reply stays whatever happens to Kavya's.
    other = services.contact_message_create(
        name="Other", email="other.visitor@example.com", message="A question about prices."
    )
    contact_message_reply(
        message=other, subject="Re: prices", body="Soon.", user=StaffUserFactory()
    )


def test_the_export_holds_the_reply_email_and_its_event():
    replied_visitor()

    document = person_export(email=EMAIL)

    # The visitor's auto-reply (alerts) is there too; the reply is the one from the admin.
    (email,) = [
        row
        for row in document["records"]["outbox.OutboxEmail"]
        if row["fields"]["origin_label"] == REPLY_ORIGIN
    ]
    assert email["fields"]["to"] == EMAIL
    assert email["fields"]["origin_label"] == REPLY_ORIGIN
    assert "Sunday works." in email["fields"]["body"]
    replies = [
        event
        for event in document["records"]["leads.LeadEvent"]
        if event["fields"]["event_type"] == LeadEventType.CONTACT_MESSAGE_REPLIED
    ]
    assert len(replies) == 1 and replies[0]["fields"]["metadata"]["body"] == "Sunday works."
    assert "other.visitor" not in str(document)


def test_erasure_removes_the_reply_email_and_its_event_and_nothing_else():
    replied_visitor()

    person_erase(email=EMAIL)

    assert not OutboxEmail.objects.filter(to=EMAIL).exists()
    assert set(OutboxEmail.objects.values_list("to", flat=True)) == {"other.visitor@example.com"}
    assert OutboxEmail.objects.filter(origin_label=REPLY_ORIGIN).count() == 1
    replies = LeadEvent.objects.filter(event_type=LeadEventType.CONTACT_MESSAGE_REPLIED)
    assert [event.metadata["to"] for event in replies] == ["other.visitor@example.com"]
