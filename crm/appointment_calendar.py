"""The appointment calendar in the admin: which week or month a request asks for, the grid of
days it shows, and the links that add an appointment with its start prefilled.

The rows come from one selector (``crm.selectors.appointment_calendar``); the page is
``AppointmentAdmin.calendar_view`` (crm/admin/appointments.py) and templates/admin/crm/appointment/calendar.html.
Every time is shown in the admin's active time zone (``TIME_ZONE`` unless something activates
another one), the one the admin's forms use too; an appointment shows on the day it starts.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm.models import Appointment
from crm.selectors import ANY_OWNER, NO_OWNER

WEEK = "week"
MONTH = "month"
VIEWS = (WEEK, MONTH)

# What "add appointment" prefills: the day at 09:00, for an hour.
DEFAULT_START = time(9, 0)
DEFAULT_DURATION_MINUTES = 60
MAX_DURATION_MINUTES = 24 * 60

# Dates the calendar opens (so that the previous and next links always stay real dates).
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)

# A month's day lists this many appointments, then "N more" (the day's week lists them all).
MONTH_DAY_LIMIT = 4

ME = "me"


@dataclass
class CalendarQuery:
    """What the page shows: the view, a day in it, the owner and organization filters, and what
    was wrong with the request's parameters (each replaced by its default)."""

    view: str = WEEK
    day: date | None = None
    owner: str = ANY_OWNER  # ANY_OWNER, NO_OWNER, ME or a user id as text
    organization: str = ""  # an organization id as text, or "" for all of the user's
    problems: list[str] = field(default_factory=list)

    def params(self, **changes) -> str:
        """The query string of this page, or of another one (``view=``, ``day=``)."""
        values = {
            "view": changes.get("view", self.view),
            "date": changes.get("day", self.day),
            "owner": self.owner,
            "organization": self.organization,
        }
        if values["date"] is None:
            del values["date"]
        else:
            values["date"] = values["date"].isoformat()
        if values["owner"] == ANY_OWNER:
            del values["owner"]
        if not values["organization"]:
            del values["organization"]
        return "?" + urlencode(values)


def parse_calendar_query(
    data, *, today: date, owner_ids: set[str], organization_ids: set[str]
) -> CalendarQuery:
    """Read ``view``, ``date``, ``owner`` and ``organization`` from ``data`` (request.GET).

    A value that is not understood (an unknown view, a date that is not YYYY-MM-DD or is out
    of range, an owner or organization the user cannot pick) is replaced by its default (the
    week, today, anyone, all organizations) and named in ``problems``: never an error page.
    """
    query = CalendarQuery(day=today)
    view = data.get("view", "").strip()
    if view in VIEWS:
        query.view = view
    elif view:
        query.problems.append(f"Unknown view “{view[:20]}”: showing a week.")
    raw_date = data.get("date", "").strip()
    if raw_date:
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            day = None
        if day is None or len(raw_date) != 10 or not FIRST_DATE <= day <= LAST_DATE:
            query.view = WEEK
            query.problems.append(
                f"“{raw_date[:20]}” is not a date (YYYY-MM-DD) the calendar shows: "
                "showing this week."
            )
        else:
            query.day = day
    owner = data.get("owner", "").strip()
    if owner in ("", ANY_OWNER):
        query.owner = ANY_OWNER
    elif owner in (ME, NO_OWNER) or owner in owner_ids:
        query.owner = owner
    else:
        query.problems.append("Unknown owner: showing everyone's appointments.")
    organization = data.get("organization", "").strip()
    if organization in organization_ids:
        query.organization = organization
    elif organization:
        query.problems.append("Unknown organization: showing all of yours.")
    return query


@dataclass
class CalendarDay:
    day: date
    in_period: bool  # in the month shown (a month's grid starts and ends with whole weeks)
    is_today: bool
    entries: list[Appointment] = field(default_factory=list)
    add_url: str = ""
    week_url: str = ""

    @property
    def shown(self) -> list[Appointment]:
        return self.entries[:MONTH_DAY_LIMIT]

    @property
    def hidden_count(self) -> int:
        return max(len(self.entries) - MONTH_DAY_LIMIT, 0)


def week_start(day: date) -> date:
    """Return the Monday of ``day``'s week (weeks run Monday to Sunday, as in ISO 8601)."""
    return day - timedelta(days=day.weekday())


def period_days(view: str, day: date) -> tuple[date, date]:
    """Return the first day shown and the day after the last: a week, or a month's whole weeks."""
    if view == MONTH:
        first = day.replace(day=1)
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        return week_start(first), week_start(last) + timedelta(days=7)
    start = week_start(day)
    return start, start + timedelta(days=7)


def neighbours(view: str, day: date) -> tuple[date, date]:
    """Return a day of the previous and of the next week or month."""
    if view == MONTH:
        first = day.replace(day=1)
        previous = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return previous, following
    return day - timedelta(days=7), day + timedelta(days=7)


def in_range(day: date) -> bool:
    return FIRST_DATE <= day <= LAST_DATE


def at(day: date, clock: time, zone: tzinfo) -> datetime:
    """Return ``day`` at ``clock`` on the wall clocks of ``zone``."""
    return datetime.combine(day, clock, tzinfo=zone)


def calendar_days(
    *,
    view: str,
    day: date,
    today: date,
    appointments: list[Appointment],
    zone: tzinfo,
    add_url=None,
    week_url=None,
) -> list[CalendarDay]:
    """Return the days of the period, each with its appointments (by their start, in ``zone``).

    ``add_url(day)`` and ``week_url(day)``, when given, make each day's links.
    """
    first, end = period_days(view, day)
    days = []
    current = first
    while current < end:
        days.append(
            CalendarDay(
                day=current,
                in_period=view == WEEK or current.month == day.month,
                is_today=current == today,
                add_url=add_url(current) if add_url else "",
                week_url=week_url(current) if week_url else "",
            )
        )
        current += timedelta(days=1)
    by_day = {entry.day: entry for entry in days}
    for appointment in appointments:
        local_day = timezone.localtime(appointment.start_time, zone).date()
        if local_day in by_day:
            by_day[local_day].entries.append(appointment)
    return days


def weeks(days: list[CalendarDay]) -> list[list[CalendarDay]]:
    return [days[index : index + 7] for index in range(0, len(days), 7)]


# Adding an appointment with its start prefilled -----------------------------------------------


def known_zone(name: str) -> ZoneInfo | None:
    """Return the time zone called ``name``, or None when there is none by that name."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def appointment_add_url(
    *,
    start: datetime,
    duration_minutes: int = DEFAULT_DURATION_MINUTES,
    contact=None,
    zone_name: str = "",
) -> str:
    """Return the admin's add page with ``start`` (aware: it travels with its UTC offset), the
    end ``duration_minutes`` later, and optionally the contact and its time zone, prefilled."""
    params = {"start_time": start.isoformat(), "duration": duration_minutes}
    if contact is not None:
        params["contact"] = str(contact.pk)
    if zone_name:
        params["timezone"] = zone_name
    return reverse("admin:crm_appointment_add") + "?" + urlencode(params)


def next_start(zone: tzinfo, *, now: datetime | None = None) -> datetime:
    """Return the next 09:00 (``DEFAULT_START``) on ``zone``'s clocks: today's if it is still
    ahead, else tomorrow's."""
    local_now = timezone.localtime(now or timezone.now(), zone)
    start = at(local_now.date(), DEFAULT_START, zone)
    if start <= local_now:
        start = at(local_now.date() + timedelta(days=1), DEFAULT_START, zone)
    return start


def contact_appointment_add_url(contact, *, now: datetime | None = None) -> str:
    """Return the add page for an appointment with ``contact``: the next 09:00 in the contact's
    time zone (the admin's own when the contact has none), for an hour."""
    zone = known_zone(contact.timezone)
    return appointment_add_url(
        start=next_start(zone or timezone.get_current_timezone(), now=now),
        contact=contact,
        zone_name=zone.key if zone else "",
    )


def prefilled_times(data) -> dict:
    """Read the add page's ``start_time`` (ISO 8601; without an offset it is on the admin's
    clocks) and ``duration`` (minutes, default 60) from ``data`` (request.GET) into aware
    ``start_time`` and ``end_time``; nothing for a value that is not understood."""
    raw = data.get("start_time", "")
    try:
        start = parse_datetime(raw.strip().replace(" ", "+", 1) if "T" in raw else raw.strip())
    except ValueError:
        start = None
    if start is None or not FIRST_DATE <= start.date() <= LAST_DATE:
        return {}
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    try:
        minutes = int(data.get("duration", DEFAULT_DURATION_MINUTES))
    except (TypeError, ValueError):
        minutes = DEFAULT_DURATION_MINUTES
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        minutes = DEFAULT_DURATION_MINUTES
    return {"start_time": start, "end_time": start + timedelta(minutes=minutes)}
