"""Staff digests and visitor confirmations reach a real SMTP server (aiosmtpd): in-process,
and through a real worker and scheduler on RabbitMQ."""

import email
import time

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from alerts.models import StaffAlert
from alerts.tasks import digest
from leads import services as leads_services
from outbox.models import OutboxEmail
from tests.outbox.test_outbox import broker
from tests.outbox.test_worker import (
    BROKER_URL,
    purge,
    start_worker,
    stop,
    wait_until,
    worker_env,
)

STAFF = ["alerts@staff.example.com", "owner@staff.example.com"]


def digests_received(smtp) -> list[tuple[str, email.message.Message]]:
    received = []
    for message in smtp.messages:
        parsed = email.message_from_string(message["data"])
        if parsed["Subject"].startswith("New on the site"):
            received.extend((to, parsed) for to in message["to"])
    return received


@pytest.mark.django_db
def test_public_submissions_reach_staff_as_one_digest_over_smtp(
    smtp, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_ALERT_EMAILS = STAFF
    settings.SITE_URL = "https://crm.example.com"
    api = APIClient()
    with broker("memory://", eager=True), django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            answer = api.post(
                "/api/contact/",
                {
                    "name": f"Visitor {n}",
                    "email": f"visitor{n}@example.com",
                    "message": "Please call me about the Baner project.",
                },
                format="json",
            )
            assert answer.status_code == 201
        answer = api.post(
            "/api/early-access/",
            {
                "email": "meena@example.com",
                "intent_level": "HIGH",
                "investment_range": "BELOW_10K",
                "city": "Pune",
            },
            format="json",
        )
        assert answer.status_code == 201
    assert digests_received(smtp) == []  # nothing before the digest runs
    # Each visitor's confirmation went out at commit, one each.
    confirmations = sorted(
        (message["to"][0], email.message_from_string(message["data"])["Subject"])
        for message in smtp.messages
    )
    assert confirmations == [
        ("meena@example.com", "You are on the early-access list"),
        *((f"visitor{n}@example.com", "We received your message") for n in range(3)),
    ]

    with broker("memory://", eager=True), django_capture_on_commit_callbacks(execute=True):
        assert digest() == 2

    received = digests_received(smtp)
    assert sorted(to for to, _ in received) == STAFF
    _, message = received[0]
    assert message["Subject"] == "New on the site: 3 contact messages, 1 early-access request"
    assert message.is_multipart()
    text, html = (part.get_payload(decode=True).decode() for part in message.get_payload())
    assert "Visitor 2 <visitor2@example.com>" in text
    assert "https://crm.example.com/admin/leads/contactmessage/" in text
    assert '<a href="https://crm.example.com/admin/leads/earlyaccessrequest/' in html
    assert set(
        OutboxEmail.objects.filter(origin_label="alerts.digest").values_list("status", flat=True)
    ) == {OutboxEmail.Status.SENT}

    # The next minute: nothing new, nothing sent.
    with broker("memory://", eager=True), django_capture_on_commit_callbacks(execute=True):
        assert digest() == 0
    assert len(digests_received(smtp)) == 2
    assert len(smtp.messages) == 4 + 2


@pytest.mark.postgres
@pytest.mark.skipif(not BROKER_URL, reason="set TEST_CELERY_BROKER_URL to run real workers")
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_500_submissions_makes_a_handful_of_digests(
    postgres_only, smtp_server, tmp_path
):
    # A real worker with its beat on RabbitMQ; the digest runs every second here.
    env = worker_env(
        smtp_server, STAFF_ALERT_EMAILS=",".join(STAFF), STAFF_ALERT_DIGEST_SECONDS="1"
    )
    purge(env)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, tmp_path / "beat")
    try:
        started = time.monotonic()
        with broker(BROKER_URL):
            for n in range(500):
                with transaction.atomic():
                    leads_services.contact_message_create(
                        name=f"Visitor {n}",
                        email=f"burst{n}@example.com",
                        message="Please call me about the Baner project.",
                    )
        burst = time.monotonic() - started
        wait_until(
            lambda: (
                not StaffAlert.objects.filter(digested_at__isnull=True).exists()
                and not OutboxEmail.objects.exclude(status=OutboxEmail.Status.SENT).exists()
            ),
            120,
            log,
        )
        time.sleep(3)  # a few more digest ticks: nothing more may go out
    finally:
        stop(worker)

    received = digests_received(smtp_server)
    keys = set(StaffAlert.objects.values_list("digest_key", flat=True))
    per_recipient = {to: [m for t, m in received if t == to] for to in STAFF}
    # One email per recipient per digest, each alert in exactly one digest.
    assert {len(messages) for messages in per_recipient.values()} == {len(keys)}
    assert len(keys) <= 5 + burst  # a handful (one a second at most), not 500
    listed = sum(
        int(
            message.get_payload()[0]
            .get_payload(decode=True)
            .decode()
            .split(" submission")[0]
            .split("\n")[-1]
        )
        for message in per_recipient[STAFF[0]]
    )
    assert listed == 500
    assert OutboxEmail.objects.filter(origin_label="alerts.digest").count() == 2 * len(keys)
    # And each visitor got one confirmation, once.
    visitors = sorted(
        message["to"][0] for message in smtp_server.messages if message["to"][0].startswith("burst")
    )
    assert visitors == sorted(f"burst{n}@example.com" for n in range(500))
