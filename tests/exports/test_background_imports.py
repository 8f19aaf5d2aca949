"""Contact imports over IMPORT_BACKGROUND_THRESHOLD rows: the preview in the request, the
writing in the worker (issue 18 item 6), with progress, counts, an email and expiry."""

import io
import os
from datetime import timedelta

import pytest
import tablib
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.timezone import now

from crm.models import Contact, OrganizationMembership
from crm.resources import ContactResource
from exports import import_services
from exports.models import ImportJob
from exports.tasks import run_import, sweep
from outbox.models import OutboxEmail
from tests.crm.factories import (
    ContactFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

Status = ImportJob.Status
IMPORT_URL = reverse("admin:crm_contact_import")
PROCESS_URL = reverse("admin:crm_contact_process_import")
MY_IMPORTS = reverse("admin:exports_importjob_changelist")
IMPORTER_PERMISSIONS = [
    "crm.import_contact",
    "crm.add_contact",
    "crm.change_contact",
    "crm.view_contact",
]


@pytest.fixture
def threshold(settings):
    """Imports of more than 2 rows go to the worker."""
    settings.IMPORT_BACKGROUND_THRESHOLD = 2
    return 2


def csv_text(count: int, *, start: int = 0, bad_line: int | None = None) -> str:
    lines = ["name,email,contact_type"]
    for n in range(start, start + count):
        kind = "nonsense" if bad_line is not None and len(lines) + 1 == bad_line else "PATIENT"
        lines.append(f"Person {n},p{n}@example.com,{kind}")
    return "\n".join(lines) + "\n"


def preview(client, organization, text: str):
    upload = SimpleUploadedFile("contacts.csv", text.encode(), content_type="text/csv")
    return client.post(
        IMPORT_URL,
        {"import_file": upload, "format": "0", "resource": "0", "organization": organization.pk},
    )


def confirm(client, organization, text: str):
    shown = preview(client, organization, text)
    assert shown.status_code == 200
    assert shown.context["confirm_form"] is not None, "the preview found problems"
    return client.post(PROCESS_URL, dict(shown.context["confirm_form"].initial))


def import_emails():
    return OutboxEmail.objects.filter(origin_label="exports.importjob")


def only_job() -> ImportJob:
    (job,) = ImportJob.objects.all()
    return job


def importer(organization):
    user = StaffUserFactory(permissions=IMPORTER_PERMISSIONS)
    OrganizationMembershipFactory(organization=organization, user=user)
    client = Client()
    client.force_login(user)
    return user, client


def test_an_import_up_to_the_threshold_is_written_in_the_request(admin_client, threshold):
    organization = OrganizationFactory()

    response = confirm(admin_client, organization, csv_text(2))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:crm_contact_changelist")
    assert Contact.objects.filter(organization=organization).count() == 2
    assert not ImportJob.objects.exists()


def test_a_bigger_import_waits_for_the_worker_which_writes_it_in_batches(
    admin_client, admin_user, threshold, monkeypatch, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory()
    existing = ContactFactory(organization=organization, email="p1@example.com", name="Old")
    ContactFactory(
        organization=organization,
        email="p2@example.com",
        name="Person 2",
        contact_type="PATIENT",
        phone="",
        address="",
        timezone="",
    )

    with django_capture_on_commit_callbacks(execute=True) as published:
        response = confirm(admin_client, organization, csv_text(5))

    job = only_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:exports_importjob_change", args=[job.pk])
    assert len(published) == 1  # handed to the broker once it committed
    assert (job.status, job.rows_total, job.rows_done, job.user) == (
        Status.QUEUED,
        5,
        0,
        admin_user,
    )
    assert default_storage.exists(job.file_path)
    assert Contact.objects.filter(organization=organization).count() == 2  # nothing written yet

    # The progress as each import_data call starts: the whole file checked first (nothing
    # written), then 2 rows per batch, saved after each batch, not after each row.
    monkeypatch.setattr(import_services, "BATCH_ROWS", 2)
    seen = []
    original = ContactResource.import_data

    def watched(self, dataset, *args, **kwargs):
        seen.append((kwargs["dry_run"], len(dataset), only_job().rows_done))
        return original(self, dataset, *args, **kwargs)

    monkeypatch.setattr(ContactResource, "import_data", watched)

    with django_capture_on_commit_callbacks(execute=True):
        assert run_import(str(job.pk)) == "done"

    assert seen == [(True, 5, 0), (False, 2, 0), (False, 2, 2), (False, 1, 4)]
    job.refresh_from_db()
    assert (job.status, job.rows_done) == (Status.DONE, 5)
    assert (job.created_count, job.updated_count, job.skipped_count, job.error_count) == (
        3,
        1,
        1,
        0,
    )
    existing.refresh_from_db()
    assert (existing.name, existing.contact_type) == ("Person 1", "PATIENT")
    # The contacts' history says who imported them, as an import in the request does.
    assert sorted(
        LogEntry.objects.filter(user=admin_user).values_list("action_flag", flat=True)
    ) == [ADDITION, ADDITION, ADDITION, CHANGE]
    assert Contact.objects.filter(organization=organization).count() == 5
    assert not default_storage.exists(job.file_path or "imports/none")  # deleted when done
    (email,) = import_emails()
    assert email.to == admin_user.email
    assert email.subject == "Your import is done: 5 rows of contacts"
    assert "3 new, 1 updated, 1 unchanged" in email.body

    page = admin_client.get(reverse("admin:exports_importjob_change", args=[job.pk]))
    assert page.status_code == 200
    assert "3 new, 1 updated, 1 skipped, 0 errors" in page.content.decode()
    assert "data-import-running" not in page.content.decode()  # no more reloading


def test_a_redelivered_message_imports_nothing_twice(admin_client, threshold):
    organization = OrganizationFactory()
    confirm(admin_client, organization, csv_text(4))
    job = only_job()

    assert run_import(str(job.pk)) == "done"
    # The broker delivers the message again (acks late, the worker died before acking).
    assert run_import(str(job.pk)) == "not-claimed"

    job.refresh_from_db()
    assert (job.status, job.attempts, job.created_count) == (Status.DONE, 1, 4)
    assert Contact.objects.filter(organization=organization).count() == 4
    assert import_emails().count() == 1


def test_the_page_shows_the_progress_and_reloads_while_the_import_runs(
    admin_client, threshold, django_assert_max_num_queries
):
    organization = OrganizationFactory()
    confirm(admin_client, organization, csv_text(6))
    job = only_job()
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, attempts=1, started_at=now(), checked_at=now(), rows_done=4
    )

    with django_assert_max_num_queries(12):
        page = admin_client.get(reverse("admin:exports_importjob_change", args=[job.pk]))

    html = page.content.decode()
    assert "4 of 6 rows written" in html
    assert "data-import-running" in html
    assert "admin_workspace/import_progress.js" in html
    listing = admin_client.get(MY_IMPORTS)
    assert "4 of 6 rows written" in listing.content.decode()


def test_a_file_with_problems_writes_nothing_and_says_where(admin_client, threshold):
    organization = OrganizationFactory()
    confirm(admin_client, organization, csv_text(4))
    job = only_job()
    # The rows changed between the preview and the run (here: the kept file itself).
    bad = tablib.Dataset().load(csv_text(4, bad_line=4), format="csv")
    default_storage.delete(job.file_path)
    default_storage.save(job.file_path, io.BytesIO(import_services.dataset_to_json(bad).encode()))

    assert run_import(str(job.pk)) == "failed"

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.failure_reason == "Nothing was imported: 1 problems need fixing in the file."
    assert len(job.problems) == 1
    assert job.problems[0].startswith("Line 4, column “contact_type”: 'nonsense' is not a")
    assert not Contact.objects.filter(organization=organization).exists()
    (email,) = import_emails()
    assert email.subject == "Your import failed"
    assert "Line 4, column “contact_type”" in email.body


def test_an_importer_who_lost_the_organization_gets_a_reason_and_nothing_is_written(threshold):
    organization = OrganizationFactory()
    user, client = importer(organization)
    assert confirm(client, organization, csv_text(3)).status_code == 302
    job = only_job()
    # Moved to another organization (staff with no membership at all see every one).
    OrganizationMembership.objects.filter(user=user).update(organization=OrganizationFactory())

    assert run_import(str(job.pk)) == "failed"

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.failure_reason  # the confirm form's own error, worded for the person
    assert not Contact.objects.filter(organization=organization).exists()


def test_a_job_whose_file_is_gone_fails_with_a_reason(admin_client, threshold):
    organization = OrganizationFactory()
    confirm(admin_client, organization, csv_text(3))
    job = only_job()
    default_storage.delete(job.file_path)

    assert run_import(str(job.pk)) == "failed"

    job.refresh_from_db()
    assert job.failure_reason == "The file of this import is gone: upload it again."
    assert not Contact.objects.filter(organization=organization).exists()


def test_only_the_uploader_and_superusers_see_a_job(admin_client, threshold):
    organization = OrganizationFactory()
    owner, owner_client = importer(organization)
    _other, other_client = importer(organization)
    confirm(owner_client, organization, csv_text(3))
    job = only_job()
    page = reverse("admin:exports_importjob_change", args=[job.pk])

    assert owner_client.get(page).status_code == 200
    assert admin_client.get(page).status_code == 200
    assert other_client.get(page).status_code == 404
    assert job.file_name not in other_client.get(MY_IMPORTS).content.decode()
    assert job.file_name in owner_client.get(MY_IMPORTS).content.decode()
    delete = reverse("admin:exports_importjob_delete", args=[job.pk])
    assert other_client.post(delete, {"post": "yes"}).status_code == 404
    assert ImportJob.objects.filter(pk=job.pk).exists()


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1"])
def test_a_bad_job_address_is_a_404_never_a_500(admin_client, bad_id):
    response = admin_client.get(f"{MY_IMPORTS}{bad_id}/change/")
    assert response.status_code == 404


def test_staff_without_the_import_permission_cannot_start_one(threshold):
    organization = OrganizationFactory()
    user = StaffUserFactory(permissions=["crm.view_contact"])
    OrganizationMembershipFactory(organization=organization, user=user)
    client = Client()
    client.force_login(user)

    assert preview(client, organization, csv_text(3)).status_code == 403
    assert client.post(PROCESS_URL, {"import_file_name": "x", "format": "0"}).status_code == 403
    assert not ImportJob.objects.exists()


def test_the_sweep_fails_a_stuck_import_and_expires_finished_ones(admin_client, threshold):
    organization = OrganizationFactory()
    confirm(admin_client, organization, csv_text(3))
    stuck = only_job()
    ImportJob.objects.filter(pk=stuck.pk).update(
        status=Status.RUNNING, attempts=1, started_at=now() - timedelta(days=1), rows_done=0
    )
    old = ImportJob.objects.create(
        user=get_user_model().objects.get(username="admin"),
        model_label="crm.Contact",
        file_name="old.csv",
        status=Status.DONE,
        finished_at=now() - timedelta(days=10),
        expires_at=now() - timedelta(days=7),
    )

    result = sweep()

    assert (result["imports_failed"], result["imports_expired"]) == (1, 1)
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED
    assert stuck.failure_reason.startswith("The worker stopped after 0 of 3 rows")
    assert not ImportJob.objects.filter(pk=old.pk).exists()
    # A stuck import is never run again: its first batches may be written.
    assert run_import(str(stuck.pk)) == "not-claimed"


def test_the_sweep_deletes_a_day_old_import_file_no_job_names(admin_client, threshold, media):
    organization = OrganizationFactory()
    confirm(admin_client, organization, csv_text(3))
    job = only_job()
    orphan = default_storage.save("imports/orphan.json", io.BytesIO(b"{}"))
    fresh = default_storage.save("imports/fresh.json", io.BytesIO(b"{}"))
    day_old = (now() - timedelta(days=2)).timestamp()
    for path in (orphan, job.file_path):
        os.utime(media / path, (day_old, day_old))

    assert sweep()["imports_orphans"] == 1

    assert not default_storage.exists(orphan)
    assert default_storage.exists(fresh)  # its request may still be committing
    assert default_storage.exists(job.file_path)  # its job waits for the worker
