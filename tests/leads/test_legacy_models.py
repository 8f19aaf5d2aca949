import pytest
from django.db import IntegrityError, transaction

from leads.models import ChoiceResponse, EarlyAccessUser, Lead, WaitlistEntry
from tests.leads.factories import (
    ChoiceResponseFactory,
    EarlyAccessUserFactory,
    LegacyLeadFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("factory", "model"),
    [
        (WaitlistEntryFactory, WaitlistEntry),
        (LegacyLeadFactory, Lead),
        (EarlyAccessUserFactory, EarlyAccessUser),
    ],
)
def test_legacy_email_is_unique(factory, model):
    factory(email="dup@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        factory(email="dup@example.com")

    assert model.objects.filter(email="dup@example.com").count() == 1


def test_nps_outside_zero_to_ten_is_rejected():
    with pytest.raises(IntegrityError), transaction.atomic():
        ChoiceResponseFactory(nps=11)

    assert not ChoiceResponse.objects.exists()


def test_deleting_a_legacy_lead_keeps_its_choice_responses():
    response = ChoiceResponseFactory()

    response.lead.delete()

    response.refresh_from_db()
    assert response.lead is None


def test_deleting_a_user_unlinks_the_waitlist_entry(django_user_model):
    user = django_user_model.objects.create_user(username="priya", password="x")
    entry = WaitlistEntryFactory(user=user)

    user.delete()

    entry.refresh_from_db()
    assert entry.user is None
