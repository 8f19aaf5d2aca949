"""Staff API writes for organizations and contacts' integrations (issue 19 item 7): through the
services (crm/services/organizations.py, integrations.py), scoped, permission-checked; the
admin pages write through the same services. Refused calls write nothing."""

import pytest
from django.urls import reverse

from crm import services
from crm.models import ContactIntegration, Organization
from tests.api_support import bearer_client, grant, world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory, ContactIntegrationFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


# Organizations -----------------------------------------------------------------------------------


def test_platform_staff_create_an_organization(world):
    response = world.staff.post(
        "/api/crm/organizations/",
        {"name": " Smile Co ", "slug": "smile-co", "type": "ENTERPRISE"},
        format="json",
    )

    assert response.status_code == 201, response.content
    organization = Organization.objects.get(slug="smile-co")
    assert (organization.name, organization.type) == ("Smile Co", "ENTERPRISE")
    assert response.json()["id"] == str(organization.pk)


def test_a_member_may_not_create_an_organization_even_with_the_permission(world):
    before = Organization.objects.count()

    response = world.a.post(
        "/api/crm/organizations/", {"name": "Mine", "slug": "mine"}, format="json"
    )

    assert response.status_code == 403
    assert Organization.objects.count() == before


def test_creating_needs_the_add_permission(world):
    user = grant(StaffUserFactory(), "crm.view_organization")
    before = Organization.objects.count()

    response = bearer_client(user).post(
        "/api/crm/organizations/", {"name": "X", "slug": "x"}, format="json"
    )

    assert response.status_code == 403
    assert Organization.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Dup", "slug": "taken"}, "slug"),
        ({"name": "Bad", "slug": "not a slug"}, "slug"),
        ({"name": "  ", "slug": "blank"}, "name"),
        ({"name": "T", "slug": "t", "type": "GALAXY"}, "type"),
    ],
)
def test_bad_organizations_are_field_errors(world, body, field):
    Organization.objects.create(name="Taken", slug="taken")
    before = Organization.objects.count()

    response = world.staff.post("/api/crm/organizations/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Organization.objects.count() == before


def test_a_member_renames_its_organization_but_not_anothers(world):
    mine = world.a.patch(
        f"/api/crm/organizations/{world.org_a.pk}/", {"name": "Agency A Dental"}, format="json"
    )
    theirs = world.a.patch(
        f"/api/crm/organizations/{world.org_b.pk}/", {"name": "Taken over"}, format="json"
    )

    assert mine.status_code == 200 and mine.json()["name"] == "Agency A Dental"
    assert theirs.status_code == 404
    world.org_b.refresh_from_db()
    assert world.org_b.name == "Agency B"


def test_a_slug_taken_on_patch_is_a_field_error(world):
    response = world.staff.patch(
        f"/api/crm/organizations/{world.org_a.pk}/", {"slug": world.org_b.slug}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["slug"] == [services.organizations.SLUG_TAKEN]
    slug = world.org_a.slug
    world.org_a.refresh_from_db()
    assert world.org_a.slug == slug


def test_the_organization_admin_writes_through_the_services(admin_client):
    response = admin_client.post(
        reverse("admin:crm_organization_add"),
        {"name": " Northwind ", "slug": "northwind", "type": "AGENCY"},
    )

    assert response.status_code == 302
    assert Organization.objects.get(slug="northwind").name == "Northwind"


# Integrations ------------------------------------------------------------------------------------


def test_a_member_links_its_contact_to_an_outside_record(world):
    contact = ContactFactory(organization=world.org_a)

    response = world.a.post(
        "/api/crm/integrations/",
        {
            "contact": str(contact.pk),
            "provider": "gohighlevel",
            "external_id": " ghl-42 ",
            "external_data": {"stage": "won"},
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    integration = ContactIntegration.objects.get()
    assert (integration.contact, integration.external_id) == (contact, "ghl-42")
    assert (integration.external_data, integration.sync_status) == ({"stage": "won"}, "active")


def test_a_member_of_a_cannot_link_bs_contact(world):
    theirs = ContactFactory(organization=world.org_b)

    response = world.a.post(
        "/api/crm/integrations/",
        {"contact": str(theirs.pk), "provider": "ghl", "external_id": "1"},
        format="json",
    )

    assert response.status_code == 400
    assert "contact" in response.json()
    assert not ContactIntegration.objects.exists()


def test_one_providers_id_belongs_to_one_contact(world):
    ContactIntegrationFactory(
        contact=ContactFactory(organization=world.org_a), provider="ghl", external_id="7"
    )

    response = world.a.post(
        "/api/crm/integrations/",
        {
            "contact": str(ContactFactory(organization=world.org_a).pk),
            "provider": "ghl",
            "external_id": "7",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["external_id"] == [
        "Another contact is already linked to this id of this provider."
    ]
    assert ContactIntegration.objects.count() == 1


def test_patch_updates_the_sync_state_but_never_the_contact_or_provider(world):
    integration = ContactIntegrationFactory(
        contact=ContactFactory(organization=world.org_a), provider="ghl"
    )
    other = ContactFactory(organization=world.org_a)

    response = world.a.patch(
        f"/api/crm/integrations/{integration.pk}/",
        {
            "sync_status": "error",
            "last_sync_at": "2026-01-02T03:04:05Z",
            "external_data": {"error": "timeout"},
            "contact": str(other.pk),
            "provider": "hubspot",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    integration.refresh_from_db()
    assert (integration.sync_status, integration.external_data) == ("error", {"error": "timeout"})
    assert integration.last_sync_at is not None
    assert (integration.contact_id, integration.provider) != (other.pk, "hubspot")
    assert integration.provider == "ghl"


def test_patch_of_another_organizations_integration_is_a_404(world):
    theirs = ContactIntegrationFactory(contact=ContactFactory(organization=world.org_b))
    status = theirs.sync_status

    response = world.a.patch(
        f"/api/crm/integrations/{theirs.pk}/", {"sync_status": "error"}, format="json"
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.sync_status == status


def test_integration_writes_need_their_permissions(world):
    contact = ContactFactory(organization=world.org_a)
    integration = ContactIntegrationFactory(contact=contact)
    reader = bearer_client(grant(StaffUserFactory(), "crm.view_contactintegration"))

    created = reader.post(
        "/api/crm/integrations/",
        {"contact": str(contact.pk), "provider": "p", "external_id": "e"},
        format="json",
    )
    changed = reader.patch(
        f"/api/crm/integrations/{integration.pk}/", {"sync_status": "x"}, format="json"
    )

    assert created.status_code == changed.status_code == 403
    assert ContactIntegration.objects.count() == 1
    integration.refresh_from_db()
    assert integration.sync_status != "x"


def test_the_service_refuses_unsafe_external_data():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.contact_integration_create(
            contact=ContactFactory(), provider="p", external_id="1", external_data={"a": "\x00"}
        )

    assert "external_data" in exc.value.message_dict
    assert not ContactIntegration.objects.exists()


def test_the_integration_admin_writes_through_the_services(admin_client):
    contact = ContactFactory()

    response = admin_client.post(
        reverse("admin:crm_contactintegration_add"),
        {
            "contact": contact.pk,
            "provider": " ghl ",
            "external_id": "99",
            "external_data": "{}",
            "sync_status": "active",
        },
    )

    assert response.status_code == 302, response.content
    assert ContactIntegration.objects.get().provider == "ghl"
