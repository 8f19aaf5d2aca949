"""Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.sessions import LAST_SEEN_KEY
from tests.crm.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")


@pytest.fixture
def staff_client(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client.force_login(StaffUserFactory(is_superuser=True))
    assert client.get(ADMIN).status_code == 200
    return client


def idle_for(client, minutes: float) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time() - minutes * 60)
    session.save()


def test_a_request_records_when_staff_were_last_seen(staff_client):
    assert abs(staff_client.session[LAST_SEEN_KEY] - time.time()) < 5


def test_staff_idle_longer_than_the_limit_are_signed_out(staff_client):
    idle_for(staff_client, 31)

    response = staff_client.get(ADMIN)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert SESSION_KEY not in staff_client.session
    # The login page says why.
    page = staff_client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page


def test_staff_active_within_the_limit_stay_signed_in(staff_client):
    idle_for(staff_client, 29)

    assert staff_client.get(ADMIN).status_code == 200
    assert SESSION_KEY in staff_client.session
    assert abs(staff_client.session[LAST_SEEN_KEY] - time.time()) < 5


def test_the_limit_comes_from_settings(staff_client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    idle_for(staff_client, 6)

    assert staff_client.get(ADMIN).status_code == 302


def test_zero_turns_the_limit_off(staff_client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 0
    idle_for(staff_client, 60 * 24 * 30)

    assert staff_client.get(ADMIN).status_code == 200


def test_the_timestamp_is_written_at_most_once_a_minute(staff_client):
    idle_for(staff_client, 0.5)
    before = staff_client.session[LAST_SEEN_KEY]

    staff_client.get(ADMIN)

    assert staff_client.session[LAST_SEEN_KEY] == before


def test_visitors_sessions_are_left_alone(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    visitor = StaffUserFactory(is_staff=False)
    client.force_login(visitor)

    client.get("/")

    assert LAST_SEEN_KEY not in client.session
    assert SESSION_KEY in client.session


def test_anonymous_requests_get_no_session(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_signing_in_starts_the_idle_clock(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client.force_login(StaffUserFactory())

    assert abs(client.session[LAST_SEEN_KEY] - time.time()) < 5


def test_the_first_request_after_signing_in_writes_no_session(
    client, settings, django_assert_num_queries
):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client.force_login(StaffUserFactory(is_superuser=True))
    client.get(ADMIN)  # warm caches (content types, site) outside the count
    client.force_login(StaffUserFactory(is_superuser=True))

    with django_assert_num_queries(2) as captured:  # the session, the user
        client.get(reverse("admin:password_change_done"))

    assert not any("django_session" in q["sql"] and "UPDATE" in q["sql"] for q in captured)
