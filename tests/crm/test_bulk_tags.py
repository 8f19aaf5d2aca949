"""Bulk tag actions on contacts (issue 19): through the tag services, scoped, one message."""

import pytest
from django.urls import reverse

from crm.models import ContactTag, Tag
from tests.api_support import grant
from tests.crm.factories import ContactFactory, OrganizationFactory, OrganizationMembershipFactory

pytestmark = pytest.mark.django_db
URL = "/admin/crm/contact/"


def post(client, action, contacts, **extra):
    return client.post(
        URL,
        {"action": action, "_selected_action": [str(c.pk) for c in contacts], **extra},
        follow=True,
    )


def test_add_then_remove_a_tag_on_many_contacts_across_organizations(admin_client):
    a, b = OrganizationFactory(), OrganizationFactory()
    contacts = [ContactFactory(organization=a), ContactFactory(organization=a)]
    contacts.append(ContactFactory(organization=b))

    page = post(admin_client, "add_tag", contacts)
    assert "Add a tag" in page.content.decode()  # the form first
    assert not ContactTag.objects.exists()

    done = post(admin_client, "add_tag", contacts, apply="1", name="VIP")
    assert "3 contacts tagged “VIP”." in done.content.decode()
    assert Tag.objects.filter(name="VIP").count() == 2  # one per organization
    assert ContactTag.objects.count() == 3
    again = post(admin_client, "add_tag", contacts, apply="1", name="vip")
    assert "0 contacts tagged" in again.content.decode()

    removed = post(admin_client, "remove_tag", contacts[:2], apply="1", name="Vip")
    assert "2 contacts no longer tagged" in removed.content.decode()
    assert ContactTag.objects.count() == 1


def test_a_blank_or_unstorable_tag_is_refused_and_writes_nothing(admin_client):
    contact = ContactFactory()
    for name in ("   ", "v\x00ip"):
        post(admin_client, "add_tag", [contact], apply="1", name=name)
    assert not Tag.objects.exists()


def test_a_member_cannot_tag_another_organizations_contact(client):
    a, b = OrganizationFactory(), OrganizationFactory()
    member = OrganizationMembershipFactory(organization=a).user
    member = grant(member, "crm.view_contact", "crm.change_contact")
    client.force_login(member)
    foreign = ContactFactory(organization=b)

    post(client, "add_tag", [foreign], apply="1", name="VIP")

    assert not ContactTag.objects.exists()
    assert reverse("admin:crm_contact_changelist") == URL
