"""The alerts app's tables hold personal data: privacy's export and erasure cover them.

Privacy finds tables generically: a foreign key to a lead or a contact, or an EmailField named
``to`` (an address written to). Every alerts model must be found one of those ways.
"""

import pytest
from django.apps import apps

from alerts.models import StaffAlert, VisitorAutoReply
from leads import services as leads_services
from leads.models import UsersLead
from privacy.erase import person_erase
from privacy.export import _mailbox_models, _referring, person_export

pytestmark = pytest.mark.django_db

EMAIL = "meera.alerts@example.com"


def submit(email: str = EMAIL) -> None:
    leads_services.contact_message_create(
        name="Meera", email=email, message="Please call me about the Baner project."
    )
    leads_services.early_access_request_create(
        email=email, intent_level="HIGH", investment_range="BELOW_10K"
    )


def test_every_alerts_model_is_found_by_privacy():
    found = {model for model, _ in _referring(UsersLead)} | set(_mailbox_models())

    missing = [
        model._meta.label
        for model in apps.get_app_config("alerts").get_models()
        if model not in found
    ]

    assert missing == []


def test_export_lists_and_erase_deletes_the_persons_alerts_and_auto_replies():
    submit()
    submit(email="someone.else@example.com")

    document = person_export(email=EMAIL.upper())
    assert document["counts"]["alerts.StaffAlert"] == 2
    assert document["counts"]["alerts.VisitorAutoReply"] == 1
    assert document["records"]["alerts.VisitorAutoReply"][0]["fields"]["to"] == EMAIL

    request = person_erase(email=EMAIL)

    assert request.counts["alerts.StaffAlert"] == 2
    assert request.counts["alerts.VisitorAutoReply"] == 1
    assert not StaffAlert.objects.filter(lead__email=EMAIL).exists()
    assert not VisitorAutoReply.objects.filter(to=EMAIL).exists()
    assert StaffAlert.objects.filter(lead__email="someone.else@example.com").count() == 2
    assert VisitorAutoReply.objects.filter(to="someone.else@example.com").count() == 1


def test_erasing_a_person_deletes_the_staff_digests_that_listed_them(settings):
    from alerts.services import staff_alerts_digest
    from outbox.models import OutboxEmail

    settings.STAFF_ALERT_EMAILS = ["staff@example.com"]
    settings.VISITOR_AUTO_REPLY = False
    submit()
    submit(email="someone.else@example.com")
    staff_alerts_digest()  # one digest listing both
    submit(email="third@example.com")
    staff_alerts_digest()  # one listing only the third
    assert OutboxEmail.objects.filter(origin_label="alerts.digest").count() == 2

    person_erase(email=EMAIL)

    (kept,) = OutboxEmail.objects.filter(origin_label="alerts.digest")
    assert "third@example.com" in kept.body
    assert not OutboxEmail.objects.filter(body__icontains=EMAIL).exists()
