"""Search that finds people (issue 19): any part of an email, a phone by its digits in any
spacing or with +91, in the admin's lead and contact lists and on one workspace search page,
scoped, at a fixed number of queries."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.search import phone_digits, phone_search_q
from leads.models import ContactMessage
from tests.api_support import grant
from tests.crm.factories import (
    ContactFactory,
    ContactNoteFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
)
from tests.leads.factories import ContactMessageFactory, UsersLeadFactory
from workspace.global_search import GROUP_LIMIT

pytestmark = pytest.mark.django_db

FRAGMENTS = ["example.com", "iyer.m@", "98765", "+91 98765 43210", "98765 43210", "9876543210"]


def test_phone_terms_and_their_digits():
    assert phone_digits("+91 (98765) 43-210") == "919876543210"
    assert phone_search_q("d", "meera") is None
    assert phone_search_q("d", "98") is None  # too short to mean a phone
    assert "9876543210" in str(phone_search_q("d", "+91 98765 43210"))


def changelist_hits(client, url, term) -> set:
    response = client.get(url, {"q": term})
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


@pytest.mark.parametrize("stored", ["+91 98765 43210", "9876543210", "098765-43210"])
def test_admin_lead_search_finds_any_fragment_of_email_or_phone(admin_client, stored):
    meera = UsersLeadFactory(email="iyer.m@example.com", name="Meera Iyer", phone=stored)
    UsersLeadFactory(email="other@elsewhere.org", name="Ravi", phone="+1 415 555 0100")
    url = reverse("admin:leads_userslead_changelist")
    for term in FRAGMENTS:
        assert changelist_hits(admin_client, url, term) == {meera.pk}, term


@pytest.mark.parametrize("stored", ["+91 98765 43210", "9876543210"])
def test_admin_contact_search_finds_any_fragment_of_email_or_phone(admin_client, stored):
    meera = ContactFactory(email="iyer.m@example.com", name="Meera Iyer", phone=stored)
    ContactFactory(email="other@elsewhere.org", name="Ravi", phone="+1 415 555 0100")
    url = reverse("admin:crm_contact_changelist")
    for term in FRAGMENTS:
        assert changelist_hits(admin_client, url, term) == {meera.pk}, term


ACCENTED = ["José Müller", "Zoë Ångström", "Çağla Öztürk"]


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("José Müller", "jose muller"), ("Zoë Ångström", "ZOE ANG"), ("Çağla Öztürk", "cagla")],
)
def test_names_match_whatever_their_case_and_accents(admin_client, stored, typed):
    # Issue 19 item 2: in the admin's lead and contact lists, the search page and the APIs.
    lead = UsersLeadFactory(email="someone@example.com", name=stored)
    contact = ContactFactory(email="someone@example.com", name=stored)
    UsersLeadFactory(email="other@example.com", name="Ravi Kumar")
    ContactFactory(email="other@example.com", name="Ravi Kumar")

    leads_url = reverse("admin:leads_userslead_changelist")
    contacts_url = reverse("admin:crm_contact_changelist")
    assert changelist_hits(admin_client, leads_url, typed) == {lead.pk}
    assert changelist_hits(admin_client, contacts_url, typed) == {contact.pk}
    assert changelist_hits(admin_client, contacts_url, stored.upper()) == {contact.pk}
    found = results(admin_client, typed)
    assert stored in found["Leads"] and stored in found["Contacts"]
    api_leads = admin_client.get("/api/leads/", {"q": typed}).json()
    api_contacts = admin_client.get("/api/crm/contacts/", {"q": typed}).json()
    assert [row["name"] for row in api_leads["results"]] == [stored]
    assert [row["name"] for row in api_contacts["results"]] == [stored]


def test_folding_in_python_matches_what_the_database_does():
    from django.db.models import Value

    from core.search import Fold, fold_text
    from crm.models import Contact

    ContactFactory(name="x")
    for name in ACCENTED:
        folded = Contact.objects.annotate(f=Fold(Value(name))).values_list("f", flat=True)[0]
        assert folded == fold_text(name), name


def results(client, term):
    response = client.get(reverse("admin:search"), {"q": term})
    assert response.status_code == 200
    return {group.label: [hit.title for hit in group.hits] for group in response.context["groups"]}


def test_search_page_groups_leads_contacts_messages_and_notes(admin_client):
    lead = UsersLeadFactory(email="iyer.m@example.com", name="Meera Iyer", phone="9876543210")
    ContactMessageFactory(lead=lead, subject="Flat in Whitefield")
    contact = ContactFactory(name="Meera Iyer", email="meera@clinic.in", phone="+91 98765 43210")
    ContactNoteFactory(contact=contact, content="Meera wants a call on Monday")

    assert results(admin_client, "meera") == {
        "Leads": ["Meera Iyer"],
        "Contacts": ["Meera Iyer"],
        "Contact messages": ["Flat in Whitefield"],
        "Notes": ["Meera wants a call on Monday"],
    }
    assert results(admin_client, "98765 43210")["Contacts"] == ["Meera Iyer"]
    assert results(admin_client, "98765 43210")["Leads"] == ["Meera Iyer"]
    assert results(admin_client, "m") == {}  # too short: nothing searched


def test_search_page_is_scoped_and_follows_permissions(client):
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    ContactFactory(organization=org_a, name="Meera A")
    ContactFactory(organization=org_b, name="Meera B")
    ContactNoteFactory(contact=ContactFactory(organization=org_b), content="Meera B's note")
    member = OrganizationMembershipFactory(organization=org_a).user
    member = grant(member, "crm.view_contact", "crm.view_contactnote")
    client.force_login(member)

    found = results(client, "meera")

    assert found == {"Contacts": ["Meera A"], "Notes": []}  # no lead permission: no leads


def test_search_page_header_box_is_on_every_admin_page(admin_client):
    page = admin_client.get(reverse("admin:crm_contact_changelist")).content.decode()
    assert f'action="{reverse("admin:search")}"' in page


def test_search_page_costs_the_same_queries_at_any_size(admin_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            results(admin_client, "meera")
        return len(captured)

    for index in range(3):
        ContactNoteFactory(contact=ContactFactory(name=f"Meera {index}"), content="Meera")
        UsersLeadFactory(name=f"Meera {index}")
    small = queries()
    for index in range(30):
        lead = UsersLeadFactory(name=f"Meera x{index}")
        ContactMessageFactory(lead=lead, subject=f"Meera {index}")
        ContactNoteFactory(contact=ContactFactory(name=f"Meera x{index}"), content="Meera")
    assert queries() == small


def test_sales_search_sees_leads_and_their_messages():
    from django.test import Client

    sales = OrganizationMembershipFactory().user
    sales.groups.add(Group.objects.get(name="Sales"))
    UsersLeadFactory(name="Meera Lead")
    client = Client()
    client.force_login(sales)
    assert results(client, "meera")["Leads"] == ["Meera Lead"]


def test_messages_group_merges_own_text_and_lead_matches_newest_first(admin_client):
    # The group is two queries (the message's own text; the messages of matching leads): a
    # message found by both shows once, the merged list is newest first and capped.
    meera = UsersLeadFactory(email="iyer.m@example.com", name="Meera Iyer")
    other = UsersLeadFactory(email="sam@example.com", name="Sam")
    both = ContactMessageFactory(lead=meera, subject="Meera again", message="Call back")
    by_text = ContactMessageFactory(lead=other, subject="About Meera", message="Referral")
    by_lead = ContactMessageFactory(lead=meera, subject="Flat in Whitefield", message="Visit?")
    ContactMessageFactory(lead=other, subject="Unrelated", message="Nothing here")
    now = timezone.now()
    for age, message in enumerate([by_lead, both, by_text]):
        ContactMessage.objects.filter(pk=message.pk).update(created_at=now - timedelta(hours=age))

    assert results(admin_client, "meera")["Contact messages"] == [
        "Flat in Whitefield",
        "Meera again",
        "About Meera",
    ]

    for index in range(GROUP_LIMIT):
        ContactMessageFactory(lead=other, subject=f"Meera {index}", message="")
    assert len(results(admin_client, "meera")["Contact messages"]) == GROUP_LIMIT
