"""Background contact imports run by real Celery worker processes on RabbitMQ.

Needs PostgreSQL (the worker reads the test database) and TEST_CELERY_BROKER_URL, an amqp://
URL of a RabbitMQ vhost used only by the tests. The worker's default storage is this test's
folder (MEDIA_ROOT), and its emails go to aiosmtpd.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.background import task_publish
from crm.models import Contact
from exports.models import ImportJob
from tests.crm.factories import OrganizationFactory
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

IMPORT_URL = reverse("admin:crm_contact_import")
PROCESS_URL = reverse("admin:crm_contact_process_import")
ROWS = 1_200  # three batches of 500


def csv_upload() -> SimpleUploadedFile:
    lines = ["name,email,phone"] + [
        f"Person {n},w{n:05d}@example.com,+91 98000 {n:05d}" for n in range(ROWS)
    ]
    return SimpleUploadedFile("big.csv", ("\n".join(lines) + "\n").encode(), "text/csv")


def state(job: ImportJob) -> ImportJob:
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True)
def test_a_worker_imports_the_file_once_though_its_message_comes_twice(
    postgres_only, admin_client, admin_user, smtp_server, settings, media, tmp_path
):
    settings.IMPORT_BACKGROUND_THRESHOLD = 100
    organization = OrganizationFactory()
    env = worker_env(smtp_server, MEDIA_ROOT=str(media), DJANGO_SECRET_KEY=settings.SECRET_KEY)
    purge(env)
    preview = admin_client.post(
        IMPORT_URL,
        {
            "import_file": csv_upload(),
            "format": "0",
            "resource": "0",
            "organization": organization.pk,
        },
    )
    assert preview.status_code == 200
    with broker(BROKER_URL):
        response = admin_client.post(PROCESS_URL, dict(preview.context["confirm_form"].initial))
        job = ImportJob.objects.get()
        # The same job's message a second time, as a redelivery would bring it: two worker
        # processes (concurrency 2) take one each.
        task_publish("exports.import", str(job.pk))
    assert response.status_code == 302
    assert not Contact.objects.filter(organization=organization).exists()
    log = tmp_path / "worker.log"
    worker = start_worker(env, log, tmp_path / "beat")
    try:
        wait_until(lambda: state(job).status == ImportJob.Status.DONE, 120, log)
        wait_until(lambda: smtp_server.recipients() == [admin_user.email], 60, log)
    finally:
        stop(worker)

    assert (job.attempts, job.rows_done, job.created_count) == (1, ROWS, ROWS)
    assert Contact.objects.filter(organization=organization).count() == ROWS
    assert not (media / job.storage_name()).exists()  # the kept file is deleted
    assert "Subject: Your import is done: 1,200 rows of contacts" in smtp_server.messages[0]["data"]
    assert len(smtp_server.messages) == 1
