"""Lead status and owner: services and their events, the admin's filters and bulk actions,
the API's PATCH and filters, conversion, round-robin and auto-assignment."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from leads.models import LeadEvent, LeadEventType, LeadStatus, UsersLead
from leads.pipeline import (
    lead_assign_owner,
    lead_owner_candidates,
    lead_set_status,
    leads_assign_round_robin,
    leads_set_status,
)
from leads.services import lead_capture, lead_convert_to_contact
from tests.api_support import bearer_client, grant
from tests.crm.factories import ContactFactory, OrganizationFactory, StaffUserFactory
from tests.leads.factories import UsersLeadFactory

pytestmark = pytest.mark.django_db


def sales(username: str, **kwargs):
    user = StaffUserFactory(username=username, **kwargs)
    user.groups.add(Group.objects.get(name="Sales"))
    return type(user).objects.get(pk=user.pk)


def support(username: str):
    user = StaffUserFactory(username=username)
    user.groups.add(Group.objects.get(name="Support"))
    return type(user).objects.get(pk=user.pk)


def edits(lead) -> list[dict]:
    return list(
        LeadEvent.objects.filter(lead=lead, event_type=LeadEventType.LEAD_EDITED)
        .order_by("created_at")
        .values_list("metadata", flat=True)
    )


def converted_lead() -> UsersLead:
    return UsersLeadFactory(
        converted_contact=ContactFactory(),
        converted_at=timezone.now(),
        status=LeadStatus.CONVERTED,
    )


# Services


def test_a_new_lead_is_new_and_unowned():
    lead = lead_capture(email="Asha@Example.com")
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (LeadStatus.NEW, None)


def test_setting_a_status_leaves_one_event_naming_who():
    lead = UsersLeadFactory()

    lead_set_status(lead=lead, status=LeadStatus.CONTACTED, by="priya")
    lead_set_status(lead=lead, status=LeadStatus.CONTACTED, by="priya")  # no change

    assert UsersLead.objects.get(pk=lead.pk).status == LeadStatus.CONTACTED
    assert edits(lead) == [{"changes": {"status": ["NEW", "CONTACTED"]}, "by": "priya"}]


def test_converted_is_set_only_by_conversion_and_stays():
    lead = UsersLeadFactory()
    with pytest.raises(ValidationError) as error:
        lead_set_status(lead=lead, status=LeadStatus.CONVERTED, by="priya")
    assert "status" in error.value.message_dict

    lead_convert_to_contact(lead=lead, organization=OrganizationFactory(), by="priya")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    with pytest.raises(ValidationError):
        lead_set_status(lead=lead, status=LeadStatus.NEW, by="priya")
    assert UsersLead.objects.get(pk=lead.pk).status == LeadStatus.CONVERTED
    assert edits(lead) == []


def test_bulk_status_skips_converted_leads_and_counts_what_changed():
    open_leads = UsersLeadFactory.create_batch(3)
    done = converted_lead()

    count = leads_set_status(leads=UsersLead.objects.all(), status=LeadStatus.QUALIFIED, by="priya")

    assert count == 3
    assert set(UsersLead.objects.values_list("status", flat=True)) == {
        LeadStatus.QUALIFIED,
        LeadStatus.CONVERTED,
    }
    assert all(len(edits(lead)) == 1 for lead in open_leads)
    assert edits(done) == []


def test_only_active_staff_who_work_on_leads_may_own_one():
    priya = sales("priya")
    outsiders = [
        sales("gone", is_active=False),
        support("sam"),  # may view leads, not change them
        StaffUserFactory(username="nobody"),  # staff without permissions
    ]
    customer = StaffUserFactory(username="customer", is_staff=False)
    assert list(lead_owner_candidates()) == [priya]

    lead = UsersLeadFactory()
    for user in [*outsiders, customer]:
        with pytest.raises(ValidationError) as error:
            lead_assign_owner(lead=lead, owner=user, by="manager")
        assert "owner" in error.value.message_dict
    assert UsersLead.objects.get(pk=lead.pk).owner is None
    assert edits(lead) == []

    lead_assign_owner(lead=lead, owner=priya, by="manager")
    lead_assign_owner(lead=lead, owner=None, by="manager")
    assert edits(lead) == [
        {"changes": {"owner": [None, "priya"]}, "by": "manager"},
        {"changes": {"owner": ["priya", None]}, "by": "manager"},
    ]


def test_round_robin_shares_unowned_leads_evenly_and_keeps_owned_ones():
    priya, ravi = sales("priya"), sales("ravi")
    kept = UsersLeadFactory(owner=ravi)
    UsersLeadFactory.create_batch(5)

    given = leads_assign_round_robin(leads=UsersLead.objects.all(), by="manager")

    # priya had no open lead, ravi had one: priya starts, and ends one ahead.
    assert {user.username: count for user, count in given.items()} == {"priya": 3, "ravi": 2}
    assert UsersLead.objects.get(pk=kept.pk).owner == ravi
    assert UsersLead.objects.filter(owner=priya).count() == 3
    assert UsersLead.objects.filter(owner=ravi).count() == 3
    assert not UsersLead.objects.filter(owner__isnull=True).exists()


def test_round_robin_without_sales_is_refused_and_writes_nothing():
    UsersLeadFactory.create_batch(2)
    with pytest.raises(ValidationError):
        leads_assign_round_robin(leads=UsersLead.objects.all(), by="manager")
    assert not UsersLead.objects.filter(owner__isnull=False).exists()
    assert not LeadEvent.objects.filter(event_type=LeadEventType.LEAD_EDITED).exists()


@override_settings(LEAD_AUTO_ASSIGN=True)
def test_auto_assign_gives_new_leads_to_sales_in_turn():
    sales("priya"), sales("ravi")
    first = lead_capture(email="a@example.com")
    second = lead_capture(email="b@example.com")
    again = lead_capture(email="a@example.com")  # returning

    owners = {
        lead.email: lead.owner.username
        for lead in UsersLead.objects.select_related("owner").filter(pk__in=[first.pk, second.pk])
    }
    assert sorted(owners.values()) == ["priya", "ravi"]
    assert again.pk == first.pk
    assert len(edits(first)) == 1


def test_auto_assign_is_off_by_default():
    sales("priya")
    lead = lead_capture(email="a@example.com")
    assert UsersLead.objects.get(pk=lead.pk).owner is None


# Admin


@pytest.fixture
def priya_client(client):
    priya = sales("priya")
    client.force_login(priya)
    client.user = priya
    return client


def changelist(client, **params):
    response = client.get(reverse("admin:leads_userslead_changelist"), params)
    assert response.status_code == 200
    return {lead.pk for lead in response.context["cl"].result_list}


def test_admin_filters_my_leads_unowned_and_status(priya_client):
    mine = UsersLeadFactory(owner=priya_client.user, status=LeadStatus.CONTACTED)
    theirs = UsersLeadFactory(owner=sales("ravi"))
    unowned = UsersLeadFactory()

    assert changelist(priya_client, owner="me") == {mine.pk}
    assert changelist(priya_client, owner="none") == {unowned.pk}
    assert changelist(priya_client, status="CONTACTED") == {mine.pk}
    assert changelist(priya_client) == {mine.pk, theirs.pk, unowned.pk}


def test_admin_bulk_actions_assign_and_set_status_with_one_message(priya_client):
    leads = UsersLeadFactory.create_batch(3)
    url = reverse("admin:leads_userslead_changelist")
    selected = [str(lead.pk) for lead in leads]

    response = priya_client.post(
        url, {"action": "assign_to_me", "_selected_action": selected}, follow=True
    )
    assert "3 leads assigned to you." in response.content.decode()
    response = priya_client.post(
        url, {"action": "mark_qualified", "_selected_action": selected}, follow=True
    )
    assert "3 leads marked Qualified." in response.content.decode()
    assert set(UsersLead.objects.values_list("owner__username", "status")) == {
        ("priya", LeadStatus.QUALIFIED)
    }


def test_admin_assigns_selected_leads_to_the_chosen_owner(priya_client):
    ravi = sales("ravi", first_name="Ravi", last_name="Menon")
    leads = UsersLeadFactory.create_batch(3)
    untouched = UsersLeadFactory()
    url = reverse("admin:leads_userslead_changelist")
    selected = [str(lead.pk) for lead in leads]

    page = priya_client.get(url).content.decode()
    assert 'name="owner"' in page and ">ravi</option>" in page  # beside the action
    response = priya_client.post(
        url,
        {"action": "assign_to_chosen_owner", "owner": str(ravi.pk), "_selected_action": selected},
        follow=True,
    )

    assert "3 leads assigned to Ravi Menon." in response.content.decode()
    assert set(UsersLead.objects.filter(owner=ravi)) == set(leads)
    untouched.refresh_from_db()
    assert untouched.owner is None
    assert [edits(lead) for lead in leads] == [
        [{"changes": {"owner": [None, "ravi"]}, "by": "priya"}]
    ] * 3


@pytest.mark.parametrize("owner", ["", "not-a-number", "support"])
def test_admin_assign_to_chosen_owner_refuses_no_owner_or_one_who_may_not_own(priya_client, owner):
    # No owner chosen, a bad value, or staff without the change permission: nothing written.
    if owner == "support":
        owner = str(support("sunita").pk)
    lead = UsersLeadFactory()
    response = priya_client.post(
        reverse("admin:leads_userslead_changelist"),
        {"action": "assign_to_chosen_owner", "owner": owner, "_selected_action": [str(lead.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the owner beside the action" in page or "No action selected" in page
    lead.refresh_from_db()
    assert lead.owner is None
    assert not LeadEvent.objects.filter(lead=lead, event_type=LeadEventType.LEAD_EDITED).exists()


def test_admin_round_robin_action_reports_each_share(priya_client):
    sales("ravi")
    leads = UsersLeadFactory.create_batch(4)
    response = priya_client.post(
        reverse("admin:leads_userslead_changelist"),
        {"action": "assign_round_robin", "_selected_action": [str(lead.pk) for lead in leads]},
        follow=True,
    )
    page = response.content.decode()
    assert "2 leads to priya" in page and "2 leads to ravi" in page


def test_admin_change_page_sets_status_and_owner_through_the_services(priya_client):
    lead = UsersLeadFactory(name="Asha", phone="+91 98765 43210")
    ravi = sales("ravi")
    url = reverse("admin:leads_userslead_change", args=[lead.pk])
    form = priya_client.get(url).context["adminform"].form
    assert set(form.fields["work_owner"].queryset) == {priya_client.user, ravi}

    response = priya_client.post(
        url,
        {
            "name": "Asha",
            "phone": "+91 98765 43210",
            "work_status": "QUALIFIED",
            "work_owner": ravi.pk,
        },
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (LeadStatus.QUALIFIED, ravi)
    assert [event["changes"] for event in edits(lead)] == [
        {"status": ["NEW", "QUALIFIED"]},
        {"owner": [None, "ravi"]},
    ]


def test_admin_change_page_refuses_an_owner_outside_the_candidates(priya_client):
    lead = UsersLeadFactory(name="Asha")
    sam = support("sam")
    response = priya_client.post(
        reverse("admin:leads_userslead_change", args=[lead.pk]),
        {"name": "Asha", "phone": "", "work_status": "NEW", "work_owner": sam.pk},
    )
    assert response.status_code == 200
    assert "work_owner" in response.context["adminform"].form.errors
    assert UsersLead.objects.get(pk=lead.pk).owner is None
    assert edits(lead) == []


def test_admin_converted_lead_shows_its_status_without_a_choice(priya_client):
    lead = converted_lead()
    form = (
        priya_client.get(reverse("admin:leads_userslead_change", args=[lead.pk]))
        .context["adminform"]
        .form
    )
    assert form.fields["work_status"].disabled
    assert [value for value, _ in form.fields["work_status"].choices] == ["CONVERTED"]


# API


@pytest.fixture
def api():
    priya = grant(sales("priya"), "leads.view_userslead", "leads.change_userslead")
    client = bearer_client(priya)
    client.user = priya
    return client


def test_api_filters_by_status_and_owner(api):
    mine = UsersLeadFactory(owner=api.user)
    UsersLeadFactory(owner=sales("ravi"))
    unowned = UsersLeadFactory()
    UsersLeadFactory(status=LeadStatus.CONTACTED)

    def ids(query):
        response = api.get(f"/api/leads/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("status=NEW&owner=me") == {str(mine.pk)}
    assert ids("owner=none&status=NEW") == {str(unowned.pk)}
    assert api.get("/api/leads/?owner=somebody").status_code == 400
    assert api.get("/api/leads/?status=MAYBE").status_code == 400


def test_api_patch_sets_status_and_owner(api):
    lead = UsersLeadFactory()
    response = api.patch(
        f"/api/leads/{lead.pk}/", {"status": "CONTACTED", "owner": api.user.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["owner"]) == ("CONTACTED", api.user.pk)
    assert len(edits(lead)) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"status": "CONVERTED"},
        {"status": "MAYBE"},
        {"owner": 999_999},
        {"owner": "x"},
        {"status": "CONTACTED", "owner": 999_999},
    ],
)
def test_api_patch_refuses_bad_values_and_writes_nothing(api, body):
    lead = UsersLeadFactory()
    response = api.patch(f"/api/leads/{lead.pk}/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"status", "owner"}
    assert UsersLead.objects.filter(pk=lead.pk, status="NEW", owner__isnull=True).exists()
    assert edits(lead) == []


def test_api_patch_gives_the_same_answer_for_an_unknown_and_a_foreign_owner(api):
    lead = UsersLeadFactory()
    sam = support("sam")
    unknown = api.patch(f"/api/leads/{lead.pk}/", {"owner": 999_999}, format="json").json()
    foreign = api.patch(f"/api/leads/{lead.pk}/", {"owner": sam.pk}, format="json").json()
    assert unknown == foreign


def test_api_patch_of_a_converted_lead_status_is_refused(api):
    lead = converted_lead()
    response = api.patch(f"/api/leads/{lead.pk}/", {"status": "NEW"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()
    assert UsersLead.objects.get(pk=lead.pk).status == LeadStatus.CONVERTED


def test_api_patch_needs_the_change_permission():
    viewer = grant(StaffUserFactory(), "leads.view_userslead")
    lead = UsersLeadFactory()
    response = bearer_client(viewer).patch(
        f"/api/leads/{lead.pk}/", {"status": "CONTACTED"}, format="json"
    )
    assert response.status_code == 403
    assert UsersLead.objects.get(pk=lead.pk).status == LeadStatus.NEW
