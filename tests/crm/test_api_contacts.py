"""Staff API: contacts (scoping, filters, writes through the services, query budgets)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Contact, ContactTag, Tag
from tests.api_support import bearer_client, grant, world_fixture  # noqa: F401
from tests.crm.factories import (
    ClinicFactory,
    ContactFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/crm/contacts/"


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_members_list_only_their_organizations_contacts_and_platform_staff_all(world):
    mine = ContactFactory(organization=world.org_a)
    theirs = ContactFactory(organization=world.org_b)

    assert ids(world.a.get(URL)) == {str(mine.pk)}
    assert ids(world.b.get(URL)) == {str(theirs.pk)}
    assert ids(world.staff.get(URL)) == {str(mine.pk), str(theirs.pk)}


def test_anonymous_gets_401_with_a_bearer_challenge_and_no_data(world):
    ContactFactory(organization=world.org_a)

    response = world.anonymous.get(URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert set(response.json()) == {"detail", "code"}


def test_another_organizations_contact_is_not_found(world):
    theirs = ContactFactory(organization=world.org_b)

    assert world.a.get(f"{URL}{theirs.pk}/").status_code == 404
    response = world.a.patch(f"{URL}{theirs.pk}/", {"name": "Hijacked"}, format="json")
    assert response.status_code == 404
    assert world.a.delete(f"{URL}{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name != "Hijacked"
    assert Contact.objects.filter(pk=theirs.pk).exists()


def test_reading_needs_the_view_permission_and_writing_the_add_permission(world):
    viewer = OrganizationMembershipFactory(organization=world.org_a).user
    no_perms = bearer_client(viewer)
    assert no_perms.get(URL).status_code == 403

    viewer = grant(viewer, "crm.view_contact")
    client = bearer_client(viewer)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"organization": str(world.org_a.pk), "name": "X"}, format="json")
    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_non_staff_users_are_refused_even_with_permissions(world):
    user = grant(StaffUserFactory(is_staff=False), "crm.view_contact")

    assert bearer_client(user).get(URL).status_code == 403


def test_create_with_parent_tags_and_custom_fields(world):
    clinic = ClinicFactory(organization=world.org_a)

    response = world.a.post(
        URL,
        {
            "organization": str(world.org_a.pk),
            "name": "  Asha Rao ",
            "contact_type": "PATIENT",
            "parent_contact": str(clinic.pk),
            "email": "asha@example.com",
            "tags": ["vip", "VIP", "new patient"],
            "custom_fields": {"chairs": 4, "insurer": "Acme"},
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Asha Rao"
    assert body["parent_contact"] == str(clinic.pk)
    assert body["tags"] == ["new patient", "vip"]
    assert body["custom_fields"] == {"chairs": 4, "insurer": "Acme"}
    contact = Contact.objects.get(pk=body["id"])
    assert set(Tag.objects.filter(contacts=contact).values_list("organization", flat=True)) == {
        world.org_a.pk
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "contact_type": "ALIEN"}, "contact_type"),
        ({"name": "X", "email": "not-an-email"}, "email"),
        ({"name": "X", "custom_fields": {"nested": {"a": 1}}}, "custom_fields"),
        ({"name": "X", "custom_fields": ["a"]}, "custom_fields"),
        ({"name": "X", "tags": ["x" * 51]}, "tags"),
    ],
)
def test_create_refuses_bad_fields_with_a_field_error_and_writes_nothing(world, payload, field):
    response = world.a.post(URL, {"organization": str(world.org_a.pk), **payload}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Contact.objects.exists()


def test_create_refuses_the_hierarchy_rules_like_the_admin(world):
    person = ContactFactory(organization=world.org_a, contact_type=Contact.Type.INDIVIDUAL)

    response = world.a.post(
        URL,
        {
            "organization": str(world.org_a.pk),
            "name": "Patient",
            "contact_type": "PATIENT",
            "parent_contact": str(person.pk),
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"parent_contact": ["A patient can only be placed under a clinic."]}
    assert Contact.objects.count() == 1


def test_create_refuses_another_organizations_organization_parent_or_duplicate_email(world):
    their_clinic = ClinicFactory(organization=world.org_b)
    ContactFactory(organization=world.org_a, email="taken@example.com")

    in_b = world.a.post(URL, {"organization": str(world.org_b.pk), "name": "X"}, format="json")
    under_b = world.a.post(
        URL,
        {"organization": str(world.org_a.pk), "name": "X", "parent_contact": str(their_clinic.pk)},
        format="json",
    )
    duplicate = world.a.post(
        URL,
        {"organization": str(world.org_a.pk), "name": "X", "email": "taken@example.com"},
        format="json",
    )

    assert in_b.status_code == 400 and "organization" in in_b.json()
    assert under_b.status_code == 400 and "parent_contact" in under_b.json()
    assert duplicate.status_code == 400 and "email" in duplicate.json()
    assert Contact.objects.filter(organization=world.org_b).count() == 1
    assert Contact.objects.filter(organization=world.org_a).count() == 1


def test_platform_staff_can_create_in_any_organization_but_not_across_organizations(world):
    their_clinic = ClinicFactory(organization=world.org_b)

    response = world.staff.post(
        URL,
        {
            "organization": str(world.org_a.pk),
            "name": "X",
            "contact_type": "PATIENT",
            "parent_contact": str(their_clinic.pk),
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "parent_contact": ["The parent must belong to the same organization."]
    }
    assert Contact.objects.count() == 1


def test_patch_updates_fields_moves_and_replaces_tags(world):
    clinic = ClinicFactory(organization=world.org_a)
    contact = ContactFactory(organization=world.org_a, contact_type=Contact.Type.PATIENT)
    contact.tags.add(TagFactory(organization=world.org_a, name="old"))

    response = world.a.patch(
        f"{URL}{contact.pk}/",
        {"phone": " 123 ", "parent_contact": str(clinic.pk), "tags": ["New", "vip"]},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone"] == "123"
    assert body["parent_contact"] == str(clinic.pk)
    assert body["tags"] == ["New", "vip"]


def test_patch_that_breaks_a_rule_changes_nothing(world):
    clinic = ClinicFactory(organization=world.org_a)
    ContactFactory(
        organization=world.org_a, contact_type=Contact.Type.PATIENT, parent_contact=clinic
    )

    response = world.a.patch(
        f"{URL}{clinic.pk}/",
        {"name": "Renamed", "contact_type": "INDIVIDUAL", "tags": ["x"]},
        format="json",
    )

    assert response.status_code == 400
    assert "contact_type" in response.json()
    clinic.refresh_from_db()
    assert (clinic.name, clinic.contact_type) != ("Renamed", Contact.Type.INDIVIDUAL)
    assert not ContactTag.objects.exists()


def test_patch_cannot_move_the_contact_under_another_organizations_contact(world):
    contact = ContactFactory(organization=world.org_a)
    theirs = ClinicFactory(organization=world.org_b)

    response = world.a.patch(
        f"{URL}{contact.pk}/", {"parent_contact": str(theirs.pk)}, format="json"
    )

    assert response.status_code == 400
    assert "parent_contact" in response.json()
    contact.refresh_from_db()
    assert contact.parent_contact_id is None


def test_patch_ignores_no_organization_change(world):
    contact = ContactFactory(organization=world.org_a)

    response = world.a.patch(
        f"{URL}{contact.pk}/", {"organization": str(world.org_b.pk)}, format="json"
    )

    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.organization_id == world.org_a.pk


def test_put_is_not_allowed_and_answers_json(world):
    contact = ContactFactory(organization=world.org_a)

    response = world.a.put(f"{URL}{contact.pk}/", {"name": "X"}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_delete(world):
    contact = ContactFactory(organization=world.org_a)

    assert world.a.delete(f"{URL}{contact.pk}/").status_code == 204
    assert not Contact.objects.exists()


def test_filters_type_organization_tag_parent_search_and_created_range(world):
    clinic = ClinicFactory(organization=world.org_a, name="Smile Clinic")
    patient = ContactFactory(
        organization=world.org_a,
        contact_type=Contact.Type.PATIENT,
        parent_contact=clinic,
        name="Ravi",
        email="ravi@example.com",
    )
    patient.tags.add(TagFactory(organization=world.org_a, name="VIP"))
    old = ContactFactory(organization=world.org_a, name="Old")
    Contact.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    elsewhere = ContactFactory(organization=world.org_b, contact_type=Contact.Type.CLINIC)
    week_ago = (timezone.now() - timedelta(days=7)).isoformat()

    assert ids(world.staff.get(URL, {"contact_type": "CLINIC"})) == {
        str(clinic.pk),
        str(elsewhere.pk),
    }
    assert ids(world.staff.get(URL, {"organization": str(world.org_b.pk)})) == {str(elsewhere.pk)}
    assert ids(world.a.get(URL, {"tag": "vip"})) == {str(patient.pk)}
    assert ids(world.a.get(URL, {"parent_contact": str(clinic.pk)})) == {str(patient.pk)}
    assert ids(world.a.get(URL, {"has_parent": "false"})) == {str(clinic.pk), str(old.pk)}
    assert ids(world.a.get(URL, {"q": "RAVI@"})) == {str(patient.pk)}
    assert ids(world.a.get(URL, {"created_at_before": week_ago})) == {str(old.pk)}
    assert ids(world.a.get(URL, {"created_at_after": week_ago})) == {
        str(clinic.pk),
        str(patient.pk),
    }
    # Scoping holds under filters: B's organization id gives a member of A nothing.
    assert ids(world.a.get(URL, {"organization": str(world.org_b.pk)})) == set()


def test_custom_field_filter_by_key_and_by_text_number_or_boolean_value(world):
    four = ContactFactory(organization=world.org_a, custom_fields={"chairs": 4, "vip": True})
    text = ContactFactory(organization=world.org_a, custom_fields={"chairs": "4", "a__b": "x"})
    ContactFactory(organization=world.org_a, custom_fields={"chairs": 5})
    ContactFactory(organization=world.org_a)

    assert len(ids(world.a.get(URL, {"custom_field": "chairs"}))) == 3
    assert ids(world.a.get(URL, {"custom_field": "chairs", "custom_value": "4"})) == {
        str(four.pk),
        str(text.pk),
    }
    assert ids(world.a.get(URL, {"custom_field": "vip", "custom_value": "true"})) == {str(four.pk)}
    # A key is a key, not a lookup path.
    assert ids(world.a.get(URL, {"custom_field": "a__b", "custom_value": "x"})) == {str(text.pk)}


def test_bad_filter_values_are_400_field_errors(world):
    response = world.a.get(URL, {"contact_type": "ALIEN", "created_at_after": "yesterday"})

    assert response.status_code == 400
    assert {"contact_type", "created_at"} <= set(response.json())


def test_ordering_and_cursor_pagination(world):
    for name in ["Cara", "Abe", "Bea"]:
        ContactFactory(organization=world.org_a, name=name)

    first = world.a.get(URL, {"ordering": "name", "page_size": 2}).json()
    second = world.a.get(first["next"]).json()

    assert [row["name"] for row in first["results"]] == ["Abe", "Bea"]
    assert [row["name"] for row in second["results"]] == ["Cara"]
    assert second["next"] is None


@pytest.mark.parametrize("page_size", [2, 20])
def test_list_query_count_does_not_grow_with_page_size(
    world, page_size, django_assert_max_num_queries
):
    for index in range(20):
        contact = ContactFactory(organization=world.org_a, contact_type=Contact.Type.CLINIC)
        contact.tags.add(TagFactory(organization=world.org_a, name=f"t{index}"))
    client = bearer_client(world.member_a)

    # token, last_used_at, membership, user and group permissions, the page, its tags
    with django_assert_max_num_queries(7):
        response = client.get(URL, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize(
    "moment",
    ["3885-08-01T03:53:01+20:16", "0001-01-01T00:00:00+23:00", "2026-01-01T00:00:00+05:30"],
)
def test_created_range_takes_any_iso_offset_and_compares_in_utc(world, moment):
    ContactFactory(organization=world.org_a)

    response = world.a.get(URL, {"created_at_after": moment})

    # Far offsets are fine (compared in UTC); a moment that leaves the calendar in UTC is a 400.
    if moment.startswith("0001"):
        assert response.status_code == 400 and "created_at" in response.json()
    else:
        assert response.status_code == 200
