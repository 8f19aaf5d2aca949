"""Contacts in and out of spreadsheets from the admin (django-import-export)."""

import csv
import io
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from crm import services
from crm.models import Contact, Organization
from tests.crm.factories import ContactFactory, OrganizationFactory, TagFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:crm_contact_import")
PROCESS_URL = reverse("admin:crm_contact_process_import")
EXPORT_URL = reverse("admin:crm_contact_export")
CSV_FORMAT, XLSX_FORMAT = "0", "1"


def _csv_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("contacts.csv", text.encode(), content_type="text/csv")


def _xlsx_upload(rows: list[list]) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("contacts.xlsx", buffer.getvalue())


def _preview(client, upload, organization: Organization, file_format=CSV_FORMAT):
    return client.post(
        IMPORT_URL,
        {
            "import_file": upload,
            "format": file_format,
            "resource": "0",
            "organization": organization.pk,
        },
    )


def _confirm(client, preview):
    form = preview.context["confirm_form"]
    return client.post(PROCESS_URL, {**form.initial, "organization": form.initial["organization"]})


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_import_previews_then_creates_and_updates_through_the_services(admin_client, monkeypatch):
    organization = OrganizationFactory()
    existing = ContactFactory(organization=organization, email="asha@example.com", phone="")
    elsewhere = ContactFactory(email="ravi@example.com", name="Other Org Ravi")
    calls = []
    for name in ("contact_create", "contact_update"):
        original = getattr(services, name)
        monkeypatch.setattr(
            services,
            name,
            lambda *, _original=original, _name=name, **kwargs: (
                calls.append(_name) or _original(**kwargs)
            ),
        )
    upload = _csv_upload(
        "name,email,phone,contact_type\n"
        "Asha Verma, ASHA@Example.com ,+91 98000 00001,PATIENT\n"
        "Ravi Kumar,ravi@example.com,,\n"
    )

    preview = _preview(admin_client, upload, organization)
    assert preview.status_code == 200
    assert preview.context["confirm_form"] is not None
    assert Contact.objects.filter(organization=organization).count() == 1  # nothing yet
    calls.clear()  # the dry run went through the services too

    confirmed = _confirm(admin_client, preview)

    assert confirmed.status_code == 302
    assert sorted(calls) == ["contact_create", "contact_update"]
    existing.refresh_from_db()
    assert (existing.name, existing.phone, existing.contact_type) == (
        "Asha Verma",
        "+91 98000 00001",
        "PATIENT",
    )
    ravi = Contact.objects.get(organization=organization, email="ravi@example.com")
    assert (ravi.name, ravi.contact_type) == ("Ravi Kumar", Contact.Type.INDIVIDUAL)
    elsewhere.refresh_from_db()
    assert elsewhere.name == "Other Org Ravi"  # matched only inside the chosen organization


def test_import_from_xlsx(admin_client):
    organization = OrganizationFactory()
    upload = _xlsx_upload([["name", "email"], ["Meera Iyer", "meera@example.com"]])

    preview = _preview(admin_client, upload, organization, XLSX_FORMAT)
    _confirm(admin_client, preview)

    assert Contact.objects.get(organization=organization).name == "Meera Iyer"


def test_a_bad_row_shows_its_error_and_nothing_is_written(admin_client):
    organization = OrganizationFactory()
    existing = ContactFactory(organization=organization, email="asha@example.com", name="Asha")
    upload = _csv_upload(
        "name,email,contact_type\n"
        "Asha Renamed,asha@example.com,PATIENT\n"
        "Good Row,good@example.com,\n"
        ",noname@example.com,\n"
        "Bad Type,badtype@example.com,ALIEN\n"
        "Bad Email,not-an-email,\n"
    )

    preview = _preview(admin_client, upload, organization)

    page = preview.content.decode()
    assert preview.context.get("confirm_form") is None
    assert "Every contact needs a name." in page
    assert "&#x27;ALIEN&#x27; is not a contact type" in page
    assert "Enter a valid email address." in page
    existing.refresh_from_db()
    assert existing.name == "Asha"
    assert list(Contact.objects.filter(organization=organization)) == [existing]


def test_a_file_without_a_name_column_is_refused(admin_client):
    organization = OrganizationFactory()

    preview = _preview(admin_client, _csv_upload("email\nx@example.com\n"), organization)

    assert preview.context.get("confirm_form") is None
    assert not Contact.objects.exists()


def test_export_writes_the_filtered_list_as_csv(admin_client):
    clinic = ContactFactory(contact_type=Contact.Type.CLINIC, name="Brightsmile Indiranagar")
    patient = ContactFactory(
        organization=clinic.organization,
        parent_contact=clinic,
        contact_type=Contact.Type.PATIENT,
        name="Asha Verma",
        email="asha@example.com",
    )
    patient.tags.add(TagFactory(organization=clinic.organization, name="vip"))
    ContactFactory(name="Someone Else")

    response = admin_client.post(
        f"{EXPORT_URL}?contact_type__exact=PATIENT", {"format": CSV_FORMAT, "resource": "0"}
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response)
    header = rows[0]
    assert header[:3] == ["name", "contact_type", "email"]
    assert len(rows) == 2
    record = dict(zip(header, rows[1], strict=True))
    assert (record["name"], record["email"], record["parent"], record["tags"]) == (
        "Asha Verma",
        "asha@example.com",
        "Brightsmile Indiranagar",
        "vip",
    )
    assert record["organization"] == clinic.organization.name


def test_export_neutralizes_formulas_in_csv_and_keeps_them_text_in_xlsx(admin_client):
    ContactFactory(name='=HYPERLINK("http://evil")', phone="+91 1", address="@SUM(A1)")

    as_csv = _csv_rows(admin_client.post(EXPORT_URL, {"format": CSV_FORMAT, "resource": "0"}))
    as_xlsx = admin_client.post(EXPORT_URL, {"format": XLSX_FORMAT, "resource": "0"})

    record = dict(zip(as_csv[0], as_csv[1], strict=True))
    assert record["name"] == '\'=HYPERLINK("http://evil")'
    assert record["phone"] == "'+91 1"
    assert record["address"] == "'@SUM(A1)"
    sheet = load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content))).active
    cells = {cell.value: cell.data_type for cell in sheet[2]}
    assert cells['=HYPERLINK("http://evil")'] == "s"  # text, never a formula


def test_export_of_50000_contacts_streams_in_bounded_memory(admin_client):
    organization = OrganizationFactory()
    Contact.objects.bulk_create(
        Contact(
            organization=organization,
            name=f"Contact {n:05d}",
            email=f"contact{n}@example.com",
            phone="+91 98000 00000",
            address="12 MG Road, Bengaluru",
        )
        for n in range(50_000)
    )
    if connection.vendor == "postgresql":
        # What autovacuum does for a table that grew this much; without statistics the planner
        # takes the table for empty and picks a plan fit for a handful of rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE crm_contact")

    tracemalloc.start()
    try:
        response = admin_client.post(EXPORT_URL, {"format": CSV_FORMAT, "resource": "0"})
        lines = 0
        size = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert lines == 50_001
    # The file is ~4 MB; holding every row as model objects would take far more than this.
    assert size > 3_000_000
    assert peak < 25 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
