"""One email rule for contacts (issue 16): trimmed and lower-cased everywhere, unique per
organization in any letter case; the migration lower-cases and leaves case-only pairs alone."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from crm.models import Contact
from crm.services import contact_create, contact_update
from tests.api_support import world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_the_service_stores_emails_trimmed_and_lower_case():
    organization = OrganizationFactory()
    contact = contact_create(
        organization=organization, name="Asha", contact_type="INDIVIDUAL", email="  Asha@X.com "
    )
    assert Contact.objects.get(pk=contact.pk).email == "asha@x.com"
    contact_update(contact=contact, data={"email": "ASHA@Y.com"})
    assert Contact.objects.get(pk=contact.pk).email == "asha@y.com"


def test_one_address_in_another_case_is_refused_as_a_field_error():
    organization = OrganizationFactory()
    contact_create(
        organization=organization, name="Asha", contact_type="INDIVIDUAL", email="asha@x.com"
    )
    with pytest.raises(ValidationError) as error:
        contact_create(
            organization=organization, name="Asha 2", contact_type="INDIVIDUAL", email="Asha@X.com"
        )
    assert "email" in error.value.message_dict
    assert Contact.objects.filter(organization=organization).count() == 1


def test_the_database_refuses_an_email_that_is_not_normalized():
    contact = ContactFactory(email="asha@x.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(email="Asha@x.com")
    assert Contact.objects.get(pk=contact.pk).email == "asha@x.com"


def test_the_api_and_the_admin_store_the_same_rule(world, admin_client):
    response = world.a.post(
        "/api/crm/contacts/",
        {"name": "Asha", "email": " ASHA@x.com", "organization": str(world.org_a.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "asha@x.com"
    again = world.a.post(
        "/api/crm/contacts/",
        {"name": "Asha", "email": "asha@X.COM", "organization": str(world.org_a.pk)},
        format="json",
    )
    assert again.status_code == 400
    assert "email" in again.json()
    assert Contact.objects.filter(organization=world.org_a).count() == 1


MIGRATED = ("crm", "0014_check_contact_emails_normalized")
BEFORE = ("crm", "0012_index_contact_phone_digits")


def test_the_migration_lowercases_and_leaves_case_only_pairs_alone(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    Organization = old.apps.get_model("crm", "Organization")
    Contact_ = old.apps.get_model("crm", "Contact")
    org = Organization.objects.create(name="Agency", slug="agency")
    other = Organization.objects.create(name="Other", slug="other")
    pair = [
        Contact_.objects.create(organization=org, name="Asha", email="Asha@x.com"),
        Contact_.objects.create(organization=org, name="Asha", email="asha@x.com"),
    ]
    ravi = Contact_.objects.create(organization=org, name="Ravi", email="Ravi@X.com")
    elsewhere = Contact_.objects.create(organization=other, name="Asha", email="ASHA@x.com")
    none = Contact_.objects.create(organization=org, name="No mail", email=None)

    new = migrator.apply_tested_migration(MIGRATED)
    emails = dict(new.apps.get_model("crm", "Contact").objects.values_list("pk", "email"))

    assert emails[ravi.pk] == "ravi@x.com"
    assert emails[elsewhere.pk] == "asha@x.com"
    assert emails[none.pk] is None
    assert [emails[c.pk] for c in pair] == ["Asha@x.com", "asha@x.com"]  # untouched

    out = StringIO()
    call_command("contact_email_collisions", stdout=out)
    assert "asha@x.com" in out.getvalue() and "1 group(s) to merge." in out.getvalue()

    back = migrator.apply_tested_migration(BEFORE)
    assert back.apps.get_model("crm", "Contact").objects.count() == 5
