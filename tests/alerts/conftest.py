import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from tests.crm.factories import StaffUserFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The public forms' rate limits count in the cache: every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alert_settings(settings):
    settings.STAFF_ALERT_EMAILS = []
    settings.SITE_URL = "https://crm.example.com"
    return settings


@pytest.fixture
def staff_team(db, alert_settings):
    """Who gets the digest by default: active Sales and Support members with an email.

    Returns their addresses; an inactive member, a member without an email, an Instructor and
    a staff member of no group are made too, and get nothing.
    """

    def member(username: str, group: str | None, **fields):
        user = StaffUserFactory(username=username, **fields)
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        return user

    member("sales.ann", "Sales", email=" Ann.Sales@Example.com")
    member("support.bo", "Support")
    both = member("lead.cy", "Sales")
    both.groups.add(Group.objects.get_or_create(name="Support")[0])
    member("gone.dee", "Sales", is_active=False)
    member("noemail.eve", "Support", email="")
    member("teacher.fay", "Instructors")
    member("loner.gus", None)
    return ["ann.sales@example.com", "lead.cy@example.com", "support.bo@example.com"]
