"""API tokens: stored hashed, expire, can be revoked; the command and the admin make them."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_create, api_token_revoke
from accounts.models import ApiToken, hash_token
from tests.api_support import grant
from tests.crm.factories import ContactFactory, OrganizationMembershipFactory, StaffUserFactory

pytestmark = pytest.mark.django_db
URL = "/api/crm/contacts/"


@pytest.fixture
def member():
    membership = OrganizationMembershipFactory()
    ContactFactory(organization=membership.organization)
    return grant(membership.user, "crm.view_contact")


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_token_is_stored_only_as_its_hash(member):
    row, token = api_token_create(user=member, name="laptop")

    assert token.startswith(f"{row.prefix}.")
    assert row.key_hash == hash_token(token)
    assert token not in {row.key_hash, row.prefix, row.name}
    assert client_with(token).get(URL).status_code == 200


def test_default_lifetime_comes_from_the_setting(member, settings):
    settings.API_TOKEN_TTL_DAYS = 7

    row, _ = api_token_create(user=member)

    assert row.expires_at - row.created_at == timedelta(days=7)


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer", "Bearer a b", "Bearer \u00e9"])
def test_a_bad_token_is_401_with_no_data(member, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(URL)

    assert response.status_code == 401
    assert "results" not in response.json()
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_stops_working(member):
    row, token = api_token_create(user=member, days=1)
    client = client_with(token)
    assert client.get(URL).status_code == 200

    ApiToken.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(days=2),
        expires_at=timezone.now() - timedelta(seconds=1),
    )

    assert client.get(URL).status_code == 401


def test_a_revoked_token_stops_working_at_once(member):
    row, token = api_token_create(user=member)
    client = client_with(token)
    assert client.get(URL).status_code == 200

    api_token_revoke(token=row)

    assert client.get(URL).status_code == 401
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_an_inactive_users_token_stops_working(member):
    _, token = api_token_create(user=member)
    type(member).objects.filter(pk=member.pk).update(is_active=False)

    assert client_with(token).get(URL).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(member):
    row, token = api_token_create(user=member)
    client = client_with(token)

    client.get(URL)
    row.refresh_from_db()
    first_use = row.last_used_at
    client.get(URL)
    row.refresh_from_db()

    assert first_use is not None
    assert row.last_used_at == first_use
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=first_use - timedelta(minutes=2))
    client.get(URL)
    row.refresh_from_db()
    assert row.last_used_at > first_use


def test_service_refuses_bad_lifetimes_and_inactive_users(member):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_token_create(user=member, days=0)
    member.is_active = False
    with pytest.raises(ValidationError):
        api_token_create(user=member)
    assert not ApiToken.objects.exists()


def test_create_api_token_command_prints_the_token_once(member):
    out, err = StringIO(), StringIO()

    call_command(
        "create_api_token", member.username, "--name", "cli", "--days", "3", stdout=out, stderr=err
    )

    token = out.getvalue().strip()
    row = ApiToken.objects.get()
    assert row.key_hash == hash_token(token)
    assert (row.name, row.user) == ("cli", member)
    assert row.expires_at - row.created_at == timedelta(days=3)
    assert token not in err.getvalue()
    assert client_with(token).get(URL).status_code == 200


@pytest.mark.parametrize(
    ("username", "args", "message"),
    [
        ("nobody", [], "No user"),
        ("outsider", [], "not staff"),
        ("staffer", ["--days", "0"], "days"),
    ],
)
def test_create_api_token_command_refuses(username, args, message):
    StaffUserFactory(username="outsider", is_staff=False)
    StaffUserFactory(username="staffer")

    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", username, *args, stdout=StringIO(), stderr=StringIO())

    assert not ApiToken.objects.exists()


# --- Admin ---------------------------------------------------------------------------------


def test_admin_creates_a_token_and_shows_it_once(admin_client, admin_user):
    response = admin_client.post(
        "/admin/accounts/apitoken/add/", {"user": admin_user.pk, "name": "ci", "days": 5}
    )

    assert response.status_code == 200, response.content
    row = ApiToken.objects.get()
    body = response.content.decode()
    token = next(
        word for word in body.split() if word.startswith(f'class="api-token">{row.prefix}.')
    )
    token = token.removeprefix('class="api-token">').split("<")[0]
    assert row.key_hash == hash_token(token)
    assert row.expires_at - row.created_at == timedelta(days=5)
    # The token's page afterwards shows no secret.
    detail = admin_client.get(f"/admin/accounts/apitoken/{row.pk}/change/").content.decode()
    assert token not in detail
    assert row.prefix in detail


def test_admin_revokes_tokens(admin_client, admin_user):
    row, token = api_token_create(user=admin_user)

    response = admin_client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
        follow=True,
    )

    assert response.status_code == 200
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert client_with(token).get(URL).status_code == 401


def test_staff_see_and_make_only_their_own_tokens(client):
    me = grant(StaffUserFactory(), "accounts.view_apitoken", "accounts.add_apitoken")
    other = StaffUserFactory()
    mine, _ = api_token_create(user=me, name="mine")
    api_token_create(user=other, name="theirs")
    client.force_login(me)

    listing = client.get("/admin/accounts/apitoken/").content.decode()
    refused = client.post(
        "/admin/accounts/apitoken/add/", {"user": other.pk, "name": "x", "days": 1}
    )

    assert "mine" in listing and "theirs" not in listing
    assert refused.status_code == 200  # the form again, with an error
    assert not ApiToken.objects.filter(user=other, name="x").exists()
