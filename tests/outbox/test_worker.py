"""Real Celery worker processes on RabbitMQ, delivering to aiosmtpd.

Needs PostgreSQL (the worker reads the test database) and TEST_CELERY_BROKER_URL, an
amqp:// URL of a RabbitMQ vhost used only by the tests (.ci/run sets it).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from outbox.models import OutboxEmail
from outbox.services import email_enqueue
from tests.outbox.test_outbox import broker

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not BROKER_URL,
        reason="set TEST_CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672/<vhost> "
        "to run real workers on RabbitMQ",
    ),
]


def worker_env(smtp, **extra: str) -> dict:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=BROKER_URL,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        OUTBOX_SWEEP_SECONDS="1",
        # Behind the suite's transaction pooler (.ci/run), the worker is too.
        DATABASE_TRANSACTION_POOLER=os.environ.get("DATABASE_TRANSACTION_POOLER", "false"),
        **extra,
    )
    return env


def start_worker(env: dict, log: Path, schedule: Path) -> subprocess.Popen:
    """A worker with an embedded beat (-B: one beat, as the test runs one worker at a time)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-B",
            "--concurrency=2",
            "--loglevel=INFO",
            f"--schedule={schedule}",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_until(predicate, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out; worker log:\n" + log.read_text()[-3000:])


def purge(env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "purge", "-f"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=True,
    )


def enqueue_many(count: int, prefix: str) -> list[int]:
    with broker(BROKER_URL), transaction.atomic():
        return [
            email_enqueue(to=f"{prefix}{n}@example.com", subject=f"n{n}", body="hello").pk
            for n in range(count)
        ]


@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_each_committed_email_once(postgres_only, smtp_server, tmp_path):
    env = worker_env(smtp_server)
    purge(env)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, tmp_path / "beat")
    try:
        enqueue_many(20, "w")
        wait_until(lambda: OutboxEmail.objects.filter(status="SENT").count() == 20, 90, log)
        time.sleep(2)  # a few more sweeps: nothing more may go out
    finally:
        stop(worker)

    received = smtp_server.recipients()
    assert sorted(received) == sorted(f"w{n}@example.com" for n in range(20))


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing(postgres_only, smtp_server, tmp_path):
    smtp_server.delay = 0.05
    # Rows a dead worker left SENDING go out again after 3 seconds (the documented window).
    env = worker_env(smtp_server, OUTBOX_STUCK_MINUTES="0.05")
    purge(env)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, tmp_path / "beat")
    try:
        enqueue_many(100, "k")
        wait_until(lambda: len(smtp_server.recipients()) >= 10, 90, log)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool, mid-batch
        worker.wait(timeout=10)
        in_flight = set(OutboxEmail.objects.filter(status="SENDING").values_list("to", flat=True))
        assert OutboxEmail.objects.exclude(status="SENT").exists()  # it died mid-batch
        worker = start_worker(env, log, tmp_path / "beat")
        wait_until(lambda: OutboxEmail.objects.filter(status="SENT").count() == 100, 120, log)
        time.sleep(2)
    finally:
        stop(worker)

    received = smtp_server.recipients()
    expected = {f"k{n}@example.com" for n in range(100)}
    assert set(received) == expected  # nothing lost
    duplicates = {to for to in received if received.count(to) > 1}
    # Twice only for a row its dead worker was sending: the at-least-once window.
    assert duplicates <= in_flight
    assert OutboxEmail.objects.filter(status="FAILED").count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_erasure_queued_by_the_command_runs_in_a_real_worker(
    postgres_only, smtp_server, tmp_path
):
    # person_erase --in-worker: the worker erases, and a second queued erasure finds nothing.
    from django.core.management import call_command

    from leads.models import UsersLead
    from privacy.models import ErasureRequest
    from tests.leads.factories import UsersLeadFactory

    UsersLeadFactory(email="queued.erase@example.com", name="Queued Eraseme")
    env = worker_env(smtp_server)
    purge(env)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, tmp_path / "beat")
    try:
        with broker(BROKER_URL):
            call_command(
                "person_erase", "--email", "queued.erase@example.com", "--yes", "--in-worker"
            )
            call_command(
                "person_erase", "--email", "queued.erase@example.com", "--yes", "--in-worker"
            )
        wait_until(
            lambda: ErasureRequest.objects.filter(finished_at__isnull=False).count() == 2, 90, log
        )
    finally:
        stop(worker)

    assert not UsersLead.objects.filter(email="queued.erase@example.com").exists()
    counts = sorted(r.counts["leads.UsersLead"] for r in ErasureRequest.objects.all())
    assert counts == [0, 1]  # idempotent: the second erasure found nothing left
