"""Email from the CRM through the outbox, to a real SMTP server (aiosmtpd)."""

import pytest

from crm.models import Message
from outbox.models import OutboxEmail
from outbox.tasks import send_outbox_email
from tests.api_support import bearer_client, grant, world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory, OrganizationMembershipFactory

pytestmark = pytest.mark.django_db


def send_all() -> None:
    for email_id in OutboxEmail.objects.filter(status="PENDING").values_list("id", flat=True):
        send_outbox_email(email_id)


def test_api_email_is_queued_then_sent(world, smtp, django_capture_on_commit_callbacks):
    contact = ContactFactory(organization=world.org_a, email="ann@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = world.a.post(
            f"/api/crm/contacts/{contact.pk}/email/",
            {"subject": "Your visit", "body": "See you on Monday."},
            format="json",
        )

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "QUEUED"
    message = Message.objects.get(pk=body["id"])
    assert (message.direction, message.channel, message.subject) == (
        "OUTBOUND",
        "EMAIL",
        "Your visit",
    )
    email = OutboxEmail.objects.get()
    assert (email.to, email.origin_label, email.origin_id) == (
        "ann@example.com",
        "crm.message",
        str(message.pk),
    )
    assert smtp.messages == []

    send_all()

    shown = world.a.get(f"/api/crm/messages/{message.pk}/").json()
    assert shown["status"] == "SENT" and shown["failure_reason"] == ""
    assert smtp.recipients() == ["ann@example.com"]
    assert "Subject: Your visit" in smtp.messages[0]["data"]


def test_rejected_email_fails_with_the_reason_and_can_be_resent(world, smtp):
    contact = ContactFactory(organization=world.org_a, email="gone@example.com")
    smtp.replies = ["550 5.1.1 Mailbox unavailable"]
    queued = world.a.post(
        f"/api/crm/contacts/{contact.pk}/email/", {"subject": "Hi", "body": "Hello"}, format="json"
    ).json()

    send_all()

    shown = world.a.get(f"/api/crm/messages/{queued['id']}/").json()
    assert shown["status"] == "FAILED"
    assert "550" in shown["failure_reason"] and "Mailbox unavailable" in shown["failure_reason"]
    assert smtp.messages == []

    resent = world.a.post(f"/api/crm/messages/{queued['id']}/resend/")
    assert resent.status_code == 202, resent.content
    assert resent.json()["status"] == "QUEUED"
    send_all()

    assert world.a.get(f"/api/crm/messages/{queued['id']}/").json()["status"] == "SENT"
    assert smtp.recipients() == ["gone@example.com"]
    # Only a failed one is resent.
    again = world.a.post(f"/api/crm/messages/{queued['id']}/resend/")
    assert again.status_code == 400


def test_refused_emails_write_nothing(world):
    no_address = ContactFactory(organization=world.org_a, email=None)
    theirs = ContactFactory(organization=world.org_b, email="b@example.com")
    mine = ContactFactory(organization=world.org_a, email="a@example.com")
    viewer = grant(
        OrganizationMembershipFactory(organization=world.org_a).user,
        "crm.view_contact",
        "crm.view_message",
    )

    no_email = world.a.post(
        f"/api/crm/contacts/{no_address.pk}/email/", {"subject": "S", "body": "B"}, format="json"
    )
    foreign = world.a.post(
        f"/api/crm/contacts/{theirs.pk}/email/", {"subject": "S", "body": "B"}, format="json"
    )
    blank = world.a.post(
        f"/api/crm/contacts/{mine.pk}/email/", {"subject": " ", "body": "B"}, format="json"
    )
    forbidden = bearer_client(viewer).post(
        f"/api/crm/contacts/{mine.pk}/email/", {"subject": "S", "body": "B"}, format="json"
    )

    assert no_email.status_code == 400 and "no email address" in no_email.json()["detail"]
    assert foreign.status_code == 404
    assert blank.status_code == 400
    assert forbidden.status_code == 403
    assert not Message.objects.exists()
    assert not OutboxEmail.objects.exists()


# --- The contact page -----------------------------------------------------------------------


def test_contact_page_composes_from_a_template_and_queues_the_email(admin_client, smtp):
    from django.urls import reverse

    from tests.crm.factories import MessageFactory

    contact = ContactFactory(email="page@example.com")
    MessageFactory(contact=contact, organization=contact.organization, channel="SMS")
    page = admin_client.get(reverse("admin:crm_contact_change", args=[contact.pk]))
    url = reverse("admin:crm_contact_send_email", args=[contact.pk])
    assert page.status_code == 200
    assert f"{url}?template=follow_up" in page.content.decode()
    assert "logged, not sent" in page.content.decode()

    compose = admin_client.get(url, {"template": "follow_up"})
    assert compose.status_code == 200
    assert "Following up on your enquiry" in compose.content.decode()

    sent = admin_client.post(url, {"subject": "Hello there", "body": "A short note."})
    assert sent.status_code == 302
    message = Message.objects.get(channel="EMAIL")
    assert (message.status, message.subject) == ("QUEUED", "Hello there")
    send_all()
    message.refresh_from_db()
    assert message.status == "SENT"
    assert smtp.recipients() == ["page@example.com"]
    timeline = admin_client.get(reverse("admin:crm_contact_change", args=[contact.pk]))
    assert "Email to the contact (sent)" in timeline.content.decode()


def test_contact_page_email_refuses_a_blank_body(admin_client):
    from django.urls import reverse

    contact = ContactFactory(email="page@example.com")
    url = reverse("admin:crm_contact_send_email", args=[contact.pk])

    response = admin_client.post(url, {"subject": "Hi", "body": "  "})

    assert response.status_code == 400
    assert not Message.objects.exists() and not OutboxEmail.objects.exists()
