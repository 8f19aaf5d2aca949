"""The README's "Staff API" steps, as a new user runs them: a token, then curl on a live server.

A Sales member of one agency lists that agency's contacts, adds a note and completes a task;
nothing of another agency can be read or written.
"""

import json
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from crm.models import ContactNote, Task
from tests.api_support import grant
from tests.crm.factories import (
    ClinicFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    TaskFactory,
)

# What the Sales group carries for the CRM (the groups come from core's data migration).
SALES_PERMISSIONS = [
    "crm.view_organization",
    "crm.view_contact",
    "crm.add_contact",
    "crm.change_contact",
    "crm.view_contactnote",
    "crm.add_contactnote",
    "crm.view_task",
    "crm.add_task",
    "crm.change_task",
]


@pytest.fixture(scope="module", autouse=True)
def _release_pooled_connections():
    """Close the connections the live server left in the pool, so the test database can go."""
    yield
    for connection in connections.all():
        if connection.vendor == "postgresql":
            connection.close()
            connection.close_pool()


def curl(*args: str) -> tuple[int, object]:
    """Run curl like a user would; return the status and the parsed JSON body."""
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, _, status = result.stdout.rpartition("\n")
    return int(status), json.loads(body) if body.strip().startswith(("{", "[")) else body


def test_sales_member_works_their_agency_and_nothing_else(live_server):
    if shutil.which("curl") is None:
        pytest.skip("needs curl")
    agency, other = OrganizationFactory(name="Brightsmile"), OrganizationFactory(name="Other")
    clinic = ClinicFactory(organization=agency, name="Brightsmile Baner")
    task = TaskFactory(contact=clinic, title="Send the brochure")
    their_clinic = ClinicFactory(organization=other)
    their_task = TaskFactory(contact=their_clinic)
    sales = OrganizationMembershipFactory(organization=agency, user__username="bright.sales").user
    grant(sales, *SALES_PERMISSIONS)

    out = StringIO()
    call_command(
        "create_api_token", "bright.sales", "--name", "laptop", stdout=out, stderr=StringIO()
    )
    token = out.getvalue().strip()
    api = f"{live_server.url}/api"
    auth = ["-H", f"Authorization: Bearer {token}"]
    send_json = [*auth, "-H", "Content-Type: application/json"]

    # The docs page is there to guide them.
    status, _ = curl(f"{api}/docs/")
    assert status == 200

    # List the agency's contacts.
    status, contacts = curl(*auth, f"{api}/crm/contacts/")
    assert status == 200
    assert [row["id"] for row in contacts["results"]] == [str(clinic.pk)]

    # Add a note.
    note = json.dumps({"contact": str(clinic.pk), "content": "Called; visiting Monday."})
    status, body = curl(*send_json, "-d", note, f"{api}/crm/notes/")
    assert status == 201, body
    assert ContactNote.objects.get().author == sales

    # Find the open task and complete it.
    status, tasks = curl(*auth, f"{api}/crm/tasks/?contact={clinic.pk}&open=true")
    assert [row["id"] for row in tasks["results"]] == [str(task.pk)]
    status, body = curl(*auth, "-X", "POST", f"{api}/crm/tasks/{task.pk}/complete/")
    assert status == 200 and body["status"] == "COMPLETED"

    # Nothing of the other agency can be read ...
    assert curl(*auth, f"{api}/crm/contacts/{their_clinic.pk}/")[0] == 404
    assert curl(*auth, f"{api}/crm/tasks/{their_task.pk}/")[0] == 404
    status, listed = curl(*auth, f"{api}/crm/contacts/?organization={other.pk}")
    assert listed["results"] == []
    # ... or written.
    foreign = json.dumps({"contact": str(their_clinic.pk), "content": "x"})
    status, body = curl(*send_json, "-d", foreign, f"{api}/crm/notes/")
    assert status == 400 and "contact" in body
    assert curl(*auth, "-X", "POST", f"{api}/crm/tasks/{their_task.pk}/complete/")[0] == 404
    moved = json.dumps({"name": "Hijacked"})
    assert (
        curl(*send_json, "-X", "PATCH", "-d", moved, f"{api}/crm/contacts/{their_clinic.pk}/")[0]
        == 404
    )
    assert ContactNote.objects.count() == 1
    their_task.refresh_from_db()
    their_clinic.refresh_from_db()
    assert their_task.status == Task.Status.PENDING
    assert their_clinic.name != "Hijacked"
    # Without the token: 401 and no data.
    status, body = curl(f"{api}/crm/contacts/")
    assert status == 401 and "results" not in body
