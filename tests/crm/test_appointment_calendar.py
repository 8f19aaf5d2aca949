"""The appointment calendar in the admin (issue 19 item 4): a week and a month of appointments,
by owner and organization, in the staff member's scope, with "add appointment" links that
prefill the start; one query for the appointments whatever their number."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm import appointment_calendar, selectors
from crm.models import Appointment
from tests.api_support import grant
from tests.crm.factories import (
    AppointmentFactory,
    ContactFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")
CALENDAR = "admin:crm_appointment_calendar"
# Monday 7 December 2026 to Sunday 13 December 2026.
MONDAY = date(2026, 12, 7)


def _at(day: date, hour: int, minute: int = 0, zone=KOLKATA) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def _appointment(contact, title, start, *, minutes=60, **kwargs) -> Appointment:
    return AppointmentFactory(
        contact=contact,
        title=title,
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        **kwargs,
    )


def _calendar(client, **params):
    return client.get(reverse(CALENDAR), params)


def _titles(response) -> list[str]:
    """The titles on the page, in the order shown (days in order, each by its start time)."""
    return [appointment.title for day in response.context["days"] for appointment in day.entries]


def _by_day(response) -> dict[date, list[str]]:
    return {
        day.day: [appointment.title for appointment in day.entries]
        for day in response.context["days"]
        if day.entries
    }


class Agencies:
    """Two agencies; a Sales member of each, a colleague in A, and a platform manager."""

    def __init__(self):
        sales = Group.objects.get(name="Sales")
        self.org_a = OrganizationFactory(name="Agency A")
        self.org_b = OrganizationFactory(name="Agency B")
        self.member_a = OrganizationMembershipFactory(
            organization=self.org_a, user__username="a-sales", user__first_name="Priya"
        ).user
        self.colleague_a = OrganizationMembershipFactory(
            organization=self.org_a, user__username="a-colleague"
        ).user
        self.member_b = OrganizationMembershipFactory(
            organization=self.org_b, user__username="b-sales"
        ).user
        self.platform = StaffUserFactory(username="platform")
        for user in (self.member_a, self.colleague_a, self.member_b, self.platform):
            user.groups.add(sales)
        self.contact_a = ContactFactory(organization=self.org_a, name="Asha", timezone="")
        self.contact_b = ContactFactory(organization=self.org_b, name="Bela", timezone="")


@pytest.fixture
def agencies():
    return Agencies()


def _client(client, user):
    client.force_login(user)
    return client


# --- The week and the month ---------------------------------------------------------------------


@override_settings(TIME_ZONE="Asia/Kolkata")
def test_the_week_shows_monday_to_sunday_on_the_admins_clocks(client, agencies):
    a = agencies.contact_a
    _appointment(a, "Sunday before", _at(MONDAY - timedelta(days=1), 23, 30))
    _appointment(a, "Monday first thing", _at(MONDAY, 0, 0))
    # 18:40 UTC on Monday, 00:10 on Tuesday in Kolkata: Tuesday's.
    _appointment(
        a, "Tuesday just after midnight", datetime(2026, 12, 7, 18, 40, tzinfo=ZoneInfo("UTC"))
    )
    _appointment(a, "Wednesday afternoon", _at(MONDAY + timedelta(days=2), 15))
    _appointment(a, "Wednesday morning", _at(MONDAY + timedelta(days=2), 9))
    _appointment(a, "Sunday last thing", _at(MONDAY + timedelta(days=6), 23, 59))
    _appointment(a, "Next Monday", _at(MONDAY + timedelta(days=7), 0, 0))

    # Any day of the week opens the week (Monday to Sunday).
    response = _calendar(_client(client, agencies.member_a), view="week", date="2026-12-10")

    assert response.status_code == 200
    assert [day.day for day in response.context["days"]] == [
        MONDAY + timedelta(days=n) for n in range(7)
    ]
    assert _by_day(response) == {
        MONDAY: ["Monday first thing"],
        MONDAY + timedelta(days=1): ["Tuesday just after midnight"],
        MONDAY + timedelta(days=2): ["Wednesday morning", "Wednesday afternoon"],
        MONDAY + timedelta(days=6): ["Sunday last thing"],
    }
    html = response.content.decode()
    assert "Times are in <strong>Asia/Kolkata</strong>" in html
    # The time shown is the Kolkata one, and each appointment links to its page.
    tuesday = Appointment.objects.get(title="Tuesday just after midnight")
    change_url = reverse("admin:crm_appointment_change", args=[tuesday.pk])
    assert re.search(
        rf'href="{change_url}"[^>]*>\s*<span class="calendar-time">00:10–01:10</span>', html
    )
    assert "Appointments: week of Mon 7 Dec 2026" in html


@override_settings(TIME_ZONE="Asia/Kolkata")
def test_the_month_shows_its_whole_weeks(client, agencies):
    a = agencies.contact_a
    # December 2026: Tuesday the 1st to Thursday the 31st; the grid runs Mon 30 Nov - Sun 3 Jan.
    _appointment(a, "Before the grid", _at(date(2026, 11, 29), 23, 59))
    _appointment(a, "Grid's first day", _at(date(2026, 11, 30), 10))
    _appointment(a, "First", _at(date(2026, 12, 1), 0, 0))
    _appointment(a, "Last", _at(date(2026, 12, 31), 23, 0))
    _appointment(a, "Grid's last day", _at(date(2027, 1, 3), 12))
    _appointment(a, "After the grid", _at(date(2027, 1, 4), 0, 0))

    response = _calendar(_client(client, agencies.member_a), view="month", date="2026-12-15")

    days = response.context["days"]
    assert (days[0].day, days[-1].day, len(days)) == (date(2026, 11, 30), date(2027, 1, 3), 35)
    assert [day.in_period for day in days].count(True) == 31
    assert _titles(response) == ["Grid's first day", "First", "Last", "Grid's last day"]
    assert "Appointments: December 2026" in response.content.decode()
    # The day's number opens its week.
    week_url = reverse(CALENDAR) + "?view=week&amp;date=2026-12-31"
    assert f'href="{week_url}"' in response.content.decode()


def test_a_busy_day_of_the_month_lists_four_and_links_to_the_rest(client, agencies):
    for hour in range(9, 15):
        _appointment(agencies.contact_a, f"Visit at {hour}", _at(MONDAY, hour))

    response = _calendar(_client(client, agencies.member_a), view="month", date="2026-12-07")

    html = response.content.decode()
    assert html.count('class="calendar-entry ') == 4
    assert "Visit at 12" in html and "Visit at 13" not in html
    assert re.search(
        r'class="calendar-more" href="[^"]*view=week&amp;date=2026-12-07">2 more', html
    )


def test_previous_next_and_today_keep_the_filters(client, agencies):
    response = _calendar(
        _client(client, agencies.member_a),
        view="month",
        date="2026-03-31",
        owner="me",
        organization=str(agencies.org_a.pk),
    )

    links = response.context["links"]
    org = f"organization={agencies.org_a.pk}"
    assert links["previous"] == f"{reverse(CALENDAR)}?view=month&date=2026-02-01&owner=me&{org}"
    assert links["next"] == f"{reverse(CALENDAR)}?view=month&date=2026-04-01&owner=me&{org}"
    assert links["today"] == f"{reverse(CALENDAR)}?view=month&owner=me&{org}"
    assert links["week"] == f"{reverse(CALENDAR)}?view=week&date=2026-03-31&owner=me&{org}"

    week = _calendar(client, view="week", date="2026-12-31")
    assert week.context["links"]["previous"].startswith(
        f"{reverse(CALENDAR)}?view=week&date=2026-12-24"
    )
    assert week.context["links"]["next"].startswith(
        f"{reverse(CALENDAR)}?view=week&date=2027-01-07"
    )


def test_today_is_the_default_and_is_marked(client, agencies):
    _appointment(agencies.contact_a, "Now-ish", timezone.now() + timedelta(minutes=1))

    response = _calendar(_client(client, agencies.member_a))

    today = timezone.localdate()
    assert response.context["query"].view == "week"
    assert [day.day for day in response.context["days"] if day.is_today] == [today]
    assert appointment_calendar.week_start(today) == response.context["days"][0].day


# --- Filters ------------------------------------------------------------------------------------


def test_the_owner_filter_me_anyone_nobody_and_one_staff_member(client, agencies):
    a = agencies.contact_a
    start = _at(MONDAY, 9)
    _appointment(a, "Mine", start, owner=agencies.member_a)
    _appointment(a, "Colleague's", start + timedelta(hours=1), owner=agencies.colleague_a)
    _appointment(a, "Nobody's", start + timedelta(hours=2))
    client = _client(client, agencies.member_a)

    def titles(owner):
        return sorted(_titles(_calendar(client, date="2026-12-07", owner=owner)))

    assert titles("anyone") == titles("") == ["Colleague's", "Mine", "Nobody's"]
    assert titles("me") == ["Mine"]
    assert titles("none") == ["Nobody's"]
    assert titles(str(agencies.colleague_a.pk)) == ["Colleague's"]

    # Who may be picked: the people who may own appointments of A (not B's member).
    response = _calendar(client, date="2026-12-07")
    assert {owner.username for owner in response.context["owners"]} == {
        "a-sales",
        "a-colleague",
        "platform",
    }
    assert "selected>Priya</option>" not in response.content.decode()
    chosen = _calendar(client, date="2026-12-07", owner=str(agencies.member_a.pk))
    assert (
        f'<option value="{agencies.member_a.pk}" selected>Priya</option>' in chosen.content.decode()
    )


def test_an_owner_who_cannot_be_picked_shows_everyone_with_a_note(client, agencies):
    _appointment(agencies.contact_a, "A's", _at(MONDAY, 9), owner=agencies.member_a)
    _appointment(agencies.contact_b, "B's", _at(MONDAY, 9), owner=agencies.member_b)

    for owner in (str(agencies.member_b.pk), "99999999999999999999", "abc"):
        response = _calendar(_client(client, agencies.member_a), date="2026-12-07", owner=owner)
        assert response.status_code == 200
        assert _titles(response) == ["A's"]
        assert "Unknown owner: showing everyone" in response.content.decode()


def test_the_organization_filter(client, agencies):
    other_a = ContactFactory(organization=OrganizationFactory(name="Agency C"), timezone="")
    OrganizationMembershipFactory(organization=other_a.organization, user=agencies.member_a)
    _appointment(agencies.contact_a, "In A", _at(MONDAY, 9))
    _appointment(other_a, "In C", _at(MONDAY, 10))
    _appointment(agencies.contact_b, "In B", _at(MONDAY, 11))
    client = _client(client, agencies.member_a)

    assert _titles(_calendar(client, date="2026-12-07")) == ["In A", "In C"]
    assert _titles(_calendar(client, date="2026-12-07", organization=agencies.org_a.pk)) == ["In A"]
    assert _titles(_calendar(client, date="2026-12-07", organization=other_a.organization_id)) == [
        "In C"
    ]
    response = _calendar(client, date="2026-12-07")
    assert [org.name for org in response.context["organizations"]] == ["Agency A", "Agency C"]

    # B's id (or nonsense) is not a way into B: all of the member's own organizations instead.
    for organization in (agencies.org_b.pk, "not-an-id"):
        response = _calendar(client, date="2026-12-07", organization=organization)
        assert _titles(response) == ["In A", "In C"]
        assert "Unknown organization: showing all of yours." in response.content.decode()


# --- Scoping and permissions --------------------------------------------------------------------


def test_a_member_of_a_never_sees_bs_appointments(client, agencies):
    _appointment(agencies.contact_a, "A's visit", _at(MONDAY, 9))
    _appointment(agencies.contact_b, "B's secret visit", _at(MONDAY, 9), owner=agencies.member_b)
    client = _client(client, agencies.member_a)

    for params in (
        {"date": "2026-12-07"},
        {"date": "2026-12-07", "view": "month"},
        {"date": "2026-12-07", "owner": str(agencies.member_b.pk)},
        {"date": "2026-12-07", "organization": str(agencies.org_b.pk)},
        {"date": "2026-12-07", "owner": "none"},
    ):
        response = _calendar(client, **params)
        html = response.content.decode()
        assert "B's secret visit" not in html and "Agency B" not in html and "b-sales" not in html

    # Platform staff (no membership) see both.
    platform = _calendar(_client(client, agencies.platform), date="2026-12-07")
    assert sorted(_titles(platform)) == ["A's visit", "B's secret visit"]


def test_without_view_permission_the_calendar_is_forbidden(client, agencies):
    nobody = StaffUserFactory(username="no-perms")
    OrganizationMembershipFactory(organization=agencies.org_a, user=nobody)
    _appointment(agencies.contact_a, "A's visit", _at(MONDAY, 9))

    response = _calendar(_client(client, nobody), date="2026-12-07")

    assert response.status_code == 403
    assert "A's visit" not in response.content.decode()
    # Not listed beside the appointments either.
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse(CALENDAR) not in index


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = _calendar(client)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_view_only_staff_see_the_calendar_without_add_links(client, agencies):
    support = grant(StaffUserFactory(username="viewer"), "crm.view_appointment")
    OrganizationMembershipFactory(organization=agencies.org_a, user=support)
    _appointment(agencies.contact_a, "A's visit", _at(MONDAY, 9))

    response = _calendar(_client(client, support), date="2026-12-07")

    assert response.status_code == 200
    assert _titles(response) == ["A's visit"]
    assert reverse("admin:crm_appointment_add") not in response.content.decode()


# --- Bad parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"date": "2026-13-01"},
        {"date": "yesterday"},
        {"date": "0001-01-01"},
        {"date": "1899-12-31", "view": "month"},
        {"date": "3000-01-01"},
        {"date": "9999-12-31", "view": "month"},
        {"date": "20261207"},
        {"date": "2026-12-07T09:00"},
        {"view": "year"},
        {"view": "<script>", "date": "nonsense", "owner": "x", "organization": "y"},
    ],
)
def test_bad_parameters_show_the_current_week_never_an_error(client, agencies, params):
    today = timezone.localdate()
    _appointment(agencies.contact_a, "This week", timezone.now())

    response = _calendar(_client(client, agencies.member_a), **params)

    assert response.status_code == 200
    assert response.context["query"].view == "week"
    days = [day.day for day in response.context["days"]]
    assert days[0] == appointment_calendar.week_start(today) and len(days) == 7
    assert _titles(response) == ["This week"]
    assert response.context["query"].problems
    assert "<script>" not in response.content.decode().split('id="content-main"')[1]


def test_a_nul_byte_is_a_bad_request(client, agencies):
    # Refused before any view runs (the project's middleware), like everywhere else.
    response = _calendar(_client(client, agencies.member_a), date="2026-12-07\x00")

    assert response.status_code == 400


def test_the_first_and_last_dates_have_no_link_beyond_them(client, agencies):
    client = _client(client, agencies.member_a)

    first = _calendar(client, view="month", date="1900-01-15")
    last = _calendar(client, view="month", date="2999-12-01")

    assert first.status_code == last.status_code == 200
    assert first.context["links"]["previous"] == "" and first.context["links"]["next"]
    assert last.context["links"]["next"] == "" and last.context["links"]["previous"]


# --- Adding an appointment ----------------------------------------------------------------------


def _initial(response) -> dict:
    form = response.context["adminform"].form
    return {
        name: form[name].value()
        for name in ("contact", "start_time", "end_time", "owner", "timezone")
    }


@override_settings(TIME_ZONE="Asia/Kolkata")
def test_a_day_adds_an_appointment_at_nine_for_an_hour_owned_by_me(client, agencies):
    client = _client(client, agencies.member_a)
    response = _calendar(client, date="2026-12-07")
    wednesday = response.context["days"][2]
    assert wednesday.day == date(2026, 12, 9)
    assert f'href="{wednesday.add_url.replace("&", "&amp;")}"' in response.content.decode()

    add_page = client.get(wednesday.add_url)

    assert add_page.status_code == 200
    initial = _initial(add_page)
    assert initial["start_time"] == _at(date(2026, 12, 9), 9)
    assert initial["end_time"] == _at(date(2026, 12, 9), 10)
    assert initial["owner"] == agencies.member_a.pk
    html = add_page.content.decode()
    assert 'name="start_time_0" value="2026-12-09"' in html
    assert 'name="start_time_1" value="09:00:00"' in html
    assert 'name="end_time_1" value="10:00:00"' in html

    # Saved as prefilled, through the services: on the calendar that day, owned by me.
    created = client.post(
        reverse("admin:crm_appointment_add"),
        {
            "contact": str(agencies.contact_a.pk),
            "title": "First visit",
            "start_time_0": "2026-12-09",
            "start_time_1": "09:00:00",
            "end_time_0": "2026-12-09",
            "end_time_1": "10:00:00",
            "owner": str(agencies.member_a.pk),
            "timezone": "",
        },
    )
    assert created.status_code == 302
    appointment = Appointment.objects.get(title="First visit")
    assert (appointment.start_time, appointment.owner) == (
        _at(date(2026, 12, 9), 9),
        agencies.member_a,
    )
    mine = _calendar(client, date="2026-12-07", owner="me")
    assert _by_day(mine) == {date(2026, 12, 9): ["First visit"]}


@override_settings(TIME_ZONE="Asia/Kolkata")
def test_the_contact_page_adds_an_appointment_at_nine_in_the_contacts_time_zone(client, agencies):
    contact = ContactFactory(organization=agencies.org_a, name="Nina", timezone="America/New_York")
    client = _client(client, agencies.member_a)

    page = client.get(reverse("admin:crm_contact_change", args=[contact.pk]))
    match = re.search(
        r'<a class="button" href="([^"]+)">Add an appointment</a>', page.content.decode()
    )
    assert match
    add_url = match.group(1).replace("&amp;", "&")
    add_page = client.get(add_url)

    initial = _initial(add_page)
    new_york = ZoneInfo("America/New_York")
    start = initial["start_time"].astimezone(new_york)
    assert (start.hour, start.minute) == (9, 0)
    assert timezone.now() < start <= timezone.now() + timedelta(days=1)
    assert initial["end_time"] - initial["start_time"] == timedelta(minutes=60)
    assert initial["contact"] == contact.pk
    assert initial["timezone"] == "America/New_York"
    assert initial["owner"] == agencies.member_a.pk
    html = add_page.content.decode()
    assert f'<option value="{contact.pk}" selected>' in html
    # The form shows Kolkata's clocks; the page says what 09:00 in New York is here.
    assert "09:00" in html and "America/New_York (the contact" in html
    local = initial["start_time"].astimezone(KOLKATA)
    assert f'name="start_time_1" value="{local:%H:%M:%S}"' in html


def test_the_next_nine_oclock_is_today_or_tomorrow():
    zone = ZoneInfo("America/New_York")
    morning = datetime(2026, 12, 7, 8, 59, tzinfo=zone)
    noon = datetime(2026, 12, 7, 12, 0, tzinfo=zone)

    assert appointment_calendar.next_start(zone, now=morning) == datetime(
        2026, 12, 7, 9, tzinfo=zone
    )
    assert appointment_calendar.next_start(zone, now=noon) == datetime(2026, 12, 8, 9, tzinfo=zone)


def test_contact_page_has_no_add_link_without_add_permission(client, agencies):
    viewer = grant(StaffUserFactory(username="viewer"), "crm.view_contact", "crm.view_appointment")

    page = _client(client, viewer).get(
        reverse("admin:crm_contact_change", args=[agencies.contact_a.pk])
    )

    assert page.status_code == 200
    assert "Add an appointment" not in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "start_time=garbage&end_time=nonsense&duration=x",
        "start_time=2026-02-30T09:00&duration=-5",
        "start_time=2026-12-07T09:00&duration=999999",
        "contact=not-a-uuid&timezone=Mars/Olympus",
        "contact=00000000-0000-0000-0000-000000000000",
    ],
)
def test_bad_prefills_are_left_out_never_an_error(client, agencies, query):
    response = _client(client, agencies.member_a).get(
        reverse("admin:crm_appointment_add") + "?" + query
    )

    assert response.status_code == 200
    initial = _initial(response)
    assert initial["contact"] is None and initial["timezone"] in (None, "")
    if "999999" in query:
        assert initial["end_time"] - initial["start_time"] == timedelta(minutes=60)
    else:
        assert initial["start_time"] is None and initial["end_time"] is None


def test_another_organizations_contact_is_not_prefilled(client, agencies):
    url = appointment_calendar.appointment_add_url(start=_at(MONDAY, 9), contact=agencies.contact_b)

    response = _client(client, agencies.member_a).get(url)

    assert response.status_code == 200
    assert _initial(response)["contact"] is None
    assert "Bela" not in response.content.decode()


def test_a_start_without_an_offset_is_on_the_admins_clocks(client, agencies):
    with override_settings(TIME_ZONE="Asia/Kolkata"):
        response = _client(client, agencies.member_a).get(
            reverse("admin:crm_appointment_add") + "?start_time=2026-12-07T09:30&duration=45"
        )
        initial = _initial(response)
    assert initial["start_time"] == _at(MONDAY, 9, 30)
    assert initial["end_time"] == _at(MONDAY, 10, 15)


# --- Links to the calendar ----------------------------------------------------------------------


def test_the_list_the_index_and_the_sidebar_link_to_the_calendar(client, agencies):
    client = _client(client, agencies.member_a)
    calendar_link = f'href="{reverse(CALENDAR)}"'

    changelist = client.get(reverse("admin:crm_appointment_changelist")).content.decode()
    index = client.get(reverse("admin:index")).content.decode()
    contact_list = client.get(reverse("admin:crm_contact_changelist")).content.decode()

    assert calendar_link in changelist
    assert calendar_link in index and "Appointment calendar" in index
    # The navigation sidebar of every other admin page.
    assert calendar_link in contact_list


# --- Query budget -------------------------------------------------------------------------------


def _fill_week(organization, n: int) -> None:
    """``n`` appointments in the week of MONDAY, each with its own contact and owner."""
    for i in range(n):
        owner = OrganizationMembershipFactory(organization=organization).user
        contact = ContactFactory(organization=organization, timezone="")
        _appointment(
            contact, f"Visit {i}", _at(MONDAY + timedelta(days=i % 7), 8 + i % 10), owner=owner
        )


@pytest.mark.parametrize("view", ["week", "month"])
def test_the_calendar_runs_a_fixed_number_of_queries(
    client, agencies, view, django_assert_max_num_queries
):
    client = _client(client, agencies.member_a)
    params = {"view": view, "date": "2026-12-07"}
    _calendar(client, **params)  # session and permission caches warm, as on any second page

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = _calendar(client, **params)
        assert response.status_code == 200
        return len(queries)

    _fill_week(agencies.org_a, 3)
    small = count()
    _fill_week(agencies.org_a, 30)
    large = count()

    assert small == large
    with django_assert_max_num_queries(8):
        response = _calendar(client, **params)
    assert len(_titles(response)) == 33


def test_the_selector_reads_the_range_in_one_query(agencies, django_assert_num_queries):
    _fill_week(agencies.org_a, 12)
    start = _at(MONDAY, 0)

    with django_assert_num_queries(2):  # the member's scope, then the appointments
        appointments = selectors.appointment_calendar(
            user=agencies.member_a, start=start, end=start + timedelta(days=7)
        )
        # Contact, owner and organization come with them.
        labels = [(a.contact.name, a.owner.username, a.organization.name) for a in appointments]

    assert len(labels) == 12


def test_the_selector_stops_after_its_limit(agencies):
    _fill_week(agencies.org_a, 5)
    start = _at(MONDAY, 0)

    appointments = selectors.appointment_calendar(
        user=agencies.member_a, start=start, end=start + timedelta(days=7), limit=3
    )

    assert len(appointments) == 4  # one more than the limit: the page says there are more
    assert [a.start_time for a in appointments] == sorted(a.start_time for a in appointments)


def test_the_page_says_when_it_shows_only_the_first_appointments(client, agencies, monkeypatch):
    monkeypatch.setattr(selectors, "CALENDAR_LIMIT", 3)
    _fill_week(agencies.org_a, 5)

    response = _calendar(_client(client, agencies.member_a), date="2026-12-07")

    assert len(_titles(response)) == 3
    assert "Only the first 3 appointments of this week are shown" in response.content.decode()
