"""Lead scoping, written once (``UsersLead.objects.for_user``) and used by the admin, the
dashboard and the API: a member of organization A never reaches a lead converted into B."""

import csv
import io
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.roles import MANAGERS, SALES, SUPPORT
from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    LeadEventType,
    PageSession,
    UsersLead,
)
from leads.resources import LeadResource
from tests.crm.factories import (
    ContactFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
)
from tests.leads.factories import (
    ChoicesResponseFactory,
    ContactMessageFactory,
    EarlyAccessRequestFactory,
    LeadEventFactory,
    PageSessionFactory,
    UsersLeadFactory,
)

pytestmark = pytest.mark.django_db

CHILD_MODELS = [LeadEvent, ChoicesResponse, EarlyAccessRequest, ContactMessage, PageSession]


@pytest.fixture(autouse=True)
def groups(db):
    call_command("sync_staff_groups", stdout=StringIO())


def _converted(lead, organization, name):
    contact = ContactFactory(organization=organization, name=name, email=lead.email)
    UsersLead.objects.filter(pk=lead.pk).update(
        converted_contact=contact, converted_at=timezone.now()
    )
    lead.refresh_from_db()
    return lead


@pytest.fixture
def world():
    """Three leads: one not converted, one converted into A, one into B; each with one row of
    every child table."""
    a, b = OrganizationFactory(name="Agency A"), OrganizationFactory(name="Agency B")
    leads = {
        "open": UsersLeadFactory(email="open@example.com", name="Open"),
        "a": _converted(UsersLeadFactory(email="ana@example.com", name="Ana"), a, "Ana of A"),
        "b": _converted(UsersLeadFactory(email="bob@example.com", name="Bob"), b, "Bob of B"),
    }
    children = {}
    for key, lead in leads.items():
        children[key] = {
            LeadEvent: LeadEventFactory(lead=lead),
            ChoicesResponse: ChoicesResponseFactory(lead=lead),
            EarlyAccessRequest: EarlyAccessRequestFactory(lead=lead),
            ContactMessage: ContactMessageFactory(lead=lead, subject=f"Subject {key}"),
            PageSession: PageSessionFactory(lead=lead),
        }
    return {"a": a, "b": b, "leads": leads, "children": children}


def _member(organization, *group_names):
    user = StaffUserFactory()
    user.groups.set(Group.objects.filter(name__in=group_names))
    OrganizationMembershipFactory(user=user, organization=organization)
    return user


@pytest.fixture
def sales_of_a(world):
    return _member(world["a"], SALES)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- The rule --------------------------------------------------------------------------------


def test_for_user_is_unconverted_leads_and_conversions_into_own_organizations(world):
    leads = world["leads"]
    member = _member(world["a"], SALES)
    platform = StaffUserFactory()
    superuser = StaffUserFactory(is_superuser=True)
    inactive = _member(world["a"], SALES)
    inactive.is_active = False

    assert set(UsersLead.objects.for_user(member)) == {leads["open"], leads["a"]}
    assert set(UsersLead.objects.for_user(platform)) == set(leads.values())
    assert set(UsersLead.objects.for_user(superuser)) == set(leads.values())
    assert not UsersLead.objects.for_user(inactive).exists()
    assert not UsersLead.objects.for_user(AnonymousUser()).exists()


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_child_tables_follow_their_leads(world, model):
    children = world["children"]
    member = _member(world["a"], SALES)
    platform = StaffUserFactory()
    # A row with no lead (an anonymous visit, a legacy answer) belongs to no organization.
    orphan = (
        PageSessionFactory(lead=None)
        if model is PageSession
        else LeadEventFactory(lead=None)
        if model is LeadEvent
        else ChoicesResponseFactory(lead=None)
        if model is ChoicesResponse
        else None
    )

    visible = set(model.objects.for_user(member))

    assert visible == {children["open"][model], children["a"][model]}
    everything = {children[key][model] for key in children} | ({orphan} if orphan else set())
    assert set(model.objects.for_user(platform)) == everything


# --- Admin -----------------------------------------------------------------------------------


def test_member_lists_and_searches_only_leads_it_may_see(client, world, sales_of_a):
    leads = world["leads"]
    client.force_login(sales_of_a)

    listed = client.get(_url(UsersLead, "changelist"))
    searched = client.get(_url(UsersLead, "changelist"), {"q": "bob"})
    converted = client.get(_url(UsersLead, "changelist"), {"converted": "yes"})

    assert set(listed.context["cl"].result_list) == {leads["open"], leads["a"]}
    assert list(searched.context["cl"].result_list) == []
    assert list(converted.context["cl"].result_list) == [leads["a"]]


def test_member_cannot_open_history_or_delete_a_lead_converted_into_another_organization(
    client, world
):
    foreign = world["leads"]["b"]
    manager_of_a = _member(world["a"], MANAGERS)
    client.force_login(manager_of_a)

    own = client.get(_url(UsersLead, "change", world["leads"]["a"].pk))
    page = client.get(_url(UsersLead, "change", foreign.pk))
    history = client.get(_url(UsersLead, "history", foreign.pk))
    delete_page = client.get(_url(UsersLead, "delete", foreign.pk))
    deleted = client.post(_url(UsersLead, "delete", foreign.pk), {"post": "yes"})

    assert own.status_code == 200
    assert "Ana of A" in own.content.decode()
    for response in (page, history, delete_page, deleted):
        assert response.status_code == 404
        assert "Bob of B" not in response.content.decode()
    assert UsersLead.objects.filter(pk=foreign.pk).exists()


def test_member_cannot_edit_a_lead_converted_into_another_organization(client, world, sales_of_a):
    foreign = world["leads"]["b"]
    client.force_login(sales_of_a)

    response = client.post(
        _url(UsersLead, "change", foreign.pk), {"name": "Hijacked", "phone": "+1 555"}
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert (foreign.name, foreign.phone) != ("Hijacked", "+1 555")
    assert not foreign.events.filter(event_type=LeadEventType.LEAD_EDITED).exists()


def test_member_cannot_convert_a_foreign_lead_by_its_page_or_the_action(client, world, sales_of_a):
    foreign, open_lead = world["leads"]["b"], world["leads"]["open"]
    foreign_contact = foreign.converted_contact
    client.force_login(sales_of_a)

    page = client.get(_url(UsersLead, "convert", foreign.pk))
    posted = client.post(
        _url(UsersLead, "convert", foreign.pk),
        {"organization": world["a"].pk, "contact_type": "INDIVIDUAL"},
    )
    action = client.post(
        _url(UsersLead, "changelist"),
        {
            "action": "convert_to_contact",
            "_selected_action": [foreign.pk, open_lead.pk],
            "apply": "1",
            "organization": world["a"].pk,
            "contact_type": "INDIVIDUAL",
        },
    )

    assert page.status_code == 404
    assert posted.status_code == 404
    assert action.status_code == 302
    foreign.refresh_from_db()
    assert foreign.converted_contact == foreign_contact
    assert not foreign.events.exclude(pk=world["children"]["b"][LeadEvent].pk).exists()
    # The lead it may see was converted; the foreign one was not even selected.
    open_lead.refresh_from_db()
    assert open_lead.converted_contact.organization == world["a"]


def test_member_exports_only_the_leads_it_may_see(client, world):
    manager_of_a = _member(world["a"], MANAGERS)
    client.force_login(manager_of_a)
    fields = {f"leadresource_{name}": "on" for name in LeadResource._meta.fields}

    response = client.post(_url(UsersLead, "export"), {"format": "0", "resource": "0", **fields})

    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    emails = {row["Email"] for row in csv.DictReader(io.StringIO(text))}
    assert emails == {"open@example.com", "ana@example.com"}


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_member_lists_and_opens_only_the_child_rows_of_its_leads(client, world, sales_of_a, model):
    children = world["children"]
    client.force_login(sales_of_a)

    listed = client.get(_url(model, "changelist"))
    own = client.get(_url(model, "change", children["a"][model].pk))
    foreign = client.get(_url(model, "change", children["b"][model].pk))
    searched = client.get(_url(model, "changelist"), {"q": "bob@example.com"})

    assert set(listed.context["cl"].result_list) == {children["open"][model], children["a"][model]}
    assert own.status_code == 200
    assert foreign.status_code == 404
    assert list(searched.context["cl"].result_list) == []


def test_support_of_a_cannot_mark_another_organizations_messages_responded(client, world):
    support = _member(world["a"], SUPPORT)
    foreign = world["children"]["b"][ContactMessage]
    own = world["children"]["a"][ContactMessage]
    client.force_login(support)

    button = client.post(_url(ContactMessage, "responded", foreign.pk), {"responded": "1"})
    action = client.post(
        _url(ContactMessage, "changelist"),
        {"action": "mark_responded", "_selected_action": [foreign.pk, own.pk]},
    )

    assert button.status_code == 404
    assert action.status_code == 302
    foreign.refresh_from_db()
    own.refresh_from_db()
    assert not foreign.responded
    assert own.responded
    assert (
        not world["leads"]["b"]
        .events.filter(event_type=LeadEventType.CONTACT_MESSAGE_RESPONDED)
        .exists()
    )


# --- API -------------------------------------------------------------------------------------


def test_api_uses_the_same_rule(client, world, sales_of_a):
    leads, children = world["leads"], world["children"]
    client.force_login(sales_of_a)

    listed = client.get("/api/leads/")
    foreign = client.get(f"/api/leads/{leads['b'].pk}/")
    events = client.get("/api/leads/events/")

    assert {row["id"] for row in listed.json()["results"]} == {
        str(leads["open"].pk),
        str(leads["a"].pk),
    }
    assert foreign.status_code == 404
    assert {row["id"] for row in events.json()["results"]} == {
        str(children["open"][LeadEvent].pk),
        str(children["a"][LeadEvent].pk),
    }
