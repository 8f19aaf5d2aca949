"""Erase a person: nothing of them is left, in any table or JSON value."""

import os
import subprocess

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection

from crm.models import Contact, ContactNote
from leads.models import LeadEvent, UsersLead
from privacy.erase import person_erase
from privacy.models import ErasureRequest
from tests.crm.factories import (
    ContactFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationFactory,
    StaffUserFactory,
)
from tests.leads.factories import (
    ContactMessageFactory,
    LeadEventFactory,
    PageSessionFactory,
    UsersLeadFactory,
)
from tests.lms.factories import EnrollmentFactory

EMAIL = "meera.zq.iyer@example.com"
PHONE = "+91 98111 22334"
NAME = "Meerazq Iyerzq"


def make_person():
    lead = UsersLeadFactory(email=EMAIL, phone=PHONE, name=NAME)
    LeadEventFactory(lead=lead)
    ContactMessageFactory(lead=lead)
    PageSessionFactory(lead=lead)
    LeadEventFactory(
        lead=None,
        metadata={"import": "legacy", "records": [{"email": EMAIL, "name": NAME}, {"x": 1}]},
    )
    organization = OrganizationFactory()
    contact = ContactFactory(organization=organization, email=EMAIL, phone=PHONE, name=NAME)
    ContactNoteFactory(contact=contact, organization=organization)
    MessageFactory(contact=contact, organization=organization)
    EnrollmentFactory(contact=contact)
    other = ContactFactory(organization=organization, name="Somebody Else")
    LogEntry.objects.create(
        user=StaffUserFactory(),
        content_type=ContentType.objects.get_for_model(Contact),
        object_id=str(contact.pk),
        object_repr=NAME,
        action_flag=CHANGE,
        change_message=f"Changed email to {EMAIL}",
    )
    return lead, contact, other


@pytest.mark.django_db
def test_erase_removes_everything_and_is_idempotent():
    lead, contact, other = make_person()

    request = person_erase(email=EMAIL)

    assert not UsersLead.objects.filter(email=EMAIL).exists()
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Contact.objects.filter(pk=other.pk).exists()
    assert not ContactNote.objects.exists()
    legacy = LeadEvent.objects.get(metadata__import="legacy")
    assert legacy.metadata["records"] == [{"x": 1}]
    assert not LogEntry.objects.filter(object_id=str(contact.pk)).exists()
    assert request.finished_at is not None
    assert request.counts["leads.UsersLead"] == 1
    assert EMAIL not in str(request.__dict__) and "meera" not in request.subject_hmac

    again = person_erase(email=EMAIL)
    assert again.counts["leads.UsersLead"] == 0
    assert again.subject_hmac == request.subject_hmac
    assert ErasureRequest.objects.count() == 2


@pytest.mark.django_db
def test_command_needs_yes_and_a_later_submission_starts_a_fresh_lead():
    make_person()
    with pytest.raises(CommandError):
        call_command("person_erase", "--email", EMAIL)
    assert UsersLead.objects.filter(email=EMAIL).exists()

    call_command("person_erase", "--email", EMAIL, "--yes")
    assert not UsersLead.objects.filter(email=EMAIL).exists()
    fresh = UsersLeadFactory(email=EMAIL)
    assert UsersLead.objects.get(email=EMAIL).pk == fresh.pk


@pytest.mark.django_db
def test_the_worker_task_erases_and_the_command_can_queue_it(capsys):
    from tests.outbox.test_outbox import broker

    make_person()

    with broker("memory://", eager=True):
        call_command("person_erase", "--email", EMAIL, "--yes", "--in-worker")

    assert "Erasure queued for the worker" in capsys.readouterr().out
    assert not UsersLead.objects.filter(email=EMAIL).exists()
    assert not Contact.objects.filter(email=EMAIL).exists()
    (request,) = ErasureRequest.objects.all()
    assert request.finished_at is not None and request.counts["leads.UsersLead"] == 1


@pytest.mark.django_db(transaction=True)
def test_pg_dump_has_no_trace_after_erasure(postgres_only):
    make_person()
    person_erase(email=EMAIL, phone=PHONE)
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            settings["HOST"] or "127.0.0.1",
            "-p",
            str(settings["PORT"] or 5432),
            "-U",
            settings["USER"],
            settings["NAME"],
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    ).stdout.lower()
    assert "somebody else" in dump  # the dump is real and holds the other contact
    for trace in (EMAIL, NAME.lower(), "98111 22334", "9198111", "meerazq"):
        assert trace.lower() not in dump, trace


@pytest.mark.django_db
def test_admin_erase_page_needs_the_permission_then_erases(client):
    from django.contrib.auth.models import Permission

    make_person()
    user = StaffUserFactory()
    client.force_login(user)
    denied = client.post("/admin/privacy/erase/", {"email": EMAIL, "confirm": "1"})
    assert denied.status_code == 403
    assert UsersLead.objects.filter(email=EMAIL).exists()

    user.user_permissions.add(Permission.objects.get(codename="erase_person"))
    page = client.get("/admin/privacy/erase/", {"email": EMAIL})
    assert b"Found 1 lead(s) and 1 contact(s)" in page.content
    done = client.post("/admin/privacy/erase/", {"email": EMAIL, "confirm": "1"})
    assert done.status_code == 302
    assert not UsersLead.objects.filter(email=EMAIL).exists()
    assert ErasureRequest.objects.get().requested_by == user


@pytest.mark.django_db
def test_erase_deletes_every_export_file_made_before_it(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils.timezone import now

    from exports.models import ExportJob

    settings.MEDIA_ROOT = str(tmp_path)
    make_person()
    owner = StaffUserFactory()
    path = default_storage.save("exports/made-before.csv", ContentFile(f"{EMAIL},{NAME}\n"))
    before = ExportJob.objects.create(
        user=owner,
        model_label="leads.UsersLead",
        query_string=f"q={EMAIL}",
        file_format="csv",
        file_name="UsersLead.csv",
        status=ExportJob.Status.DONE,
        file_path=path,
        row_count=1,
        created_at=now() - timedelta(minutes=5),
        finished_at=now(),
        expires_at=now() + timedelta(hours=72),
    )
    queued = ExportJob.objects.create(
        user=owner, model_label="crm.Contact", file_format="xlsx", file_name="Contact.xlsx"
    )
    # Stands for one asked for after the erasure (read after it, so without the person).
    later = ExportJob.objects.create(
        user=owner,
        model_label="crm.Contact",
        file_format="csv",
        file_name="Contact.csv",
        created_at=now() + timedelta(minutes=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        request = person_erase(email=EMAIL)

    # Any list may hold the person: every export made before the erasure goes, file and row.
    assert not ExportJob.objects.filter(pk__in=[before.pk, queued.pk]).exists()
    assert not default_storage.exists(path)
    assert request.counts["exports.ExportJob"] == 2
    assert ExportJob.objects.filter(pk=later.pk).exists()


@pytest.mark.django_db
def test_erase_deletes_every_import_file_made_before_it(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils.timezone import now

    from exports.models import ImportJob

    settings.MEDIA_ROOT = str(tmp_path)
    make_person()
    owner = StaffUserFactory()
    path = default_storage.save(
        "imports/made-before.json",
        ContentFile(f'{{"headers": ["name", "email"], "rows": [["{NAME}", "{EMAIL}"]]}}'),
    )
    queued = ImportJob.objects.create(
        user=owner,
        model_label="crm.Contact",
        file_name="contacts.csv",
        file_path=path,
        rows_total=1,
        created_at=now() - timedelta(minutes=5),
    )
    failed = ImportJob.objects.create(
        user=owner,
        model_label="crm.Contact",
        file_name="contacts.csv",
        status=ImportJob.Status.FAILED,
        problems=[f"Line 2, column “email”: {EMAIL} is taken"],
        created_at=now() - timedelta(minutes=5),
    )
    later = ImportJob.objects.create(
        user=owner,
        model_label="crm.Contact",
        file_name="contacts.csv",
        created_at=now() + timedelta(minutes=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        request = person_erase(email=EMAIL)

    # The file (and a problem list quoting its cells) may hold the person: both go.
    assert not ImportJob.objects.filter(pk__in=[queued.pk, failed.pk]).exists()
    assert not default_storage.exists(path)
    assert request.counts["exports.ImportJob"] == 2
    assert ImportJob.objects.filter(pk=later.pk).exists()
