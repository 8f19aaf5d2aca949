"""The outbox against a real SMTP server (aiosmtpd): commit, claim, retry, fail, sweep."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import OperationalError, transaction
from django.utils.timezone import now

from config.celery import app
from outbox import services
from outbox import tasks as outbox_tasks
from outbox.models import OutboxEmail
from outbox.signals import email_finished
from outbox.tasks import send_outbox_email, sweep

pytestmark = pytest.mark.django_db


def reset_connections() -> None:
    """Drop the app's pooled broker connections so that the next publish uses broker_url."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker(url: str, *, eager: bool = False):
    """Point this process's Celery app at `url` (eager: run tasks inline) for a while."""
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, eager
    reset_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
        reset_connections()


def make_due(email: OutboxEmail) -> None:
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=now())


def enqueue(**kwargs) -> OutboxEmail:
    defaults = {"to": "visitor@example.com", "subject": "Hello", "body": "Hi there"}
    return services.email_enqueue(**{**defaults, **kwargs})


def test_committed_email_is_published_and_delivered(smtp, django_capture_on_commit_callbacks):
    with broker("memory://", eager=True), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            email = enqueue(to="ann@example.com", subject="Welcome")
        assert smtp.recipients() == []  # nothing before the commit

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert email.attempts == 1 and email.sent_at is not None
    assert smtp.recipients() == ["ann@example.com"]
    assert "Subject: Welcome" in smtp.messages[0]["data"]
    assert f"X-Outbox-Id: {email.pk}" in smtp.messages[0]["data"]


def test_a_rolled_back_transaction_sends_nothing(smtp, django_capture_on_commit_callbacks):
    with (
        broker("memory://", eager=True),
        django_capture_on_commit_callbacks(execute=True) as cbs,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue(to="ann@example.com")
        raise RuntimeError("the action failed")

    assert cbs == []
    assert not OutboxEmail.objects.exists()
    sweep()
    assert smtp.messages == []


def test_smtp_refusing_then_accepting_ends_sent_after_retries_with_doubling_gaps(smtp):
    smtp.replies = ["451 4.3.0 Try again later", "451 4.3.0 Try again later"]
    email = enqueue()

    assert send_outbox_email(email.pk) == "retry"
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING and email.attempts == 1
    assert "451" in email.last_error
    gap = email.next_attempt_at - now()
    assert timedelta(seconds=50) < gap <= timedelta(minutes=1)
    # Not due yet: nobody claims it.
    assert send_outbox_email(email.pk) == "not-claimed"

    make_due(email)
    assert send_outbox_email(email.pk) == "retry"
    email.refresh_from_db()
    gap = email.next_attempt_at - now()
    assert timedelta(seconds=110) < gap <= timedelta(minutes=2)

    make_due(email)
    assert send_outbox_email(email.pk) == "sent"
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT and email.attempts == 3
    assert email.last_error == ""
    assert smtp.recipients() == ["visitor@example.com"]


def test_smtp_rejecting_permanently_fails_at_once_with_the_reason(smtp):
    smtp.replies = ["550 5.1.1 No such mailbox"]
    finished = []
    email_finished.connect(
        lambda sender, email, **kw: finished.append(email.status), weak=False, dispatch_uid="t"
    )
    try:
        email = enqueue()
        assert send_outbox_email(email.pk) == "failed"
    finally:
        email_finished.disconnect(dispatch_uid="t")

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED and email.attempts == 1
    assert "550" in email.last_error and "No such mailbox" in email.last_error
    assert finished == [OutboxEmail.Status.FAILED]
    assert smtp.messages == []
    # A failed row is not swept again.
    sweep()
    assert send_outbox_email(email.pk) == "not-claimed"


def test_temporary_refusals_fail_after_the_maximum_attempts(smtp, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    smtp.replies = ["421 4.7.0 Busy"] * 5
    email = enqueue()

    assert send_outbox_email(email.pk) == "retry"
    make_due(email)
    assert send_outbox_email(email.pk) == "failed"
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED and email.attempts == 2


def test_an_unreachable_smtp_server_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens
    email = enqueue()

    assert send_outbox_email(email.pk) == "retry"
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING
    assert "ConnectionRefusedError" in email.last_error


def test_the_claim_is_exclusive():
    email = enqueue()

    assert [services.email_claim(email.pk), services.email_claim(email.pk)] == [True, False]
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENDING and email.attempts == 1


def test_a_second_worker_with_the_same_message_sends_nothing(smtp):
    email = enqueue()

    assert send_outbox_email(email.pk) == "sent"
    assert send_outbox_email(email.pk) == "not-claimed"
    assert smtp.recipients() == ["visitor@example.com"]


def test_one_logical_email_is_queued_once():
    first = enqueue(dedup_key="auto-reply:ann@example.com:2026-12-04")
    second = enqueue(dedup_key="auto-reply:ann@example.com:2026-12-04")

    assert first is not None and second is None
    assert OutboxEmail.objects.count() == 1


def test_broker_down_at_commit_then_the_sweep_delivers_once(
    smtp, django_capture_on_commit_callbacks, caplog
):
    # Nothing listens on port 1: the publish at commit fails at once.
    with (
        broker("amqp://guest:guest@127.0.0.1:1//"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        email = enqueue(to="bob@example.com")

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING  # kept, not lost
    assert "broker unreachable" in caplog.text
    assert smtp.messages == []

    with broker("memory://", eager=True):
        assert sweep() == 1
        assert sweep() == 0
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert smtp.recipients() == ["bob@example.com"]


def test_the_sweep_hands_out_rows_stuck_sending(smtp, settings):
    settings.OUTBOX_STUCK_MINUTES = 5
    stuck = enqueue(to="stuck@example.com")
    fresh = enqueue(to="fresh@example.com")
    for email, minutes in ((stuck, 6), (fresh, 1)):
        services.email_claim(email.pk)
        OutboxEmail.objects.filter(pk=email.pk).update(
            claimed_at=now() - timedelta(minutes=minutes)
        )

    with broker("memory://", eager=True):
        sweep()

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == OutboxEmail.Status.SENT and stuck.attempts == 2
    assert fresh.status == OutboxEmail.Status.SENDING  # its worker may still be sending
    assert smtp.recipients() == ["stuck@example.com"]


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_after_the_mail_server_took_the_email_records_sent_and_no_resend(
    smtp, settings, monkeypatch
):
    """The mail server took the email, then the database connection went away: SENT is still
    recorded (on a new connection), so the sweep never hands the row out again."""
    settings.OUTBOX_STUCK_MINUTES = 0
    email = enqueue(to="once@example.com")
    real_mark_sent = services.email_mark_sent
    calls = []

    def mark_sent_losing_the_connection_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return real_mark_sent(*args, **kwargs)

    monkeypatch.setattr(services, "email_mark_sent", mark_sent_losing_the_connection_once)
    monkeypatch.setattr(outbox_tasks.time, "sleep", lambda seconds: None)

    assert send_outbox_email(email.pk) == "sent"
    with broker("memory://", eager=True):
        sweep()

    email.refresh_from_db()
    assert len(calls) == 2
    assert email.status == OutboxEmail.Status.SENT and email.attempts == 1
    assert smtp.recipients() == ["once@example.com"]


@pytest.mark.django_db(transaction=True)
def test_a_database_that_stays_away_leaves_the_row_to_the_sweep(smtp, monkeypatch):
    email = enqueue(to="later@example.com")

    def mark_sent_never(*args, **kwargs):
        raise OperationalError("the database is gone")

    monkeypatch.setattr(services, "email_mark_sent", mark_sent_never)
    monkeypatch.setattr(outbox_tasks.time, "sleep", lambda seconds: None)

    with pytest.raises(OperationalError):
        send_outbox_email(email.pk)

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENDING  # the sweep's, after OUTBOX_STUCK_MINUTES
