"""Lead exports: CSV and XLSX, the changelist's filters, safe cells, bounded memory."""

import csv
import io
import tracemalloc

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import UsersLead
from leads.resources import LeadResource
from tests.crm.factories import StaffUserFactory
from tests.leads.factories import UsersLeadFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:leads_userslead_export")
CSV_FORMAT, XLSX_FORMAT = "0", "1"
ALL_FIELDS = {f"leadresource_{name}": "on" for name in LeadResource._meta.fields}


def export(client, file_format: str, query: str = ""):
    return client.post(
        f"{EXPORT}?{query}" if query else EXPORT,
        {"format": file_format, "resource": "0", **ALL_FIELDS},
    )


def csv_rows(response) -> list[dict]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def dataset() -> None:
    services.choices_submit(email="priya@example.com", intent="invest", nps=9, name="Priya")
    services.contact_message_create(
        name="Priya", email="priya@example.com", subject="Hi", message="Please call me back."
    )
    services.contact_message_create(
        name='=HYPERLINK("http://evil","x")',
        email="evil@example.com",
        subject="Hi",
        message="Please call me back.",
        phone="+1 555 0100",
    )
    services.early_access_request_create(
        email="asha@example.com", intent_level="HIGH", investment_range="ABOVE_TWO_L", city="Pune"
    )


def test_csv_export_has_every_column_and_the_counts(admin_client):
    dataset()

    response = export(admin_client, CSV_FORMAT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert ".csv" in response["Content-Disposition"]
    rows = {row["Email"]: row for row in csv_rows(response)}
    assert set(rows) == {"priya@example.com", "evil@example.com", "asha@example.com"}
    priya = rows["priya@example.com"]
    assert priya["Name"] == "Priya"
    assert priya["Source"] == "Choices questionnaire"
    assert (priya["Questionnaires"], priya["Contact messages"], priya["Submissions"]) == (
        "1",
        "1",
        "2",
    )
    assert priya["Converted"] == "no"
    assert priya["First seen"] and priya["Last seen"]


def test_csv_export_neutralizes_formulas_and_nothing_else(admin_client):
    dataset()

    rows = {row["Email"]: row for row in csv_rows(export(admin_client, CSV_FORMAT))}

    assert rows["evil@example.com"]["Name"] == '\'=HYPERLINK("http://evil","x")'
    # A phone number is not a formula: written as typed.
    assert rows["evil@example.com"]["Phone"] == "+1 555 0100"
    # Times in the site's time zone, to the second.
    lead = UsersLead.objects.get(email="evil@example.com")
    assert rows["evil@example.com"]["First seen"] == timezone.localtime(
        lead.first_seen_at
    ).strftime("%Y-%m-%d %H:%M:%S")


def test_csv_export_respects_the_changelist_filters_and_search(admin_client):
    dataset()

    by_source = csv_rows(export(admin_client, CSV_FORMAT, "source=CONTACT"))
    by_search = csv_rows(export(admin_client, CSV_FORMAT, "q=asha"))

    # Priya came first through the questionnaire: her source stays CHOICES.
    assert {row["Email"] for row in by_source} == {"evil@example.com"}
    assert {row["Email"] for row in by_search} == {"asha@example.com"}


def test_xlsx_export_is_filtered_and_keeps_formulas_as_text(admin_client):
    dataset()

    response = export(admin_client, XLSX_FORMAT, "source=CONTACT")

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[0] == "Email"
    assert [row[0] for row in rows] == ["evil@example.com"]
    name_cell = sheet.cell(row=2, column=header.index("Name") + 1)
    assert name_cell.data_type == "s"  # text, never a formula, and no apostrophe added
    assert name_cell.value == '=HYPERLINK("http://evil","x")'
    assert sheet.cell(row=2, column=header.index("Phone") + 1).value == "+1 555 0100"


def test_xlsx_cells_carry_real_types(admin_client):
    dataset()

    response = export(admin_client, XLSX_FORMAT, "q=priya")

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, row = list(sheet.iter_rows(values_only=True))
    record = dict(zip(header, row, strict=True))
    # Counts are numbers, times are dates to the second in the site's time zone.
    assert (record["Questionnaires"], record["Contact messages"], record["Submissions"]) == (
        1,
        1,
        2,
    )
    lead = UsersLead.objects.get(email="priya@example.com")
    expected = timezone.localtime(lead.first_seen_at).replace(tzinfo=None, microsecond=0)
    assert record["First seen"] == expected
    assert record["Converted at"] is None
    assert record["Converted"] == "no"


def test_export_page_lists_the_columns_the_file_has_and_select_all_is_wired(admin_client):
    page = admin_client.get(EXPORT).content.decode()
    response = admin_client.post(
        EXPORT,
        {
            "format": CSV_FORMAT,
            "resource": "0",
            "leadresource_email": "on",
            "leadresource_phone": "on",
        },
    )
    header = next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    # Every column is offered under the name the file gives it, and only the ticked ones are written.
    for column in LeadResource().get_export_headers():
        assert f">{column}</label>" in page
    assert header == ["Email", "Phone"]
    # "Select all" is wired by a static script (the CSP refuses inline handlers).
    assert "onchange=" not in page and 'id="export-select-all"' in page
    assert "admin_workspace/export_fields.js" in page


def test_export_needs_the_export_permission(client):
    viewer = StaffUserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_userslead"))
    client.force_login(viewer)
    UsersLeadFactory()

    listing = client.get(reverse("admin:leads_userslead_changelist")).content.decode()

    assert EXPORT not in listing
    assert export(client, CSV_FORMAT).status_code == 403

    viewer.user_permissions.add(Permission.objects.get(codename="export_userslead"))
    viewer = type(viewer).objects.get(pk=viewer.pk)
    client.force_login(viewer)
    assert EXPORT in client.get(reverse("admin:leads_userslead_changelist")).content.decode()
    assert export(client, CSV_FORMAT).status_code == 200


STREAM_ROWS = 50_000
# Holding 50,000 leads (model instances, their annotations and the CSV text) takes well over
# 100 MB; streaming in chunks of 2,000 stays far below this.
STREAM_PEAK_BYTES = 25 * 1024 * 1024


def test_csv_export_of_50000_leads_streams_in_bounded_memory(admin_client, settings):
    # Streamed from the request (above the threshold it is a background job: tests/exports/).
    settings.EXPORT_BACKGROUND_THRESHOLD = STREAM_ROWS
    now = timezone.now()
    UsersLead.objects.bulk_create(
        [
            UsersLead(
                email=f"bulk{n:05d}@example.com",
                name=f"Bulk Lead {n}",
                phone=f"+91 {n:010d}",
                source="OTHER",
                first_seen_at=now,
                last_seen_at=now,
            )
            for n in range(STREAM_ROWS)
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        # What autovacuum does for a table that grew this much: statistics for the planner.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE users_leads")

    tracemalloc.start()
    try:
        response = export(admin_client, CSV_FORMAT)
        lines = 0
        size = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert response.streaming
    assert lines == STREAM_ROWS + 1
    assert size > 3 * 1024 * 1024
    assert peak < STREAM_PEAK_BYTES, f"peak {peak / 1e6:.1f} MB"


def test_xlsx_refuses_more_rows_than_a_workbook_should_hold(admin_client, monkeypatch):
    from leads.admin import leads as leads_admin

    monkeypatch.setattr(leads_admin, "XLSX_MAX_ROWS", 2)
    dataset()

    refused = export(admin_client, XLSX_FORMAT)
    allowed = export(admin_client, XLSX_FORMAT, "source=CONTACT")

    assert refused.status_code == 302
    assert refused["Location"] == reverse("admin:leads_userslead_changelist")
    assert allowed.status_code == 200
