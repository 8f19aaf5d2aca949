"""Organization memberships in admin (inline on the user page and their own list), and the
demo staff logins."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import MANAGERS
from crm.models import Contact, OrganizationMembership
from tests.crm.factories import (
    ContactFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

INLINE = "organization_memberships"
ADD_INLINE = "organization_memberships-2"


@pytest.fixture(autouse=True)
def groups(db):
    call_command("sync_staff_groups", stdout=StringIO())


def user_change_form(user, **extra) -> dict:
    """The user admin's change form as the browser posts it, memberships inline included."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "initial-date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        f"{INLINE}-TOTAL_FORMS": "0",
        f"{INLINE}-INITIAL_FORMS": "0",
        f"{INLINE}-MIN_NUM_FORMS": "0",
        f"{INLINE}-MAX_NUM_FORMS": "1000",
        f"{ADD_INLINE}-TOTAL_FORMS": "0",
        f"{ADD_INLINE}-INITIAL_FORMS": "0",
        f"{ADD_INLINE}-MIN_NUM_FORMS": "0",
        f"{ADD_INLINE}-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update(extra)
    return data


def test_superuser_adds_a_membership_on_the_user_page(admin_client):
    user = StaffUserFactory()
    agency = OrganizationFactory()
    url = reverse("admin:auth_user_change", args=[user.pk])

    page = admin_client.get(url).content.decode()
    response = admin_client.post(
        url,
        user_change_form(
            user,
            **{f"{ADD_INLINE}-TOTAL_FORMS": "1", f"{ADD_INLINE}-0-organization": str(agency.pk)},
        ),
    )

    assert f'name="{INLINE}-TOTAL_FORMS"' in page
    assert f'name="{ADD_INLINE}-TOTAL_FORMS"' in page
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert list(user.organization_memberships.values_list("organization", flat=True)) == [agency.pk]


def test_superuser_removes_a_membership_on_the_user_page(admin_client):
    membership = OrganizationMembershipFactory()
    user = membership.user
    url = reverse("admin:auth_user_change", args=[user.pk])

    response = admin_client.post(
        url,
        user_change_form(
            user,
            **{
                f"{INLINE}-TOTAL_FORMS": "1",
                f"{INLINE}-INITIAL_FORMS": "1",
                f"{INLINE}-0-id": str(membership.pk),
                f"{INLINE}-0-user": str(user.pk),
                f"{INLINE}-0-DELETE": "on",
            },
        ),
    )

    assert response.status_code == 302
    assert not OrganizationMembership.objects.filter(pk=membership.pk).exists()


def test_the_user_page_lists_memberships_in_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    user = StaffUserFactory()
    for _ in range(5):
        OrganizationMembershipFactory(user=user)
    url = reverse("admin:auth_user_change", args=[user.pk])
    admin_client.get(url)

    with django_assert_max_num_queries(30) as captured:
        page = admin_client.get(url)
    count = len(captured)
    for _ in range(5):
        OrganizationMembershipFactory(user=user)
    with django_assert_max_num_queries(count):
        admin_client.get(url)

    assert page.status_code == 200


def test_a_membership_confines_the_member_from_the_next_request_on(admin_client):
    agency, other = OrganizationFactory(), OrganizationFactory()
    mine, theirs = ContactFactory(organization=agency), ContactFactory(organization=other)
    user = StaffUserFactory()
    before = set(Contact.objects.for_user(user))

    admin_client.post(
        reverse("admin:crm_organizationmembership_add"),
        {"user": user.pk, "organization": agency.pk},
    )

    # The next request loads the user afresh: nothing else to invalidate.
    after = set(Contact.objects.for_user(type(user).objects.get(pk=user.pk)))
    assert before == {mine, theirs}
    assert after == {mine}


def test_platform_manager_adds_memberships_in_their_own_list(client):
    manager = StaffUserFactory()
    manager.groups.add(_group(MANAGERS))
    salesperson, agency = StaffUserFactory(), OrganizationFactory()
    client.force_login(manager)

    response = client.post(
        reverse("admin:crm_organizationmembership_add"),
        {"user": salesperson.pk, "organization": agency.pk},
    )

    assert response.status_code == 302
    assert OrganizationMembership.objects.filter(user=salesperson, organization=agency).exists()


def test_the_user_picker_offers_staff_only(admin_client):
    staff, visitor = StaffUserFactory(), StaffUserFactory(is_staff=False)

    form = admin_client.get(reverse("admin:crm_organizationmembership_add")).context["adminform"]
    choices = {str(user) for user in form.form.fields["user"].queryset}

    assert staff.username in choices
    assert visitor.username not in choices


def test_a_confined_manager_sees_only_their_organizations_memberships_and_changes_none(client):
    agency, other = OrganizationFactory(), OrganizationFactory()
    manager = StaffUserFactory()
    manager.groups.add(_group(MANAGERS))
    OrganizationMembershipFactory(user=manager, organization=agency)
    colleague = OrganizationMembershipFactory(organization=agency)
    stranger = OrganizationMembershipFactory(organization=other)
    outsider = StaffUserFactory()
    client.force_login(manager)

    listed = client.get(reverse("admin:crm_organizationmembership_changelist"))
    add = client.post(
        reverse("admin:crm_organizationmembership_add"),
        {"user": outsider.pk, "organization": agency.pk},
    )
    delete = client.post(
        reverse("admin:crm_organizationmembership_delete", args=[colleague.pk]), {"post": "yes"}
    )

    shown = {membership.pk for membership in listed.context["cl"].result_list}
    assert colleague.pk in shown
    assert stranger.pk not in shown
    assert add.status_code == 403
    assert delete.status_code == 403
    assert not OrganizationMembership.objects.filter(user=outsider).exists()
    assert OrganizationMembership.objects.filter(pk=colleague.pk).exists()


def _group(name: str) -> Group:
    return Group.objects.get(name=name)


# -- demo logins ------------------------------------------------------------------------------


@pytest.fixture
def demo_logins(settings, tmp_path, monkeypatch):
    from workspace.management.commands import ensure_demo_login

    settings.DEBUG = True
    monkeypatch.setattr(ensure_demo_login, "LOGIN_FILE", tmp_path / ".demo-login")
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("ensure_demo_login", stdout=out)
    lines = (tmp_path / ".demo-login").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines), out.getvalue()


def test_demo_logins_cover_every_group_and_the_organization_member(demo_logins):
    from django.contrib.auth import get_user_model

    logins, printed = demo_logins
    groups = {
        user.username: set(user.groups.values_list("name", flat=True))
        for user in get_user_model().objects.filter(username__in=logins)
    }

    assert groups == {
        "admin": set(),
        "sales": {"Sales"},
        "support": {"Support"},
        "instructor": {"Instructors"},
        "manager": {"Managers"},
        "brightsmile.sales": {"Sales"},
    }
    for name, password in logins.items():
        assert f"user: {name}" in printed and password in printed
    assert "member of Brightsmile Dental Group" in printed


def test_the_demo_sales_member_signs_in_and_sees_only_their_agencys_contacts(client, demo_logins):
    logins, _ = demo_logins

    signed_in = client.post(
        reverse("admin:login"),
        {"username": "brightsmile.sales", "password": logins["brightsmile.sales"]},
    )
    page = client.get(reverse("admin:crm_contact_changelist"))

    assert signed_in.status_code == 302
    organizations = {contact.organization.slug for contact in page.context["cl"].result_list}
    assert organizations == {"brightsmile-dental"}
    assert Contact.objects.exclude(organization__slug="brightsmile-dental").exists()
