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
