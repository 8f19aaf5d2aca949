import pytest
from django.db import IntegrityError, transaction

from leads.models import UsersLead
from tests.leads.factories import LeadEventFactory, PageSessionFactory, UsersLeadFactory

pytestmark = pytest.mark.django_db


def test_one_lead_per_email_and_environment():
    UsersLeadFactory(email="dup@example.com", environment="DEV")

    with pytest.raises(IntegrityError), transaction.atomic():
        UsersLeadFactory(email="dup@example.com", environment="DEV")

    UsersLeadFactory(email="dup@example.com", environment="PROD")
    assert UsersLead.objects.filter(email="dup@example.com").count() == 2


@pytest.mark.parametrize("email", ["Dup@example.com", " dup@example.com", ""])
def test_database_refuses_an_unnormalized_email(email):
    with pytest.raises(IntegrityError), transaction.atomic():
        UsersLeadFactory(email=email)

    assert not UsersLead.objects.exists()


def test_environment_is_stamped_from_settings(settings):
    settings.APP_ENVIRONMENT = "PROD"

    lead = UsersLeadFactory()
    event = LeadEventFactory(lead=lead)

    assert (lead.environment, event.environment) == ("PROD", "PROD")


def test_deleting_a_lead_removes_its_events_but_keeps_its_page_sessions():
    event = LeadEventFactory()
    session = PageSessionFactory(lead=event.lead)

    event.lead.delete()

    session.refresh_from_db()
    assert session.lead is None
    assert not type(event).objects.exists()


def test_a_converted_lead_records_when(db):
    from django.db import IntegrityError, transaction

    from tests.crm.factories import ContactFactory

    lead = UsersLeadFactory()
    lead.converted_contact = ContactFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        lead.save(update_fields=["converted_contact"])

    assert UsersLead.objects.get(pk=lead.pk).converted_contact_id is None
