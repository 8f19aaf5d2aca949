"""One assignee rule (crm.services.tasks.task_check_assignee, crm.selectors.task_assignees):
active staff who may work for the task's organization, in the admin, the quick-add and the API."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm import selectors, services
from crm.models import Task
from crm.services.tasks import ASSIGNEE_ERROR
from tests.api_support import all_permissions, bearer_client, grant
from tests.crm.factories import (
    ContactFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


class People:
    """Everyone who might be offered a task of agency A."""

    def __init__(self):
        self.org_a = OrganizationFactory(name="Agency A")
        self.org_b = OrganizationFactory(name="Agency B")
        perms = all_permissions()
        self.member_a = grant(
            OrganizationMembershipFactory(organization=self.org_a, user__username="a-sales").user,
            *perms,
        )
        self.other_a = OrganizationMembershipFactory(
            organization=self.org_a, user__username="a-other"
        ).user
        self.member_b = OrganizationMembershipFactory(
            organization=self.org_b, user__username="b-sales"
        ).user
        self.platform = grant(StaffUserFactory(username="platform"), *perms)
        self.superuser = StaffUserFactory(username="root", is_superuser=True)
        self.superuser_not_staff = StaffUserFactory(
            username="root-not-staff", is_superuser=True, is_staff=False
        )
        self.inactive_a = OrganizationMembershipFactory(
            organization=self.org_a, user__username="a-gone", user__is_active=False
        ).user
        self.customer = StaffUserFactory(username="customer", is_staff=False)
        self.contact = ContactFactory(organization=self.org_a, name="Asha")

    @property
    def eligible(self):
        return {self.member_a, self.other_a, self.platform, self.superuser}

    @property
    def refused(self):
        return [self.member_b, self.inactive_a, self.customer, self.superuser_not_staff]


@pytest.fixture
def people():
    return People()


def _names(users) -> list[str]:
    return sorted(user.username for user in users)


def test_the_selector_is_exactly_the_eligible_set(people):
    assert _names(selectors.task_assignees_for(organization_id=people.org_a.pk)) == _names(
        people.eligible
    )
    # Any organization: every active staff member.
    assert _names(selectors.task_assignees(organization_ids=None)) == _names(
        people.eligible | {people.member_b}
    )


def test_services_refuse_every_ineligible_assignee_with_one_message(people):
    task = TaskFactory(contact=people.contact)

    for user in people.refused:
        with pytest.raises(ValidationError) as create_error:
            services.task_create(contact=people.contact, title="Call", assignee=user)
        with pytest.raises(ValidationError) as assign_error:
            services.task_assign(task=task, assignee=user)
        assert create_error.value.message_dict == {"assignee": [ASSIGNEE_ERROR]}
        assert assign_error.value.message_dict == {"assignee": [ASSIGNEE_ERROR]}

    assert Task.objects.count() == 1
    task.refresh_from_db()
    assert task.assignee is None
    for user in people.eligible:
        assert services.task_assign(task=task, assignee=user).assignee == user


# --- Admin -----------------------------------------------------------------------------------


def _picker_ids(field) -> set:
    return {int(value.value) for value, _ in field.choices if value}


def test_admin_change_page_offers_exactly_the_eligible_people(client, people):
    task = TaskFactory(contact=people.contact)
    client.force_login(people.member_a)

    response = client.get(reverse("admin:crm_task_change", args=[task.pk]))

    field = response.context["adminform"].form.fields["assignee"]
    assert _picker_ids(field) == {user.pk for user in people.eligible}
    html = response.content.decode()
    for user in people.refused:
        assert f'value="{user.pk}"' not in html


def test_admin_add_page_defaults_to_the_signed_in_member(client, people):
    client.force_login(people.member_a)

    response = client.get(reverse("admin:crm_task_add"))

    form = response.context["adminform"].form
    assert _picker_ids(form.fields["assignee"]) == {user.pk for user in people.eligible}
    assert form.initial["assignee"] == people.member_a.pk


def _task_form(task, assignee) -> dict:
    return {
        "contact": task.contact_id,
        "title": task.title,
        "description": "",
        "priority": task.priority,
        "assignee": assignee.pk if assignee else "",
        "_save": "Save",
    }


def test_admin_refuses_ineligible_assignees_and_writes_nothing(client, people):
    task = TaskFactory(contact=people.contact, title="Call")
    client.force_login(people.member_a)

    for user in people.refused:
        changed = client.post(
            reverse("admin:crm_task_change", args=[task.pk]), _task_form(task, user)
        )
        added = client.post(reverse("admin:crm_task_add"), _task_form(task, user))
        assert changed.status_code == 200
        assert added.status_code == 200
        for response in (changed, added):
            errors = response.context["adminform"].form.errors
            assert "assignee" in errors

    task.refresh_from_db()
    assert task.assignee is None
    assert Task.objects.count() == 1


def test_admin_refuses_a_platform_pick_that_does_not_work_for_the_contacts_organization(
    client, people
):
    # A platform admin sees every active staff member on the add page, but the contact picked
    # decides: B's staff cannot take A's task.
    client.force_login(people.platform)
    task = TaskFactory(contact=people.contact, title="Call")

    response = client.post(reverse("admin:crm_task_add"), _task_form(task, people.member_b))

    assert response.context["adminform"].form.errors["assignee"] == [ASSIGNEE_ERROR]
    assert Task.objects.count() == 1
    saved = client.post(reverse("admin:crm_task_add"), _task_form(task, people.other_a))
    assert saved.status_code == 302
    assert Task.objects.filter(assignee=people.other_a).count() == 1


def test_quick_add_offers_exactly_the_eligible_people_and_defaults_to_me(client, people):
    client.force_login(people.member_a)
    url = reverse("admin:crm_contact_add_task", args=[people.contact.pk])

    page = client.get(url)
    form = page.context["form"]
    contact_page = client.get(reverse("admin:crm_contact_change", args=[people.contact.pk]))
    inline_form = contact_page.context["contact_page"]["task_form"]

    assert _picker_ids(form.fields["assignee"]) == {user.pk for user in people.eligible}
    assert form.initial["assignee"] == people.member_a.pk
    assert _picker_ids(inline_form.fields["assignee"]) == {user.pk for user in people.eligible}


def test_quick_add_refuses_ineligible_assignees_and_writes_nothing(client, people):
    client.force_login(people.member_a)
    url = reverse("admin:crm_contact_add_task", args=[people.contact.pk])

    for user in people.refused:
        response = client.post(url, {"title": "Call", "priority": "HIGH", "assignee": user.pk})
        assert response.status_code == 400
        assert "assignee" in response.context["form"].errors

    assert not Task.objects.exists()


# --- API -------------------------------------------------------------------------------------


def test_api_answers_unknown_and_foreign_ids_alike_and_writes_nothing(people):
    api = bearer_client(people.member_a)
    task = TaskFactory(contact=people.contact)
    unknown = get_user_model().objects.order_by("-pk").first().pk + 1000
    answers = []

    for user_id in [unknown, *(user.pk for user in people.refused)]:
        created = api.post(
            "/api/crm/tasks/",
            {"contact": str(people.contact.pk), "title": "X", "assignee": user_id},
            format="json",
        )
        assigned = api.post(
            f"/api/crm/tasks/{task.pk}/assign/", {"assignee": user_id}, format="json"
        )
        assert created.status_code == assigned.status_code == 400
        answers += [created.json(), assigned.json()]

    assert all(answer == {"assignee": [ASSIGNEE_ERROR]} for answer in answers), answers
    assert Task.objects.count() == 1
    task.refresh_from_db()
    assert task.assignee is None
    ok = api.post(
        f"/api/crm/tasks/{task.pk}/assign/", {"assignee": people.superuser.pk}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["assignee"] == people.superuser.pk
