"""Hostile text beyond tests/core/test_json_safety.py: tags and NaN (issue 16)."""

import json

import pytest

from crm.models import Tag
from leads.models import ContactMessage, LeadEvent, UsersLead
from tests.api_support import world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory

pytestmark = pytest.mark.django_db

CONTACT = {
    "name": "Meera",
    "email": "meera@example.com",
    "subject": "Listing",
    "message": "I want to list my flat in Whitefield.",
}


def test_public_endpoint_refuses_nan(client):
    body = json.dumps(CONTACT)[:-1] + ', "extra": NaN}'
    response = client.post("/api/contact/", body, content_type="application/json")
    assert response.status_code == 400
    assert not (
        UsersLead.objects.exists() or ContactMessage.objects.exists() or LeadEvent.objects.exists()
    )


@pytest.mark.parametrize("tag", ["vip\\u0000", "v\\ud800ip"])
def test_staff_api_refuses_a_nul_or_lone_surrogate_in_a_tag(world, tag):
    contact = ContactFactory(organization=world.org_a)
    response = world.a.patch(
        f"/api/crm/contacts/{contact.pk}/",
        f'{{"tags": ["{tag}"]}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "tags" in response.json()
    assert not Tag.objects.exists()
