"""Contacts in and out of spreadsheets from the admin (django-import-export)."""

import csv
import io
import tracemalloc

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from crm import services
from crm.import_files import unsign_import_file
from crm.models import Contact, Organization
from crm.resources import ContactResource
from tests.crm.factories import ContactFactory, OrganizationFactory, TagFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:crm_contact_import")
PROCESS_URL = reverse("admin:crm_contact_process_import")
EXPORT_URL = reverse("admin:crm_contact_export")
CSV_FORMAT, XLSX_FORMAT = "0", "1"
ALL_COLUMNS = {f"contactresource_{name}": "on" for name in ContactResource().get_export_order()}


def _export(client, file_format=CSV_FORMAT, query="", columns=None):
    url = f"{EXPORT_URL}?{query}" if query else EXPORT_URL
    return client.post(
        url,
        {"format": file_format, "resource": "0", **(ALL_COLUMNS if columns is None else columns)},
    )


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

    response = _export(admin_client, query="contact_type__exact=PATIENT")

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
    ContactFactory(name='=HYPERLINK("http://evil")', phone="+91 98765 43210", address="@SUM(A1)")

    as_csv = _csv_rows(_export(admin_client))
    as_xlsx = _export(admin_client, XLSX_FORMAT)

    record = dict(zip(as_csv[0], as_csv[1], strict=True))
    assert record["name"] == '\'=HYPERLINK("http://evil")'
    assert record["phone"] == "+91 98765 43210"  # a phone number is not a formula
    assert record["address"] == "'@SUM(A1)"
    sheet = load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    assert cells["name"].value == '=HYPERLINK("http://evil")'  # no apostrophe in XLSX
    assert cells["name"].data_type == "s"  # text, never a formula
    assert cells["phone"].value == "+91 98765 43210"
    assert cells["created_at"].is_date  # a time, not text


def _snapshot(organization):
    return sorted(
        Contact.objects.filter(organization=organization).values_list(
            "pk", "name", "email", "phone", "address", "timezone", "contact_type", "updated_at"
        )
    )


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_exporting_contacts_and_importing_the_file_back_changes_nothing(admin_client, file_format):
    organization = OrganizationFactory()
    clinic = ContactFactory(
        organization=organization, contact_type=Contact.Type.CLINIC, name="Brightsmile"
    )
    ContactFactory(
        organization=organization,
        parent_contact=clinic,
        contact_type=Contact.Type.PATIENT,
        name='=HYPERLINK("http://evil","x")',
        email="asha@example.com",
        phone="+91 98765 43210",
        address="-2+3 Main Road",
        timezone="Asia/Kolkata",
    ).tags.add(TagFactory(organization=organization, name="vip"))
    ContactFactory(organization=organization, name="No Email", email=None, phone="-5")
    before = _snapshot(organization)
    exported = b"".join(_export(admin_client, file_format).streaming_content)
    upload = SimpleUploadedFile(
        "contacts." + ("csv" if file_format == CSV_FORMAT else "xlsx"), exported
    )

    preview = _preview(admin_client, upload, organization, file_format)
    assert preview.context["confirm_form"] is not None, preview.content.decode()
    kinds = [row.import_type for row in preview.context["result"].valid_rows()]
    confirmed = _confirm(admin_client, preview)

    assert kinds == ["skip", "skip", "skip"]  # every row is already as the file says
    assert confirmed.status_code == 302
    assert _snapshot(organization) == before  # not even updated_at moved


def test_contact_type_is_read_from_its_label_or_its_code(admin_client):
    organization = OrganizationFactory()
    upload = _csv_upload(
        "name,email,contact_type\n"
        "A,a@example.com,Clinic\n"
        "B,b@example.com,clinic\n"
        "C,c@example.com,CLINIC\n"
        "D,d@example.com, Patient \n"
    )

    _confirm(admin_client, _preview(admin_client, upload, organization))

    assert dict(
        Contact.objects.filter(organization=organization).values_list("name", "contact_type")
    ) == {"A": "CLINIC", "B": "CLINIC", "C": "CLINIC", "D": "PATIENT"}


def test_import_errors_are_plain_text_with_the_spreadsheet_line_and_column(admin_client):
    organization = OrganizationFactory()
    upload = _csv_upload(
        "name,email,contact_type\n"  # line 1
        "Good,good@example.com,\n"  # line 2
        ",noname@example.com,\n"  # line 3
        "Bad Type,bad@example.com,Alien\n"  # line 4
    )

    preview = _preview(admin_client, upload, organization)

    page = preview.content.decode()
    assert "Line 3, column “name”: Every contact needs a name." in page
    assert "Line 4, column “contact_type”: &#x27;Alien&#x27; is not a contact type (" in page
    assert "Individual" in page.split("Line 4", 1)[1]  # the labels people see are listed
    assert not Contact.objects.filter(organization=organization).exists()


def test_a_failed_preview_keeps_the_file_for_another_try(admin_client):
    organization = OrganizationFactory()
    upload = _csv_upload("name,email\nAsha,asha@example.com\n")

    # The person picked the wrong format: the file is not readable as XLSX.
    failed = _preview(admin_client, upload, organization, XLSX_FORMAT)
    token = failed.context["kept_file_token"]
    assert (
        "contacts.csv" in failed.content.decode() and f'value="{token}"' in failed.content.decode()
    )
    assert not Contact.objects.filter(organization=organization).exists()

    # Same file, right format, no new upload.
    retried = admin_client.post(
        IMPORT_URL,
        {
            "kept_file": token,
            "format": CSV_FORMAT,
            "resource": "0",
            "organization": organization.pk,
        },
    )
    assert retried.context["confirm_form"] is not None, retried.content.decode()
    _confirm(admin_client, retried)

    assert Contact.objects.get(organization=organization).email == "asha@example.com"


def test_someone_elses_kept_file_is_refused_and_nothing_is_written(admin_client, client):
    organization = OrganizationFactory()
    failed = _preview(
        admin_client, _csv_upload("name,email\nAsha,asha@example.com\n"), organization, XLSX_FORMAT
    )
    token = failed.context["kept_file_token"]
    other = get_user_model().objects.create_superuser("other", "o@example.com", "x")
    client.force_login(other)

    for bad in (token, token + "x", "../../etc/passwd"):
        response = client.post(
            IMPORT_URL,
            {
                "kept_file": bad,
                "format": CSV_FORMAT,
                "resource": "0",
                "organization": organization.pk,
            },
        )
        assert response.context.get("confirm_form") is None
        assert "upload it again" in response.content.decode()
    assert not Contact.objects.filter(organization=organization).exists()
    # The uploader's own token still names the file.
    uploader = get_user_model().objects.get(username="admin")
    assert unsign_import_file(token, uploader)[1] == "contacts.csv"


def test_export_page_lists_exactly_the_columns_of_the_file(admin_client):
    ContactFactory()
    page = admin_client.get(EXPORT_URL).content.decode()

    header = _csv_rows(_export(admin_client))[0]
    picked = _csv_rows(
        _export(admin_client, columns={"contactresource_name": "on", "contactresource_tags": "on"})
    )[0]

    labels = [column for column in header if f">{column}</label>" in page]
    assert labels == header  # every column the file has is offered, by the name it has
    assert page.count('class="selectable-field-export-row"') == len(header)
    assert picked == ["name", "tags"]
    assert "onchange=" not in page and "admin_workspace/export_fields.js" in page


def test_export_of_50000_contacts_streams_in_bounded_memory(admin_client, settings):
    # Streamed from the request (above the threshold it is a background job: tests/exports/).
    settings.EXPORT_BACKGROUND_THRESHOLD = 50_000
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
        response = _export(admin_client)
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
