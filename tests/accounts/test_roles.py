"""Staff groups: exactly the permissions each one needs, and what that means on admin pages."""

from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import GROUP_PERMISSIONS, INSTRUCTORS, MANAGERS, SALES, SUPPORT, permissions_in
from crm.models import Contact
from leads.models import ContactMessage
from tests.crm.factories import ContactFactory, StaffUserFactory
from tests.leads.factories import ContactMessageFactory, UsersLeadFactory

pytestmark = pytest.mark.django_db


def crud(model: str, *actions: str) -> set[str]:
    app_label, name = model.split(".")
    return {f"{app_label}.{action}_{name}" for action in actions}


# Written out by hand, independently of accounts/roles.py: a slip in either one fails the test.
EXPECTED = {
    SALES: (
        crud("leads.userslead", "view", "add", "change")
        | {"leads.convert_userslead"}
        | crud("leads.leadevent", "view")
        | crud("leads.choicesresponse", "view")
        | crud("leads.earlyaccessrequest", "view")
        | crud("leads.contactmessage", "view")
        | crud("leads.pagesession", "view")
        | crud("crm.contact", "view", "add", "change")
        | crud("crm.contactnote", "view", "add", "change")
        | crud("crm.appointment", "view", "add", "change")
        | crud("crm.message", "view", "add", "change")
        | crud("crm.task", "view", "add", "change")
        | crud("crm.tag", "view", "add", "change")
        | crud("crm.contacttag", "view", "add", "change")
        | crud("crm.contactintegration", "view", "add", "change")
        | crud("crm.organization", "view")
    ),
    SUPPORT: {
        "leads.view_userslead",
        "leads.view_contactmessage",
        "leads.mark_responded_contactmessage",
        "leads.view_leadevent",
        "leads.view_choicesresponse",
        "leads.view_earlyaccessrequest",
        "leads.view_pagesession",
        "crm.view_contact",
    },
    INSTRUCTORS: (
        crud("lms.course", "view", "add", "change", "delete")
        | crud("lms.chapter", "view", "add", "change", "delete")
        | crud("lms.lesson", "view", "add", "change", "delete")
        | crud("lms.enrollment", "view", "add", "change", "delete")
        | crud("lms.lessonprogress", "view", "add", "change", "delete")
        | {"crm.view_contact"}
    ),
}


# Managers' privacy rows, by hand: the two actions and read access to their logs (never add,
# change or delete them).
MANAGERS_PRIVACY = {
    "privacy.merge_contacts",
    "privacy.erase_person",
    "privacy.view_mergerecord",
    "privacy.view_erasurerequest",
}


def permissions_of(group: Group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.fixture
def groups(db) -> dict[str, Group]:
    # The migration creates them; a transactional test elsewhere may have flushed them since.
    call_command("sync_staff_groups", stdout=StringIO())
    return {group.name: group for group in Group.objects.all()}


@pytest.fixture
def staff(groups):
    def make(group_name: str, **kwargs):
        user = StaffUserFactory(**kwargs)
        user.groups.add(groups[group_name])
        return user

    return make


@pytest.mark.parametrize("name", [SALES, SUPPORT, INSTRUCTORS])
def test_group_holds_exactly_the_permissions_written_down(groups, name):
    assert permissions_of(groups[name]) == EXPECTED[name]
    assert GROUP_PERMISSIONS[name] == EXPECTED[name]


def test_managers_hold_every_permission_of_the_three_apps_and_the_privacy_ones(groups):
    # A new model (or custom permission) in leads, crm or lms must be given to Managers too.
    every = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(
            content_type__app_label__in=["leads", "crm", "lms"]
        ).values_list("content_type__app_label", "codename")
    }

    assert permissions_of(groups[MANAGERS]) == every | MANAGERS_PRIVACY
    assert GROUP_PERMISSIONS[MANAGERS] == every | MANAGERS_PRIVACY
    assert {
        "crm.import_contact",
        "crm.export_contact",
        "leads.export_userslead",
        "crm.delete_contact",
        "crm.add_organizationmembership",
    } <= every


def test_no_group_reaches_outside_the_three_apps_and_privacy(groups):
    for name in GROUP_PERMISSIONS:
        assert {p.split(".")[0] for p in permissions_of(groups[name])} <= {
            "leads",
            "crm",
            "lms",
            "privacy",
        }


def test_sync_keeps_the_privacy_permissions_of_managers_and_gives_them_to_nobody_else(
    groups, staff
):
    # The privacy migrations granted them; a sync once took them away again.
    manager = staff(MANAGERS)
    others = {name: staff(name) for name in (SALES, SUPPORT, INSTRUCTORS)}
    merge = Permission.objects.get(content_type__app_label="privacy", codename="merge_contacts")
    groups[SALES].permissions.add(merge)

    call_command("sync_staff_groups", stdout=StringIO())

    privacy = Permission.objects.filter(content_type__app_label="privacy")
    assert {f"privacy.{p.codename}" for p in privacy.filter(group=groups[MANAGERS])} == (
        MANAGERS_PRIVACY
    )
    for permission in MANAGERS_PRIVACY:
        assert manager.has_perm(permission)
    for name, user in others.items():
        assert not privacy.filter(group=groups[name]).exists(), name
        assert not any(user.has_perm(permission) for permission in MANAGERS_PRIVACY), name
    assert not manager.has_perm("privacy.delete_mergerecord")
    assert not manager.has_perm("privacy.change_erasurerequest")


def test_sync_puts_back_exactly_the_table_and_keeps_members(groups, staff):
    member = staff(SUPPORT)
    support = groups[SUPPORT]
    support.permissions.add(Permission.objects.get(codename="delete_contact"))
    support.permissions.remove(Permission.objects.get(codename="view_contact"))

    call_command("sync_staff_groups", stdout=StringIO())

    assert permissions_of(support) == EXPECTED[SUPPORT]
    assert list(member.groups.all()) == [support]


@pytest.mark.parametrize(
    ("group", "permission", "granted"),
    [
        (SUPPORT, "leads.mark_responded_contactmessage", True),
        (SALES, "leads.mark_responded_contactmessage", False),
        (SALES, "leads.convert_userslead", True),
        (SUPPORT, "leads.convert_userslead", False),
        (SALES, "crm.delete_contact", False),
        (SALES, "crm.export_contact", False),
        (MANAGERS, "crm.export_contact", True),
        (MANAGERS, "crm.import_contact", True),
        (MANAGERS, "leads.export_userslead", True),
        (INSTRUCTORS, "leads.view_userslead", False),
        (INSTRUCTORS, "lms.delete_enrollment", True),
        (MANAGERS, "privacy.merge_contacts", True),
        (MANAGERS, "privacy.erase_person", True),
        (SALES, "privacy.merge_contacts", False),
        (SUPPORT, "privacy.erase_person", False),
    ],
)
def test_permission_checks_per_group(staff, group, permission, granted):
    assert staff(group).has_perm(permission) is granted


# -- pages ------------------------------------------------------------------------------------


def admin_url(model: str, view: str = "changelist", *args) -> str:
    app_label, name = model.split(".")
    return reverse(f"admin:{app_label}_{name}_{view}", args=args)


@pytest.fixture
def records(db):
    contact = ContactFactory()
    message = ContactMessageFactory(lead=UsersLeadFactory())
    return {"contact": contact, "message": message}


PAGES = [
    # (group, page, expected status)
    (SALES, "leads.userslead", 200),
    (SALES, "crm.contact", 200),
    (SALES, "crm.task", 200),
    (SALES, "lms.course", 403),
    (SALES, "crm.organizationmembership", 403),
    (SUPPORT, "leads.userslead", 200),
    (SUPPORT, "leads.contactmessage", 200),
    (SUPPORT, "crm.contact", 200),
    (SUPPORT, "crm.task", 403),
    (SUPPORT, "crm.contactnote", 403),
    (SUPPORT, "lms.enrollment", 403),
    (INSTRUCTORS, "lms.course", 200),
    (INSTRUCTORS, "lms.enrollment", 200),
    (INSTRUCTORS, "crm.contact", 200),
    (INSTRUCTORS, "leads.userslead", 403),
    (INSTRUCTORS, "leads.contactmessage", 403),
    (INSTRUCTORS, "crm.task", 403),
    (MANAGERS, "leads.userslead", 200),
    (MANAGERS, "crm.contact", 200),
    (MANAGERS, "crm.organizationmembership", 200),
    (MANAGERS, "lms.lessonprogress", 200),
]


@pytest.mark.parametrize(("group", "model", "status"), PAGES)
def test_changelist_access_per_group(client, staff, records, group, model, status):
    client.force_login(staff(group))

    assert client.get(admin_url(model)).status_code == status


@pytest.mark.parametrize(
    ("group", "app_label", "status"),
    [
        (INSTRUCTORS, "leads", 404),
        (INSTRUCTORS, "lms", 200),
        (SUPPORT, "lms", 404),
        (SALES, "lms", 404),
        (SALES, "crm", 200),
        (MANAGERS, "leads", 200),
    ],
)
def test_app_pages_exist_only_for_apps_the_group_may_see(client, staff, group, app_label, status):
    client.force_login(staff(group))

    assert client.get(reverse("admin:app_list", args=[app_label])).status_code == status


def test_instructors_do_not_see_leads_on_the_admin_index(client, staff):
    client.force_login(staff(INSTRUCTORS))

    page = client.get(reverse("admin:index")).content.decode()

    assert admin_url("lms.course") in page
    assert admin_url("leads.userslead") not in page
    assert admin_url("crm.task") not in page


def test_support_opens_a_contact_read_only_and_cannot_save_it(client, staff, records):
    contact = records["contact"]
    client.force_login(staff(SUPPORT))
    url = admin_url("crm.contact", "change", contact.pk)

    page = client.get(url)
    attempt = client.post(
        url, {"name": "Changed by support", "organization": contact.organization_id}
    )

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert attempt.status_code == 403
    contact.refresh_from_db()
    assert contact.name != "Changed by support"
    assert client.get(admin_url("crm.contact", "add")).status_code == 403


def test_sales_change_a_contact_but_cannot_delete_one(client, staff, records):
    contact = records["contact"]
    client.force_login(staff(SALES))

    change_page = client.get(admin_url("crm.contact", "change", contact.pk)).content.decode()
    delete_page = client.get(admin_url("crm.contact", "delete", contact.pk))
    delete_post = client.post(admin_url("crm.contact", "delete", contact.pk), {"post": "yes"})
    bulk = client.post(
        admin_url("crm.contact"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [contact.pk], "post": "yes"},
    )

    assert 'name="_save"' in change_page
    assert "deletelink" not in change_page
    assert delete_page.status_code == 403
    assert delete_post.status_code == 403
    assert bulk.status_code in (200, 302)
    assert Contact.objects.filter(pk=contact.pk).exists()
    changelist = client.get(admin_url("crm.contact")).content.decode()
    assert 'value="delete_selected"' not in changelist


def test_managers_can_delete_contacts(client, staff, records):
    contact = records["contact"]
    client.force_login(staff(MANAGERS))

    changelist = client.get(admin_url("crm.contact")).content.decode()
    response = client.post(admin_url("crm.contact", "delete", contact.pk), {"post": "yes"})

    assert 'value="delete_selected"' in changelist
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_support_marks_a_contact_message_responded(client, staff, records):
    message = records["message"]
    client.force_login(staff(SUPPORT))

    changelist = client.get(admin_url("leads.contactmessage")).content.decode()
    response = client.post(
        admin_url("leads.contactmessage"),
        {"action": "mark_responded", ACTION_CHECKBOX_NAME: [message.pk]},
    )

    assert 'value="mark_responded"' in changelist
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.responded is True


def test_instructors_cannot_mark_contact_messages_responded(client, staff, records):
    message = records["message"]
    client.force_login(staff(INSTRUCTORS))

    response = client.post(
        admin_url("leads.contactmessage"),
        {"action": "mark_responded", ACTION_CHECKBOX_NAME: [message.pk]},
    )

    assert response.status_code == 403
    assert ContactMessage.objects.get(pk=message.pk).responded is False


# -- the migration ----------------------------------------------------------------------------

GROUPS_MIGRATION = ("core", "0002_create_staff_groups")


def _group_permissions(apps) -> dict[str, set[str]]:
    Group = apps.get_model("auth", "Group")
    return {
        group.name: {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        for group in Group.objects.all()
    }


def test_migration_creates_the_groups_and_its_reverse_removes_them(migrator):
    before = migrator.apply_initial_migration([("core", None)])
    assert _group_permissions(before.apps) == {}

    after = migrator.apply_tested_migration([GROUPS_MIGRATION])
    created = _group_permissions(after.apps)
    back = migrator.apply_tested_migration([("core", None)])

    # Privacy's rows come with privacy's own migrations (its tables do not exist yet here).
    three_apps = permissions_in(("leads", "crm", "lms"))
    assert created == {name: set(perms) for name, perms in three_apps.items()}
    assert _group_permissions(back.apps) == {}


def test_privacy_migrations_give_managers_the_table_privacy_rows(migrator):
    migrator.apply_initial_migration([("privacy", "0003_create_erasure_request")])

    after = migrator.apply_tested_migration(
        [("privacy", "0005_grant_privacy_log_view_to_managers")]
    )
    granted = _group_permissions(after.apps)

    assert {p for p in granted[MANAGERS] if p.startswith("privacy.")} == MANAGERS_PRIVACY
    assert permissions_in(("privacy",))[MANAGERS] == MANAGERS_PRIVACY
    assert not any(p.startswith("privacy.") for p in granted.get(SALES, ()))


def test_migration_creates_missing_permissions_on_a_fresh_database(migrator):
    # On a fresh database post_migrate has not created any permission yet.
    state = migrator.apply_initial_migration([("core", None)])
    state.apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label__in=["leads", "crm", "lms"]
    ).delete()

    after = migrator.apply_tested_migration([GROUPS_MIGRATION])

    assert _group_permissions(after.apps)[SUPPORT] == EXPECTED[SUPPORT]
    assert "crm.import_contact" in _group_permissions(after.apps)[MANAGERS]


# -- buttons and actions after the admin engineers' work -----------------------------------------


@pytest.mark.parametrize(
    ("group", "url_name", "status"),
    [
        (MANAGERS, "admin:crm_contact_export", 200),
        (SALES, "admin:crm_contact_export", 403),
        (MANAGERS, "admin:crm_contact_import", 200),
        (SALES, "admin:crm_contact_import", 403),
        (MANAGERS, "admin:leads_userslead_export", 200),
        (SALES, "admin:leads_userslead_export", 403),
        (SUPPORT, "admin:leads_userslead_export", 403),
    ],
)
def test_import_and_export_pages_per_group(client, staff, group, url_name, status):
    client.force_login(staff(group))

    assert client.get(reverse(url_name)).status_code == status


@pytest.mark.parametrize(("group", "shown"), [(MANAGERS, True), (SALES, False)])
def test_export_buttons_show_only_to_those_who_may_export(client, staff, records, group, shown):
    client.force_login(staff(group))

    contacts = client.get(admin_url("crm.contact")).content.decode()
    leads = client.get(admin_url("leads.userslead")).content.decode()

    assert (reverse("admin:crm_contact_export") in contacts) is shown
    assert (reverse("admin:crm_contact_import") in contacts) is shown
    assert (reverse("admin:leads_userslead_export") in leads) is shown


def test_sales_are_not_offered_mark_responded_and_cannot_run_it(client, staff, records):
    message = records["message"]
    client.force_login(staff(SALES))

    changelist = client.get(admin_url("leads.contactmessage")).content.decode()
    client.post(
        admin_url("leads.contactmessage"),
        {"action": "mark_responded", ACTION_CHECKBOX_NAME: [message.pk]},
    )

    assert 'value="mark_responded"' not in changelist
    assert ContactMessage.objects.get(pk=message.pk).responded is False
