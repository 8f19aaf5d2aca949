"""POST /api/crm/contacts/{id}/merge/."""

import pytest

from crm.models import Contact, ContactNote
from privacy.models import MergeRecord
from tests.api_support import bearer_client, grant, world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory, ContactNoteFactory

pytestmark = pytest.mark.django_db


def url(contact) -> str:
    return f"/api/crm/contacts/{contact.pk}/merge/"


def test_dry_run_previews_then_merge_moves(world):
    grant(world.member_a, "privacy.merge_contacts")
    client = bearer_client(world.member_a)
    survivor = ContactFactory(organization=world.org_a, email="a@example.com")
    duplicate = ContactFactory(organization=world.org_a, email="b@example.com")
    ContactNoteFactory.create_batch(3, contact=duplicate, organization=world.org_a)
    body = {"duplicates": [str(duplicate.pk)], "fields": {"email": str(duplicate.pk)}}

    preview = client.post(url(survivor), {**body, "dry_run": True}, format="json")
    assert preview.status_code == 200, preview.content
    assert preview.json()["moved"]["crm.ContactNote.contact"] == 3
    assert Contact.objects.filter(pk=duplicate.pk).exists()
    assert MergeRecord.objects.count() == 0

    done = client.post(url(survivor), body, format="json")
    assert done.status_code == 200, done.content
    survivor.refresh_from_db()
    assert survivor.email == "b@example.com"
    assert ContactNote.objects.filter(contact=survivor).count() == 3
    assert not Contact.objects.filter(pk=duplicate.pk).exists()


def test_without_the_permission_is_403_and_nothing_moves(world):
    survivor = ContactFactory(organization=world.org_a)
    duplicate = ContactFactory(organization=world.org_a)

    response = world.a.post(url(survivor), {"duplicates": [str(duplicate.pk)]}, format="json")

    assert response.status_code == 403
    assert Contact.objects.filter(pk=duplicate.pk).exists()


def test_another_organizations_contact_is_refused(world):
    grant(world.member_a, "privacy.merge_contacts")
    client = bearer_client(world.member_a)
    survivor = ContactFactory(organization=world.org_a)
    theirs = ContactFactory(organization=world.org_b)

    response = client.post(url(survivor), {"duplicates": [str(theirs.pk)]}, format="json")
    assert response.status_code == 400
    assert (
        client.post(url(theirs), {"duplicates": [str(survivor.pk)]}, format="json").status_code
        == 404
    )
    assert Contact.objects.filter(pk=theirs.pk).exists()
    assert MergeRecord.objects.count() == 0
