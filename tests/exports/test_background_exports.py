"""Exports over EXPORT_BACKGROUND_THRESHOLD: a job in the request, a file from the worker."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.timezone import now

from config.celery import app
from crm.models import Contact
from crm.resources import ContactResource
from exports import services
from exports.models import ExportJob
from exports.tasks import run_export, sweep
from leads import services as lead_services
from leads.resources import LeadResource
from outbox.models import OutboxEmail
from tests.crm.factories import (
    ContactFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
    TagFactory,
)
from tests.outbox.test_outbox import broker

pytestmark = pytest.mark.django_db

Status = ExportJob.Status
LEADS_EXPORT = reverse("admin:leads_userslead_export")
CONTACTS_EXPORT = reverse("admin:crm_contact_export")
MY_EXPORTS = reverse("admin:exports_exportjob_changelist")
CSV_FORMAT, XLSX_FORMAT = "0", "1"
LEAD_COLUMNS = {f"leadresource_{name}": "on" for name in LeadResource._meta.fields}
CONTACT_COLUMNS = {f"contactresource_{name}": "on" for name in ContactResource().get_export_order()}


def post_export(client, url, file_format, query="", columns=None):
    return client.post(
        f"{url}?{query}" if query else url,
        {"format": file_format, "resource": "0", **(columns or {})},
    )


def leads() -> None:
    for n, source in enumerate(["choices", "contact", "contact", "contact"]):
        email = f"lead{n}@example.com"
        if source == "choices":
            lead_services.choices_submit(email=email, intent="invest", nps=9, name=f"Lead {n}")
        else:
            lead_services.contact_message_create(
                name='=HYPERLINK("http://evil","x")' if n == 2 else f"Lead {n}",
                email=email,
                subject="Hi",
                message="Please call me back.",
                phone="+91 98765 4321" + str(n),
            )


def export_emails():
    """The outbox's export emails (the leads' own submissions queue alerts and replies too)."""
    return OutboxEmail.objects.filter(origin_label="exports.exportjob")


def only_job() -> ExportJob:
    (job,) = ExportJob.objects.all()
    return job


def file_bytes(job: ExportJob) -> bytes:
    with default_storage.open(job.file_path, "rb") as handle:
        return handle.read()


def xlsx_cells(data: bytes) -> list[list[tuple]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


def manager(**kwargs):
    user = StaffUserFactory(**kwargs)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["crm", "leads"])
    )
    return type(user).objects.get(pk=user.pk)


# --- In the request -----------------------------------------------------------------------------


def test_a_large_export_creates_a_job_and_not_a_download(
    admin_client, admin_user, threshold, media, django_capture_on_commit_callbacks
):
    leads()

    with broker("memory://"), django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_export(
            admin_client,
            LEADS_EXPORT,
            CSV_FORMAT,
            "source__exact=CONTACT&q=lead",
            {"leadresource_email": "on", "leadresource_phone": "on"},
        )

    assert response.status_code == 302 and response["Location"] == MY_EXPORTS
    assert not response.has_header("Content-Disposition")
    job = only_job()
    assert (job.user, job.model_label, job.status, job.file_format) == (
        admin_user,
        "leads.UsersLead",
        Status.QUEUED,
        "csv",
    )
    assert job.query_string == "source__exact=CONTACT&q=lead"
    assert job.selected_fields == ["email", "phone"]
    assert job.item_ids is None
    assert job.file_name.startswith("UsersLead-") and job.file_name.endswith(".csv")
    assert len(callbacks) == 1 and job.published_at is not None  # published after commit
    assert not (media / "exports").exists()  # nothing written in the request
    page = admin_client.get(MY_EXPORTS).content.decode()
    assert "the file is being written in the background" in page
    assert "Queued" in page


def test_a_small_export_still_streams_from_the_request(admin_client, settings):
    settings.EXPORT_BACKGROUND_THRESHOLD = 4
    leads()

    response = post_export(admin_client, LEADS_EXPORT, CSV_FORMAT, columns=LEAD_COLUMNS)

    assert response.status_code == 200 and response.streaming
    assert not ExportJob.objects.exists()


def test_an_xlsx_over_20000_rows_is_always_a_job(admin_client, settings, monkeypatch):
    from exports import admin_mixins

    settings.EXPORT_BACKGROUND_THRESHOLD = 100
    monkeypatch.setattr(admin_mixins, "XLSX_DIRECT_MAX_ROWS", 2)  # stands for 20,000
    leads()

    as_csv = post_export(admin_client, LEADS_EXPORT, CSV_FORMAT, columns=LEAD_COLUMNS)
    as_xlsx = post_export(admin_client, LEADS_EXPORT, XLSX_FORMAT, columns=LEAD_COLUMNS)

    assert as_csv.status_code == 200
    assert as_xlsx.status_code == 302
    assert only_job().file_format == "xlsx"


def test_an_invalid_export_form_creates_no_job(admin_client, threshold):
    leads()

    response = admin_client.post(LEADS_EXPORT, {"format": "9", "resource": "0"})

    assert response.status_code == 200
    assert not ExportJob.objects.exists()


def test_no_job_without_the_export_permission(client, threshold):
    viewer = StaffUserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_userslead"))
    client.force_login(viewer)
    leads()

    assert post_export(client, LEADS_EXPORT, CSV_FORMAT, columns=LEAD_COLUMNS).status_code == 403
    assert not ExportJob.objects.exists()


# --- In the worker: the same file as a download -------------------------------------------------


def direct_and_background(client, settings, url, file_format, query, columns):
    """Export the same list twice: streamed from the request, then as a job run here."""
    settings.EXPORT_BACKGROUND_THRESHOLD = 1000
    direct = post_export(client, url, file_format, query, columns)
    assert direct.status_code == 200
    direct_bytes = b"".join(direct.streaming_content)
    settings.EXPORT_BACKGROUND_THRESHOLD = 1
    with broker("memory://"):
        assert post_export(client, url, file_format, query, columns).status_code == 302
    job = only_job()
    assert services.export_job_run(str(job.pk)) == "done"
    job.refresh_from_db()
    return direct_bytes, job


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_the_workers_lead_file_has_the_rows_and_columns_of_a_download(
    admin_client, settings, file_format
):
    leads()
    columns = {k: v for k, v in LEAD_COLUMNS.items() if "environment" not in k}

    direct, job = direct_and_background(
        admin_client, settings, LEADS_EXPORT, file_format, "source__exact=CONTACT", columns
    )

    assert job.status == Status.DONE and job.row_count == 3
    written = file_bytes(job)
    if file_format == CSV_FORMAT:
        assert written == direct  # byte for byte: same header, rows, order, neutralized cells
        assert len(list(csv.reader(io.StringIO(written.decode("utf-8-sig"))))) == 4
    else:
        cells = xlsx_cells(written)
        assert cells == xlsx_cells(direct)  # same values and the same cell types
        assert len(cells) == 4 and "Environment" not in [value for value, _ in cells[0]]


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_the_workers_contact_file_has_the_rows_and_columns_of_a_download(
    admin_client, settings, file_format
):
    organization = OrganizationFactory()
    clinic = ContactFactory(
        organization=organization, contact_type=Contact.Type.CLINIC, name="Brightsmile"
    )
    for n in range(3):
        patient = ContactFactory(
            organization=organization,
            parent_contact=clinic,
            contact_type=Contact.Type.PATIENT,
            name=f"=Patient {n}",
        )
        patient.tags.add(TagFactory(organization=organization, name=f"vip{n}"))

    direct, job = direct_and_background(
        admin_client,
        settings,
        CONTACTS_EXPORT,
        file_format,
        "contact_type__exact=PATIENT",
        CONTACT_COLUMNS,
    )

    assert job.row_count == 3
    written = file_bytes(job)
    if file_format == CSV_FORMAT:
        assert written == direct
    else:
        assert xlsx_cells(written) == xlsx_cells(direct)


def test_a_background_xlsx_has_no_row_cap(admin_client, threshold, monkeypatch):
    from leads.admin import leads as leads_admin

    monkeypatch.setattr(leads_admin, "XLSX_MAX_ROWS", 2)  # the request's cap, standing for 20,000
    leads()
    with broker("memory://"):
        post_export(admin_client, LEADS_EXPORT, XLSX_FORMAT, columns=LEAD_COLUMNS)

    job = only_job()
    services.export_job_run(str(job.pk))

    job.refresh_from_db()
    assert job.status == Status.DONE and job.row_count == 4
    assert len(xlsx_cells(file_bytes(job))) == 5


def test_a_member_of_one_organization_exports_none_of_anothers_contacts(client, threshold):
    mine, theirs = OrganizationFactory(name="Agency A"), OrganizationFactory(name="Agency B")
    for n in range(3):
        ContactFactory(organization=mine, name=f"Ours {n}")
        ContactFactory(organization=theirs, name=f"Theirs {n}")
    member = manager()
    OrganizationMembershipFactory(user=member, organization=mine)
    client.force_login(member)

    with broker("memory://"):
        assert (
            post_export(client, CONTACTS_EXPORT, CSV_FORMAT, columns=CONTACT_COLUMNS).status_code
            == 302
        )
    job = only_job()
    services.export_job_run(str(job.pk))

    job.refresh_from_db()
    rows = list(csv.DictReader(io.StringIO(file_bytes(job).decode("utf-8-sig"))))
    assert sorted(row["name"] for row in rows) == ["Ours 0", "Ours 1", "Ours 2"]
    assert {row["organization"] for row in rows} == {"Agency A"}
    assert job.row_count == 3


def test_the_worker_applies_scoping_as_it_is_when_the_file_is_written(client, threshold):
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    for n in range(3):
        ContactFactory(organization=mine, name=f"Ours {n}")
        ContactFactory(organization=theirs, name=f"Theirs {n}")
    member = manager()
    membership = OrganizationMembershipFactory(user=member, organization=mine)
    OrganizationMembershipFactory(user=member, organization=theirs)
    client.force_login(member)
    with broker("memory://"):
        post_export(client, CONTACTS_EXPORT, CSV_FORMAT, columns=CONTACT_COLUMNS)
    # Removed from one organization before the worker gets to it.
    membership.delete()

    job = only_job()
    services.export_job_run(str(job.pk))

    job.refresh_from_db()
    rows = list(csv.DictReader(io.StringIO(file_bytes(job).decode("utf-8-sig"))))
    assert sorted(row["name"] for row in rows) == ["Theirs 0", "Theirs 1", "Theirs 2"]


def test_a_staff_member_who_lost_the_export_permission_gets_a_failed_job(client, threshold):
    member = manager()
    client.force_login(member)
    leads()
    with broker("memory://"):
        post_export(client, LEADS_EXPORT, CSV_FORMAT, columns=LEAD_COLUMNS)
    member.user_permissions.remove(Permission.objects.get(codename="export_userslead"))

    job = only_job()
    assert services.export_job_run(str(job.pk)) == "failed"

    job.refresh_from_db()
    assert job.status == Status.FAILED and not job.file_path
    assert "no longer export leads" in job.failure_reason
    assert job.expires_at is not None
    email = export_emails().get(to=member.email)
    assert email.subject == "Your export failed" and "no longer export leads" in email.body


# --- The ready email ----------------------------------------------------------------------------


def test_the_ready_email_lands_in_the_outbox_once(admin_client, admin_user, threshold, settings):
    settings.SITE_URL = "https://crm.example.com"
    leads()
    with broker("memory://"):
        post_export(admin_client, LEADS_EXPORT, CSV_FORMAT, columns=LEAD_COLUMNS)
    job = only_job()
    assert not export_emails().exists()  # nothing before the file is there

    services.export_job_run(str(job.pk))
    services.export_job_run(str(job.pk))  # a duplicate message: not claimed, nothing sent

    email = export_emails().get()
    assert email.to == admin_user.email
    assert email.subject == "Your export is ready: 4 leads"
    assert "https://crm.example.com" + MY_EXPORTS in email.body
    download = reverse("admin:exports_exportjob_download", args=[job.pk])
    assert "https://crm.example.com" + download in email.body
    assert job.file_name in email.body
    assert (email.origin_label, email.origin_id) == ("exports.exportjob", str(job.pk))


def test_the_ready_email_reaches_a_real_smtp_server(
    admin_client, admin_user, threshold, smtp, django_capture_on_commit_callbacks
):
    leads()
    # The whole chain as the worker runs it, inline: job -> file -> outbox row -> SMTP.
    with broker("memory://", eager=True), django_capture_on_commit_callbacks(execute=True):
        post_export(admin_client, LEADS_EXPORT, CSV_FORMAT, columns=LEAD_COLUMNS)

    job = only_job()
    assert job.status == Status.DONE
    assert smtp.recipients() == [admin_user.email]
    assert "Subject: Your export is ready: 4 leads" in smtp.messages[0]["data"]


def test_no_email_for_a_staff_member_without_an_address(client, threshold):
    member = manager(email="")
    client.force_login(member)
    leads()
    with broker("memory://"):
        post_export(client, LEADS_EXPORT, CSV_FORMAT, columns=LEAD_COLUMNS)

    services.export_job_run(str(only_job().pk))

    assert only_job().status == Status.DONE
    assert not export_emails().exists()


# --- My exports: one's own, downloaded through a checked view ------------------------------------


def done_job_of(user, client, query="") -> ExportJob:
    client.force_login(user)
    with broker("memory://"):
        assert post_export(client, LEADS_EXPORT, CSV_FORMAT, query, LEAD_COLUMNS).status_code == 302
    job = ExportJob.objects.filter(user=user).latest("created_at")
    services.export_job_run(str(job.pk))
    job.refresh_from_db()
    return job


def download_url(job: ExportJob) -> str:
    return reverse("admin:exports_exportjob_download", args=[job.pk])


def test_my_exports_lists_and_downloads_only_my_own(client, admin_client, threshold):
    leads()
    mine = done_job_of(manager(username="me"), client)
    someone = manager(username="someone")
    theirs = done_job_of(someone, client)
    client.force_login(type(someone).objects.get(username="me"))

    listing = client.get(MY_EXPORTS).content.decode()
    download = client.get(download_url(mine))

    assert download_url(mine) in listing and download_url(theirs) not in listing
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{mine.file_name}"'
    assert b"".join(download.streaming_content) == file_bytes(mine)
    # Someone else's export: not found, on every page, for a superuser too.
    for other in (client, admin_client):
        assert other.get(download_url(theirs)).status_code == 404
        change = reverse("admin:exports_exportjob_change", args=[theirs.pk])
        assert other.get(change).status_code == 404
    assert download_url(theirs) not in admin_client.get(MY_EXPORTS).content.decode()
    assert client.post(
        reverse("admin:exports_exportjob_delete", args=[theirs.pk]), {"post": "yes"}
    ).status_code in (403, 404)
    assert ExportJob.objects.filter(pk=theirs.pk).exists()


def test_the_file_is_never_under_a_public_url(client, threshold, settings):
    leads()
    job = done_job_of(manager(), client)

    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"  # no media served by the app
    assert client.get("/" + job.file_path).status_code == 404
    assert client.get("/media/" + job.file_path).status_code == 404


def test_a_download_after_losing_the_export_permission_is_refused(client, threshold):
    leads()
    member = manager()
    job = done_job_of(member, client)
    member.user_permissions.remove(Permission.objects.get(codename="export_userslead"))
    client.force_login(type(member).objects.get(pk=member.pk))

    assert client.get(download_url(job)).status_code == 403


def test_a_download_needs_a_signed_in_staff_member(client, threshold):
    leads()
    job = done_job_of(manager(), client)
    client.logout()

    response = client.get(download_url(job))

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_deleting_my_export_deletes_its_file(client, threshold, media):
    leads()
    job = done_job_of(manager(), client)
    assert (media / job.file_path).exists()

    client.post(reverse("admin:exports_exportjob_delete", args=[job.pk]), {"post": "yes"})

    assert not ExportJob.objects.exists()
    assert not (media / job.file_path).exists()


# --- The sweep: expiry, stuck and lost jobs, orphans ----------------------------------------------


def test_expiry_deletes_the_file_and_the_row(client, threshold, media, settings):
    settings.EXPORT_RETENTION_HOURS = 72
    leads()
    job = done_job_of(manager(), client)
    assert job.expires_at - job.finished_at == timedelta(hours=72)
    path = media / job.file_path
    assert path.exists()

    assert services.export_jobs_expire(at=job.expires_at - timedelta(seconds=1)) == 0
    assert path.exists() and ExportJob.objects.exists()

    assert services.export_jobs_expire(at=job.expires_at) == 1
    assert not path.exists()
    assert not ExportJob.objects.exists()


def test_the_periodic_sweep_deletes_expired_exports(client, threshold, media):
    leads()
    job = done_job_of(manager(), client)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=now() - timedelta(minutes=1))

    with broker("memory://"):
        result = sweep()

    assert result["expired"] == 1
    assert not ExportJob.objects.exists() and not (media / job.file_path).exists()


def queued_job(user) -> ExportJob:
    return ExportJob.objects.create(
        user=user, model_label="leads.UsersLead", file_format="csv", file_name="UsersLead.csv"
    )


def test_a_job_stuck_running_is_queued_again_then_failed_with_a_reason(settings):
    settings.EXPORT_TIME_LIMIT_MINUTES = 30
    user = manager()
    job = queued_job(user)
    assert services.export_job_claim(job.pk) == 1  # a worker took it, then was killed
    long_ago = now() - timedelta(minutes=33)
    ExportJob.objects.filter(pk=job.pk).update(started_at=long_ago)
    # Not yet: a run may take up to the time limit.
    assert services.export_jobs_release_stuck(at=long_ago + timedelta(minutes=31)) == (0, 0)

    with broker("memory://"):
        assert services.export_jobs_release_stuck() == (1, 0)
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.published_at is not None

    # Two more runs die the same way: the third time it fails, saying why.
    for attempt in (2, 3):
        assert services.export_job_claim(job.pk) == attempt
        ExportJob.objects.filter(pk=job.pk).update(started_at=long_ago)
        with broker("memory://"):
            services.export_jobs_release_stuck()
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "worker stopped while writing the file (3 tries)" in job.failure_reason
    assert export_emails().get(to=user.email).subject == "Your export failed"


def test_a_redelivered_message_takes_over_a_dead_run(threshold):
    job = queued_job(manager())
    assert services.export_job_claim(job.pk) == 1
    assert services.export_job_claim(job.pk) is None  # a duplicate message: not claimed

    assert services.export_job_claim(job.pk, redelivered=True) == 2


def test_a_superseded_run_keeps_nothing(admin_client, threshold, media):
    leads()
    with broker("memory://"):
        post_export(admin_client, LEADS_EXPORT, CSV_FORMAT, columns=LEAD_COLUMNS)
    job = only_job()
    first = services.export_job_claim(job.pk)
    second = services.export_job_claim(job.pk, redelivered=True)  # run 1 thought dead

    from exports.files import write_export_file

    path, rows = write_export_file(job, first)
    assert not services.export_job_finish(job, attempt=first, file_path=path, row_count=rows)
    assert services.export_job_run(str(job.pk)) == "not-claimed"  # run 2 still has it
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.RUNNING, second)
    assert not export_emails().exists()


def test_a_job_deleted_while_running_leaves_no_file(admin_client, threshold, media, monkeypatch):
    leads()
    with broker("memory://"):
        post_export(admin_client, LEADS_EXPORT, CSV_FORMAT, columns=LEAD_COLUMNS)
    job = only_job()
    from exports import files

    real_write = files.write_export_file

    def write_then_lose_the_job(job, attempt):
        written = real_write(job, attempt)
        ExportJob.objects.filter(pk=job.pk).delete()  # expired or erased meanwhile
        return written

    monkeypatch.setattr(services, "write_export_file", write_then_lose_the_job)

    assert services.export_job_run(str(job.pk)) == "superseded"
    assert list((media / "exports").iterdir()) == []
    assert not export_emails().exists()


def test_a_job_the_broker_never_got_is_published_by_the_sweep(
    admin_client, threshold, caplog, django_capture_on_commit_callbacks
):
    leads()
    # Nothing listens on port 1: the publish at commit fails at once.
    with (
        broker("amqp://guest:guest@127.0.0.1:1//"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_export(admin_client, LEADS_EXPORT, CSV_FORMAT, columns=LEAD_COLUMNS)
    assert response.status_code == 302  # the staff member is not held up
    job = only_job()
    assert (job.status, job.published_at) == (Status.QUEUED, None)  # kept, not lost
    assert "broker unreachable" in caplog.text

    with broker("memory://", eager=True):
        assert sweep()["published"] == 0  # the commit's own publish gets a minute first
        ExportJob.objects.filter(pk=job.pk).update(created_at=now() - timedelta(minutes=2))
        assert sweep()["published"] == 1
        assert sweep()["published"] == 0

    job.refresh_from_db()
    assert job.status == Status.DONE and job.row_count == 4


def test_the_sweep_deletes_files_no_job_will_offer(client, threshold, media):
    leads()
    job = done_job_of(manager(), client)
    running = queued_job(manager())
    services.export_job_claim(running.pk)
    exports = media / "exports"
    (exports / f"{running.pk}-1.csv").write_text("being saved")
    (exports / f"{job.pk}-0.csv").write_text("an earlier, superseded run")
    (exports / "00000000-0000-0000-0000-000000000000-1.csv").write_text("its job is gone")

    assert services.export_orphan_files_delete() == 2

    assert sorted(path.name for path in exports.iterdir()) == sorted(
        [job.file_path.removeprefix("exports/"), f"{running.pk}-1.csv"]
    )


def test_the_run_task_is_registered_with_a_time_limit(settings):
    task = app.tasks["exports.run"]
    assert task.name == run_export.name
    assert task.soft_time_limit == settings.EXPORT_TIME_LIMIT_MINUTES * 60
    assert task.time_limit > task.soft_time_limit
    assert "exports.sweep" in app.tasks
