"""Lead -> contact conversion: the service, the page and the action, races on PostgreSQL."""

import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connections
from django.urls import reverse

from crm.models import Contact
from leads import services
from leads.models import LeadEvent, LeadEventType, UsersLead
from leads.services import LeadAlreadyConverted, lead_convert_to_contact
from tests.crm.factories import (
    ContactFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
    unnormalized_emails_allowed,
)
from tests.leads.factories import UsersLeadFactory

THREADS = 8


def converted_events(lead) -> int:
    return LeadEvent.objects.filter(lead=lead, event_type=LeadEventType.LEAD_CONVERTED).count()


@pytest.mark.django_db
def test_conversion_creates_a_contact_with_the_leads_details():
    lead = UsersLeadFactory(email="priya@example.com", name="Priya Nair", phone="+91 99000")
    organization = OrganizationFactory(name="Brightsmile")

    contact = lead_convert_to_contact(lead=lead, organization=organization, by="asha")

    assert (contact.name, contact.email, contact.phone) == (
        "Priya Nair",
        "priya@example.com",
        "+91 99000",
    )
    assert contact.organization == organization
    assert contact.contact_type == Contact.Type.INDIVIDUAL
    lead.refresh_from_db()
    assert lead.converted_contact == contact
    assert lead.converted_at is not None
    event = LeadEvent.objects.get(lead=lead, event_type=LeadEventType.LEAD_CONVERTED)
    assert event.metadata["contact_id"] == str(contact.pk)
    assert event.metadata["organization_name"] == "Brightsmile"
    assert event.metadata["linked_existing_contact"] is False
    assert event.metadata["by"] == "asha"


@pytest.mark.django_db
def test_conversion_takes_the_chosen_type():
    lead = UsersLeadFactory()

    contact = lead_convert_to_contact(
        lead=lead, organization=OrganizationFactory(), contact_type=Contact.Type.PATIENT, by="a"
    )

    assert contact.contact_type == Contact.Type.PATIENT


@pytest.mark.django_db
def test_conversion_links_an_existing_contact_with_that_email_in_any_case():
    organization = OrganizationFactory()
    with unnormalized_emails_allowed():  # as an older contact may still be stored
        existing = Contact.objects.create(
            organization=organization, email="Priya@Example.com", name="P. N."
        )
    ContactFactory(email="priya@example.com")  # another organization: not a match
    lead = UsersLeadFactory(email="priya@example.com", name="Priya Nair")
    before = Contact.objects.count()

    contact = lead_convert_to_contact(lead=lead, organization=organization, by="asha")

    assert contact == existing
    assert Contact.objects.count() == before
    existing.refresh_from_db()
    assert existing.name == "P. N."  # linked, not overwritten
    lead.refresh_from_db()
    assert lead.converted_contact == existing
    event = LeadEvent.objects.get(lead=lead, event_type=LeadEventType.LEAD_CONVERTED)
    assert event.metadata["linked_existing_contact"] is True


@pytest.mark.django_db
def test_second_conversion_says_where_the_lead_went_and_writes_nothing():
    lead = UsersLeadFactory(email="priya@example.com", name="Priya Nair")
    first = OrganizationFactory(name="Brightsmile")
    lead_convert_to_contact(lead=lead, organization=first, by="asha")
    contacts, events = Contact.objects.count(), LeadEvent.objects.count()

    with pytest.raises(LeadAlreadyConverted) as raised:
        lead_convert_to_contact(lead=lead, organization=OrganizationFactory(), by="ravi")

    assert "already converted" in raised.value.messages[0]
    assert "Priya Nair" in raised.value.messages[0]
    assert "Brightsmile" in raised.value.messages[0]
    assert (Contact.objects.count(), LeadEvent.objects.count()) == (contacts, events)


@pytest.mark.django_db
def test_lead_without_a_name_becomes_a_contact_named_after_the_mailbox():
    lead = UsersLeadFactory(email="priya.n@example.com", name="")

    contact = lead_convert_to_contact(lead=lead, organization=OrganizationFactory(), by="a")

    assert contact.name == "priya.n"


# --- Admin: button, form, action, permission -------------------------------------------------


def converter(*extra: str):
    user = StaffUserFactory()
    for codename in ("view_userslead", "convert_userslead", *extra):
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="leads", codename=codename)
        )
    return user


@pytest.mark.django_db
def test_convert_page_offers_only_the_staff_members_organizations(client):
    user = converter()
    mine = OrganizationMembershipFactory(user=user).organization
    theirs = OrganizationFactory(name="Not mine at all")
    lead = UsersLeadFactory()
    client.force_login(user)

    lead_page = client.get(reverse("admin:leads_userslead_change", args=[lead.pk]))
    form_page = client.get(reverse("admin:leads_userslead_convert", args=[lead.pk]))
    refused = client.post(
        reverse("admin:leads_userslead_convert", args=[lead.pk]),
        {"organization": theirs.pk, "contact_type": "INDIVIDUAL"},
    )

    assert "Convert to contact" in lead_page.content.decode()
    choices = list(form_page.context["form"].fields["organization"].queryset)
    assert choices == [mine]
    assert refused.status_code == 200  # the form again, with an error
    assert refused.context["form"].errors["organization"]
    lead.refresh_from_db()
    assert lead.converted_at is None
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_convert_button_converts_and_returns_to_the_lead(admin_client):
    lead = UsersLeadFactory(email="priya@example.com", name="Priya")
    organization = OrganizationFactory()

    response = admin_client.post(
        reverse("admin:leads_userslead_convert", args=[lead.pk]),
        {"organization": organization.pk, "contact_type": "PATIENT"},
        follow=True,
    )

    lead.refresh_from_db()
    assert lead.converted_contact.contact_type == "PATIENT"
    assert response.redirect_chain[-1][0] == reverse("admin:leads_userslead_change", args=[lead.pk])
    html = response.content.decode()
    assert "Converted priya@example.com to" in html
    # Converted: the page says where it went and offers no second conversion.
    assert "Convert to contact" not in html
    assert reverse("admin:crm_contact_change", args=[lead.converted_contact.pk]) in html


@pytest.mark.django_db
def test_converting_again_from_the_page_shows_the_error(admin_client):
    lead = UsersLeadFactory(name="Priya")
    organization = OrganizationFactory(name="Brightsmile")
    lead_convert_to_contact(lead=lead, organization=organization, by="asha")

    response = admin_client.post(
        reverse("admin:leads_userslead_convert", args=[lead.pk]),
        {"organization": OrganizationFactory().pk, "contact_type": "INDIVIDUAL"},
        follow=True,
    )

    assert "already converted" in response.content.decode()
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_convert_needs_the_permission(client):
    user = StaffUserFactory()
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="leads", codename="view_userslead")
    )
    lead = UsersLeadFactory()
    organization = OrganizationFactory()
    client.force_login(user)

    page = client.get(reverse("admin:leads_userslead_change", args=[lead.pk]))
    listing = client.get(reverse("admin:leads_userslead_changelist"))
    refused = client.post(
        reverse("admin:leads_userslead_convert", args=[lead.pk]),
        {"organization": organization.pk, "contact_type": "INDIVIDUAL"},
    )

    assert "Convert to contact" not in page.content.decode()
    assert "convert_to_contact" not in listing.content.decode()
    assert refused.status_code == 403
    lead.refresh_from_db()
    assert lead.converted_at is None


@pytest.mark.django_db
def test_convert_action_asks_for_the_organization_then_converts(admin_client):
    leads = [UsersLeadFactory(email=f"l{n}@example.com") for n in range(3)]
    organization = OrganizationFactory()
    changelist = reverse("admin:leads_userslead_changelist")
    selected = {"action": "convert_to_contact", "_selected_action": [lead.pk for lead in leads]}

    asked = admin_client.post(changelist, selected)
    assert asked.status_code == 200
    assert "l2@example.com" in asked.content.decode()
    assert not Contact.objects.exists()

    done = admin_client.post(
        changelist,
        {**selected, "apply": "1", "organization": organization.pk, "contact_type": "INDIVIDUAL"},
        follow=True,
    )

    assert done.status_code == 200
    assert Contact.objects.filter(organization=organization).count() == 3
    assert UsersLead.objects.filter(converted_at__isnull=False).count() == 3


# --- Two staff members converting the same lead at once --------------------------------------


@pytest.mark.postgres
def test_concurrent_conversions_give_one_contact(pool_for_all_threads):
    lead = services.lead_capture(email="race@example.com", name="Race")
    organization = OrganizationFactory()
    barrier = threading.Barrier(THREADS, timeout=30)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def convert(n: int) -> None:
        try:
            connections["default"].ensure_connection()
            barrier.wait()
            lead_convert_to_contact(lead=lead, organization=organization, by=f"staff{n}")
            outcomes.append("converted")
        except LeadAlreadyConverted:
            outcomes.append("refused")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=convert, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(outcomes) == ["converted"] + ["refused"] * (THREADS - 1)
    assert Contact.objects.filter(organization=organization).count() == 1
    assert converted_events(lead) == 1


@pytest.mark.postgres
def test_concurrent_conversions_of_two_leads_with_one_email_share_the_contact(
    pool_for_all_threads,
):
    # One address, two environments: two leads that must end on one contact per organization.
    organization = OrganizationFactory()
    first = UsersLeadFactory(email="twin@example.com", environment="DEV")
    second = UsersLeadFactory(email="twin@example.com", environment="PROD")
    barrier = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def convert(lead) -> None:
        try:
            connections["default"].ensure_connection()
            barrier.wait()
            lead_convert_to_contact(lead=lead, organization=organization, by="staff")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=convert, args=(lead,)) for lead in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Contact.objects.filter(organization=organization).count() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.converted_contact_id == second.converted_contact_id is not None
