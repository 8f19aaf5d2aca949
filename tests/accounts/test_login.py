"""Staff sign-in: lockout after repeated failures, unlocking, and where signing in lands."""

import logging
from io import StringIO

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from core.http import client_address
from tests.crm.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "staff-password"
LOGIN = "/admin/login/"


@pytest.fixture
def alice(db):
    return StaffUserFactory(username="alice", password=PASSWORD)


@pytest.fixture
def bob(db):
    return StaffUserFactory(username="bob", password=PASSWORD)


def sign_in(client, username, password, address="198.51.100.10", **extra):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **extra,
    )


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def test_five_failures_lock_the_username_from_that_address(client, alice, bob, caplog):
    answers = [sign_in(client, "alice", "wrong") for _ in range(4)]
    with caplog.at_level(logging.WARNING, logger="accounts.login"):
        fifth = sign_in(client, "alice", "wrong")
        sixth = sign_in(client, "alice", PASSWORD)

    assert [answer.status_code for answer in answers] == [200] * 4
    assert fifth.status_code == 429
    assert sixth.status_code == 429
    assert "Sign-in locked" in sixth.content.decode()
    assert "Try again in 15 minutes" in sixth.content.decode()
    assert not signed_in(client)
    assert "sign-in locked out: username='alice' address=198.51.100.10" in caplog.text
    assert "unlock_login alice" in caplog.text
    # Another username from the same address, and the same username elsewhere, still sign in.
    assert sign_in(client, "bob", PASSWORD).status_code == 302
    assert signed_in(client)
    client.logout()
    assert sign_in(client, "alice", PASSWORD, address="198.51.100.99").status_code == 302


def test_a_correct_password_before_the_limit_clears_the_failures(client, alice):
    for _ in range(4):
        sign_in(client, "alice", "wrong")

    assert sign_in(client, "alice", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_the_limit_comes_from_settings(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 2

    sign_in(client, "alice", "wrong")
    second = sign_in(client, "alice", "wrong")

    assert second.status_code == 429


def test_a_lockout_ends_after_the_cool_off(client, alice, settings):
    for _ in range(5):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", PASSWORD).status_code == 429

    # Age the failures past the cool-off instead of waiting 15 minutes.
    attempt = AccessAttempt.objects.get(username="alice")
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=attempt.attempt_time - settings.AXES_COOLOFF_TIME
    )

    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_unlock_command_lifts_the_lockout(client, alice):
    for _ in range(5):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", PASSWORD).status_code == 429
    out = StringIO()

    call_command("unlock_login", "alice", stdout=out)

    assert "Unlocked alice" in out.getvalue()
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_unlock_command_by_address_leaves_other_addresses_locked(client, alice):
    for address in ("198.51.100.1", "198.51.100.2"):
        for _ in range(5):
            sign_in(client, "alice", "wrong", address=address)

    call_command("unlock_login", "--address", "198.51.100.1", stdout=StringIO())

    assert sign_in(client, "alice", PASSWORD, address="198.51.100.2").status_code == 429
    assert sign_in(client, "alice", PASSWORD, address="198.51.100.1").status_code == 302


def test_unlock_command_needs_a_username_or_an_address():
    with pytest.raises(CommandError, match="username"):
        call_command("unlock_login", stdout=StringIO())


def test_a_forged_forwarded_header_does_not_escape_the_lockout(client, alice, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for number in range(5):
        sign_in(client, "alice", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")

    locked = sign_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.200")

    assert locked.status_code == 429


def test_behind_a_proxy_each_client_address_is_locked_separately(client, alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(5):
        sign_in(client, "alice", "wrong", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert (
        sign_in(
            client, "alice", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7"
        ).status_code
        == 429
    )
    other = sign_in(client, "alice", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "192.0.2.1"),
        (0, "203.0.113.9", "192.0.2.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
    ],
)
def test_lockouts_key_on_the_same_client_address_as_the_rate_limits(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="192.0.2.1", **extra)

    assert get_client_ip_address(request) == client_address(request) == expected


def test_the_lockout_page_is_a_plain_template_without_inline_script(client, alice):
    for _ in range(5):
        sign_in(client, "alice", "wrong")

    page = sign_in(client, "alice", PASSWORD).content.decode()

    assert "<script>" not in page
    assert 'style="' not in page


# -- where signing in lands --------------------------------------------------------------------


def test_signing_in_without_next_lands_in_the_admin(client, alice):
    response = client.post(LOGIN, {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_the_admin_login_page_sends_staff_to_the_admin_index(client):
    page = client.get(LOGIN).content.decode()

    assert 'name="next" value="/admin/"' in page


def test_django_default_login_address_leads_to_the_admin_login(client):
    response = client.get("/accounts/login/", {"next": "/admin/crm/"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=%2Fadmin%2Fcrm%2F"


def test_django_default_profile_address_leads_to_the_admin(client):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_login_required_pages_send_anonymous_users_to_the_admin_login(settings):
    from django.shortcuts import resolve_url

    assert resolve_url(settings.LOGIN_URL) == LOGIN
    assert resolve_url(settings.LOGIN_REDIRECT_URL) == "/admin/"


def test_client_login_without_a_request_still_checks_the_password(client, alice):
    # Client.login() calls authenticate() without a request: no lockout to check, but the
    # password is still verified by ModelBackend.
    assert client.login(username="alice", password=PASSWORD)
    client.logout()
    assert not client.login(username="alice", password="wrong")
