"""Two real Celery workers, each with its own scheduler ticking every second, on RabbitMQ:
every due reminder reaches the SMTP server (aiosmtpd) once.

Needs PostgreSQL and TEST_CELERY_BROKER_URL (see tests/outbox/test_worker.py).
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from crm import services
from crm.models import AppointmentReminder
from outbox.models import OutboxEmail
from tests.crm.factories import ContactFactory
from tests.outbox.test_worker import BROKER_URL, purge, start_worker, stop, wait_until, worker_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not BROKER_URL,
        reason="set TEST_CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672/<vhost> "
        "to run real workers on RabbitMQ",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_two_workers_and_two_schedulers_send_each_reminder_once(
    postgres_only, smtp_server, tmp_path
):
    env = worker_env(smtp_server, REMINDER_CHECK_SECONDS="1")
    purge(env)
    soon = timezone.now() + timedelta(minutes=50)  # its hour-before reminder is due at once
    for n in range(12):
        contact = ContactFactory(email=f"r{n}@example.com")
        services.appointment_schedule(
            contact=contact,
            title=f"Visit {n}",
            start_time=soon,
            end_time=soon + timedelta(minutes=30),
        )
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [start_worker(env, log, tmp_path / f"beat-{n}") for n, log in enumerate(logs)]
    try:
        wait_until(
            lambda: OutboxEmail.objects.filter(status=OutboxEmail.Status.SENT).count() == 12,
            120,
            logs[0],
        )
        time.sleep(4)  # several more ticks of both schedulers: nothing more may go out
    finally:
        for worker in workers:
            stop(worker)

    assert sorted(smtp_server.recipients()) == sorted(f"r{n}@example.com" for n in range(12))
    assert set(AppointmentReminder.objects.values_list("status", flat=True)) == {"SENT"}
    ticks = sum(log.read_text().count("crm.send_due_reminders") for log in logs)
    assert ticks >= 4, "both schedulers should have ticked several times"
