"""Delivery reports (issue 18 item 2): django-anymail's tracking webhooks, signed with basic
auth, move a CRM email (and a reply to a visitor) to DELIVERED or BOUNCED once; an older report
never overwrites a newer one; unsigned posts are refused and unknown ids ignored."""

import base64
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from crm.models import Message
from crm.services.messages import message_send_email
from leads import services as lead_services
from leads.replies import REPLY_ORIGIN, contact_message_reply
from leads.selectors import lead_timeline
from outbox.models import OutboxEmail
from outbox.services import email_record_delivery
from outbox.signals import email_delivery_reported
from outbox.tasks import send_outbox_email
from tests.crm.factories import ContactFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

SECRET = "hooks:s3cret-webhook-password"
URL = "/anymail/postmark/tracking/"
T0 = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def signed(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": [SECRET]}


def auth(secret: str = SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def delivered(message_id: str, at: datetime) -> dict:
    return {
        "RecordType": "Delivery",
        "MessageID": message_id,
        "Recipient": "ann@example.com",
        "DeliveredAt": at.isoformat(),
        "Details": "Test delivery webhook details",
        "Metadata": {},
    }


def bounced(message_id: str, at: datetime) -> dict:
    return {
        "RecordType": "Bounce",
        "ID": 42,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": message_id,
        "Description": "The server was unable to deliver your message.",
        "Details": "smtp;550 5.1.1 The email account does not exist.",
        "Email": "ann@example.com",
        "BouncedAt": at.isoformat(),
    }


def post(client, event: dict, **headers):
    return client.post(URL, json.dumps(event), content_type="application/json", **headers)


@pytest.fixture
def sent_message(smtp):
    """A CRM email the (aiosmtpd) mail server took: SENT, with its Message-ID recorded."""
    contact = ContactFactory(email="ann@example.com")
    message = message_send_email(contact=contact, subject="Your visit", body="See you Monday.")
    email = OutboxEmail.objects.get(origin_label="crm.message", origin_id=str(message.pk))
    assert send_outbox_email(email.pk) == "sent"
    email.refresh_from_db()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    return message, email


def snapshot():
    return (
        list(Message.objects.order_by("pk").values()),
        list(OutboxEmail.objects.order_by("pk").values()),
    )


def test_the_sent_email_carries_the_message_id_the_row_keeps(sent_message, smtp):
    _, email = sent_message

    assert email.provider_message_id and "<" not in email.provider_message_id
    assert f"Message-ID: <{email.provider_message_id}>" in smtp.messages[0]["data"]


def test_an_anymail_backends_own_message_id_is_kept(settings):
    from django.core import mail

    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    contact = ContactFactory(email="ann@example.com")
    message_send_email(contact=contact, subject="Hi", body="Hello")
    email = OutboxEmail.objects.get()

    assert send_outbox_email(email.pk) == "sent"

    email.refresh_from_db()
    (sent,) = mail.outbox
    assert email.provider_message_id == str(sent.anymail_status.message_id)


def test_a_signed_delivery_report_updates_the_message_once(client, signed, sent_message):
    message, email = sent_message
    reports = []
    email_delivery_reported.connect(
        lambda sender, email, **kw: reports.append(email.pk), weak=False, dispatch_uid="t"
    )
    try:
        first = post(client, delivered(email.provider_message_id, T0), **auth())
        message.refresh_from_db()
        after_first = snapshot()
        again = post(client, delivered(email.provider_message_id, T0), **auth())
    finally:
        email_delivery_reported.disconnect(dispatch_uid="t")

    assert first.status_code == 200 and again.status_code == 200
    assert message.status == Message.Status.DELIVERED and message.delivered_at == T0
    email.refresh_from_db()
    assert (email.delivery_status, email.delivery_event_at) == ("DELIVERED", T0)
    assert snapshot() == after_first  # the same report twice changes nothing more
    assert reports == [email.pk]


def test_the_webhook_takes_the_id_in_angle_brackets_too(client, signed, sent_message):
    message, email = sent_message

    post(client, delivered(f"<{email.provider_message_id}>", T0), **auth())

    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


@pytest.mark.parametrize(
    "headers",
    [{}, auth("hooks:wrong-password"), auth("someone:" + SECRET.split(":")[1])],
    ids=["unsigned", "wrong-password", "wrong-user"],
)
def test_an_unsigned_or_badly_signed_report_is_refused_and_writes_nothing(
    client, signed, sent_message, headers
):
    _, email = sent_message
    before = snapshot()

    response = post(client, bounced(email.provider_message_id, T0), **headers)

    assert 400 <= response.status_code < 500
    assert snapshot() == before


def test_without_a_secret_the_webhooks_are_not_there(client, settings, sent_message):
    settings.ANYMAIL = {"WEBHOOK_SECRET": []}
    _, email = sent_message
    before = snapshot()

    response = post(client, delivered(email.provider_message_id, T0), **auth())

    assert response.status_code == 404
    assert snapshot() == before


def test_an_older_report_after_a_newer_one_changes_nothing(client, signed, sent_message):
    message, email = sent_message
    post(client, bounced(email.provider_message_id, T0 + timedelta(minutes=5)), **auth())
    message.refresh_from_db()
    assert message.status == Message.Status.BOUNCED
    assert "550 5.1.1" in message.failure_reason
    before = snapshot()

    late = post(client, delivered(email.provider_message_id, T0), **auth())

    assert late.status_code == 200
    assert snapshot() == before


def test_a_newer_report_wins_over_an_older_one(client, signed, sent_message):
    message, email = sent_message
    post(client, delivered(email.provider_message_id, T0), **auth())

    post(client, bounced(email.provider_message_id, T0 + timedelta(hours=1)), **auth())

    message.refresh_from_db()
    assert message.status == Message.Status.BOUNCED


def test_an_unknown_message_id_is_ignored_with_200(client, signed, sent_message):
    before = snapshot()

    response = post(client, delivered("nobody-knows-this@example.com", T0), **auth())

    assert response.status_code == 200
    assert snapshot() == before


def test_other_events_are_ignored(client, signed, sent_message):
    _, email = sent_message
    before = snapshot()
    opened = {
        "RecordType": "Open",
        "MessageID": email.provider_message_id,
        "Recipient": "ann@example.com",
        "ReceivedAt": T0.isoformat(),
    }

    assert post(client, opened, **auth()).status_code == 200
    assert snapshot() == before


def test_a_reply_to_a_visitor_shows_delivered_then_bounced(client, signed, smtp):
    message = lead_services.contact_message_create(
        name="Priya", email="priya@example.com", subject="Visit", message="Can I come Sunday?"
    )
    contact_message_reply(
        message=message, subject="Re: Visit", body="Yes.", user=StaffUserFactory()
    )
    email = OutboxEmail.objects.get(origin_label=REPLY_ORIGIN)
    send_outbox_email(email.pk)
    email.refresh_from_db()

    def reply_label() -> str:
        (entry,) = [e for e in lead_timeline(lead=message.lead) if e.kind == "reply"]
        return entry.label

    assert "(sent)" in reply_label()
    post(client, delivered(email.provider_message_id, T0), **auth())
    assert "(delivered)" in reply_label()
    post(client, bounced(email.provider_message_id, T0 + timedelta(minutes=1)), **auth())
    assert (
        "(bounced: The server was unable to deliver your message. smtp;550 5.1.1" in reply_label()
    )


@pytest.mark.django_db(transaction=True)
def test_racing_reports_end_on_the_newest(postgres_only, smtp):
    """Reports of one email racing in threads (PostgreSQL): the newest wins, whatever order."""
    contact = ContactFactory(email="ann@example.com")
    message = message_send_email(contact=contact, subject="Hi", body="Hello")
    email = OutboxEmail.objects.get()
    send_outbox_email(email.pk)
    email.refresh_from_db()
    times = [T0 + timedelta(seconds=n) for n in range(8)]
    newest = times[-1]
    barrier = threading.Barrier(len(times))

    def report(at):
        try:
            barrier.wait()
            status = "BOUNCED" if at == newest else "DELIVERED"
            email_record_delivery(
                provider_message_id=email.provider_message_id, status=status, at=at
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(at,)) for at in reversed(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    email.refresh_from_db()
    message.refresh_from_db()
    assert (email.delivery_status, email.delivery_event_at) == ("BOUNCED", newest)
    assert message.status == Message.Status.BOUNCED


def test_the_contact_timeline_says_bounced_with_the_reason(
    client, admin_client, signed, sent_message
):
    message, email = sent_message

    post(client, bounced(email.provider_message_id, T0), **auth())

    page = admin_client.get(f"/admin/crm/contact/{message.contact_id}/change/").content.decode()
    assert "Email to the contact (bounced: " in page
    assert "550 5.1.1 The email account does not exist." in page
