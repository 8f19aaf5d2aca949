"""Export a person: one JSON document covering every model that refers to a person."""

import json

import pytest
from django.apps import apps
from django.core.management import call_command

from crm.models import Contact
from leads.models import UsersLead
from privacy.export import person_export
from tests.crm.factories import (
    ContactFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
)
from tests.leads.factories import (
    ContactMessageFactory,
    LeadEventFactory,
    PageSessionFactory,
    UsersLeadFactory,
)
from tests.lms.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

EMAIL = "meera.iyer@example.com"


def person_models() -> set[str]:
    labels = {"leads.UsersLead", "crm.Contact"}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                field.concrete
                and field.is_relation
                and (field.many_to_one or field.one_to_one)
                and field.related_model in (UsersLead, Contact)
            ):
                labels.add(model._meta.label)
    return labels


def test_export_covers_every_model_that_refers_to_a_person_and_loads_as_json(tmp_path):
    lead = UsersLeadFactory(email=EMAIL, phone="+91 98765 43210")
    LeadEventFactory(lead=lead)
    ContactMessageFactory(lead=lead)
    PageSessionFactory(lead=lead)
    organization = OrganizationFactory()
    contact = ContactFactory(organization=organization, email="Meera.Iyer@example.com")
    ContactNoteFactory(contact=contact, organization=organization)
    MessageFactory(contact=contact, organization=organization)
    EnrollmentFactory(contact=contact)
    UsersLeadFactory(email="someone.else@example.com")
    output = tmp_path / "person.json"

    call_command("person_export", "--email", EMAIL, "--output", str(output))

    document = json.loads(output.read_text())
    assert person_models() <= set(document["records"]), person_models() - set(document["records"])
    assert len(document["records"]["leads.UsersLead"]) == 1
    assert document["records"]["leads.UsersLead"][0]["fields"]["email"] == EMAIL
    assert document["counts"]["crm.ContactNote"] == 1
    assert document["counts"]["lms.Enrollment"] == 1
    assert document["counts"]["leads.ContactMessage"] == 1
    assert document["counts"]["leads.PageSession"] == 1
    assert "someone.else" not in output.read_text()


def test_export_by_phone_and_scoped_to_the_staff_members_organizations():
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    ContactFactory(organization=mine, phone="98765-43210")
    ContactFactory(organization=theirs, phone="9876543210")
    member = OrganizationMembershipFactory(organization=mine).user

    document = person_export(phone="98765 43210", user=member)

    assert [r["fields"]["organization"] for r in document["records"]["crm.Contact"]] == [
        str(mine.pk)
    ]


def test_admin_export_page_and_download(client):
    from django.contrib.auth.models import Permission

    from tests.crm.factories import StaffUserFactory

    user = StaffUserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_contact", "view_userslead"])
    )
    client.force_login(user)
    UsersLeadFactory(email=EMAIL)

    page = client.get("/admin/privacy/export/", {"email": EMAIL})
    download = client.get("/admin/privacy/export/", {"email": EMAIL, "format": "json"})

    assert page.status_code == 200
    assert b"leads.UsersLead: 1" in page.content
    assert json.loads(download.content)["counts"]["leads.UsersLead"] == 1


def test_admin_export_needs_permissions(client):
    from tests.crm.factories import StaffUserFactory

    client.force_login(StaffUserFactory())
    assert client.get("/admin/privacy/export/", {"email": EMAIL}).status_code == 403


def _viewer(client, user=None):
    from django.contrib.auth.models import Permission

    from tests.crm.factories import StaffUserFactory

    user = user or StaffUserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_contact", "view_userslead"])
    )
    client.force_login(user)
    return user


def test_admin_readable_view_shows_every_record_in_words_and_scoped(client):
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    member = OrganizationMembershipFactory(organization=mine).user
    _viewer(client, member)
    lead = UsersLeadFactory(email=EMAIL, name="Meera Iyer")
    ContactMessageFactory(lead=lead, message="<script>alert('x')</script> Please call me")
    ContactNoteFactory(
        contact=ContactFactory(organization=mine, email=EMAIL), content="Called on Monday"
    )
    ContactNoteFactory(
        contact=ContactFactory(organization=theirs, email=EMAIL), content="Their secret note"
    )

    page = client.get("/admin/privacy/export/", {"email": EMAIL, "view": "readable"})
    html = page.content.decode()

    assert page.status_code == 200
    assert 'id="person-export-readable"' in html
    assert 'id="person-export"' not in html  # the JSON is one click away, not below
    assert "<h2>Leads (1)</h2>" in html
    assert "<h2>Contact messages (1)</h2>" in html
    assert "<h2>Contact notes (1)</h2>" in html
    assert "Meera Iyer" in html and "Called on Monday" in html
    assert "Their secret note" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Please call me" in html
    assert "<script>alert" not in html
    assert '<th scope="row">Email</th><td>' + EMAIL + "</td>" in html
    assert "format=json" in html and "format=html" in html


def test_admin_readable_html_download_is_one_plain_file(client):
    _viewer(client)
    lead = UsersLeadFactory(email=EMAIL, name="Meera Iyer", phone="")
    LeadEventFactory(lead=lead, metadata={"source": "choices", "new_lead": True})

    response = client.get("/admin/privacy/export/", {"email": EMAIL, "format": "html"})
    html = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="person-export.html"'
    assert html.startswith("<!doctype html>")
    assert f"Everything we hold about {EMAIL}" in html
    assert "<h2>Lead events (1)</h2>" in html
    assert '{"new_lead": true, "source": "choices"}'.replace('"', "&quot;") in html
    assert '<th scope="row">Phone</th><td>—</td>' in html
    # Nothing it needs from the site: no scripts, stylesheets or links back.
    assert "<script" not in html and "<link" not in html and "/admin/" not in html


def test_admin_readable_view_needs_the_same_permissions(client):
    from tests.crm.factories import StaffUserFactory

    client.force_login(StaffUserFactory())
    UsersLeadFactory(email=EMAIL)

    for params in ({"view": "readable"}, {"format": "html"}):
        response = client.get("/admin/privacy/export/", {"email": EMAIL, **params})
        assert response.status_code == 403
        assert EMAIL not in response.content.decode()
