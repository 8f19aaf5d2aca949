"""Background exports written by real Celery worker processes on RabbitMQ.

Needs PostgreSQL (the worker reads the test database) and TEST_CELERY_BROKER_URL, an amqp://
URL of a RabbitMQ vhost used only by the tests. The worker's default storage is this test's
folder (MEDIA_ROOT), and its emails go to aiosmtpd.
"""

import csv
import io
import os
import signal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from exports.models import ExportJob
from leads.models import UsersLead
from leads.resources import LeadResource
from tests.outbox.test_outbox import broker
from tests.outbox.test_worker import BROKER_URL, purge, start_worker, stop, wait_until, worker_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not BROKER_URL,
        reason="set TEST_CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672/<vhost> "
        "to run real workers on RabbitMQ",
    ),
]

EXPORT = reverse("admin:leads_userslead_export")
COLUMNS = {f"leadresource_{name}": "on" for name in LeadResource._meta.fields}


def bulk_leads(count: int) -> None:
    moment = timezone.now()
    UsersLead.objects.bulk_create(
        [
            UsersLead(
                email=f"w{n:06d}@example.com",
                name=f"Lead {n}",
                source="OTHER",
                first_seen_at=moment,
                last_seen_at=moment,
            )
            for n in range(count)
        ],
        batch_size=5000,
    )


def ask_for_export(client, file_format: str) -> ExportJob:
    with broker(BROKER_URL):
        response = client.post(EXPORT, {"format": file_format, "resource": "0", **COLUMNS})
    assert response.status_code == 302
    return ExportJob.objects.get()


def state(job: ExportJob) -> ExportJob:
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True)
def test_a_worker_writes_the_file_and_the_email_arrives(
    postgres_only, admin_client, admin_user, smtp_server, settings, media, tmp_path
):
    settings.EXPORT_BACKGROUND_THRESHOLD = 10
    env = worker_env(smtp_server, MEDIA_ROOT=str(media))
    purge(env)
    bulk_leads(25)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, tmp_path / "beat")
    try:
        job = ask_for_export(admin_client, "0")
        wait_until(lambda: state(job).status == ExportJob.Status.DONE, 90, log)
        wait_until(lambda: smtp_server.recipients() == [admin_user.email], 60, log)
    finally:
        stop(worker)

    assert job.row_count == 25
    with default_storage.open(job.file_path, "rb") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert sorted(row["Email"] for row in rows) == [f"w{n:06d}@example.com" for n in range(25)]
    assert "Subject: Your export is ready: 25 leads" in smtp_server.messages[0]["data"]
    download = admin_client.get(reverse("admin:exports_exportjob_download", args=[job.pk]))
    assert download.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_export_loses_nothing(
    postgres_only, admin_client, smtp_server, settings, media, tmp_path
):
    settings.EXPORT_BACKGROUND_THRESHOLD = 10
    env = worker_env(smtp_server, MEDIA_ROOT=str(media))
    purge(env)
    bulk_leads(40_000)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, tmp_path / "beat")
    try:
        job = ask_for_export(admin_client, "1")  # XLSX: long enough to be killed in
        wait_until(lambda: state(job).status == ExportJob.Status.RUNNING, 90, log)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool, mid-file
        worker.wait(timeout=10)
        assert state(job).status == ExportJob.Status.RUNNING
        # Restarted: RabbitMQ hands the unacknowledged message out again, and the new run
        # takes the job over from the dead one.
        worker = start_worker(env, log, tmp_path / "beat")
        wait_until(lambda: state(job).status == ExportJob.Status.DONE, 180, log)
        wait_until(lambda: len(smtp_server.recipients()) == 1, 60, log)
    finally:
        stop(worker)

    assert (job.attempts, job.row_count) == (2, 40_000)
    assert [path.name for path in (media / "exports").iterdir()] == [
        job.file_path.removeprefix("exports/")
    ]
    assert len(smtp_server.messages) == 1  # one "ready" email
