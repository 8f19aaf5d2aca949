"""Malformed addresses get a clear 400 or 404, never a 5xx (issue 16); the crawl of every
admin URL with hostile parameters is tests/core/test_admin_hostile_params.py."""

import pytest

from tests.crm.factories import ContactFactory
from tests.leads.factories import UsersLeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    client.user = user
    return client


def test_a_nul_in_a_query_string_is_a_400_and_reaches_no_view(superuser_client):
    response = superuser_client.get("/admin/crm/contact/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert b"NUL" in response.content
    api = superuser_client.get("/api/crm/contacts/", {"q": "a\x00b"})
    assert api.status_code == 400
    assert api.json()["code"] == "bad_request"


def test_an_unknown_api_address_is_the_json_404_in_development_too(client, settings):
    settings.DEBUG = True
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_site_has_a_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
    assert 'rel="icon"' in client.get("/").content.decode()


def test_a_converted_leads_convert_page_sends_back_to_the_lead(superuser_client):
    from django.utils import timezone

    lead = UsersLeadFactory(converted_contact=ContactFactory(), converted_at=timezone.now())
    lead.status = "CONVERTED"
    lead.save(update_fields=["status"])
    response = superuser_client.get(f"/admin/leads/userslead/{lead.pk}/convert/", follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/leads/userslead/{lead.pk}/change/"
    assert "already converted" in response.content.decode()
