"""The staff dashboard on the admin index: the figures a small sales team opens every morning.

``dashboard_figures()`` runs a fixed number of queries whatever the data size, and every figure
carries the admin link that lists exactly the rows it counts. Lead figures belong to the site;
CRM figures are confined to the organizations the staff member works for (crm/scoping.py). A
section a user has no permission to view is left out, not shown empty.

Each group of figures counts rows of one table. A table below EXACT_COUNT_BELOW rows is counted
exactly, in one aggregate per group. Above it (PostgreSQL), counting would read the whole table
on every page view, so each figure takes the planner's estimate instead (one EXPLAIN, the same
cost on any table size; the page says "about"), or an exact count when that estimate is under
COUNT_EXACTLY_BELOW rows, a short range along an index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from core.paginator import EXACT_COUNT_BELOW, planner_row_estimate
from crm.models import Appointment, Contact, Task
from leads.models import (
    ContactMessage,
    EarlyAccessRequest,
    IntentLevel,
    InvestmentRange,
    LeadSource,
    UsersLead,
)

CHART_DAYS = 30
# On a large table, a figure the planner expects to be smaller than this is still counted
# exactly (a short index range); anything bigger shows the estimate.
COUNT_EXACTLY_BELOW = 1_000
CHART_WIDTH, CHART_HEIGHT, CHART_GAP = 600, 120, 2


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | str
    url: str
    hint: str = ""
    # True when the value is the planner's estimate of a large count, not an exact count.
    approximate: bool = False


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float
    url: str


@dataclass
class Section:
    title: str
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Dashboard:
    sections: list[Section] = field(default_factory=list)
    chart: list[Bar] = field(default_factory=list)
    chart_max: int = 0
    chart_width: int = CHART_WIDTH
    chart_height: int = CHART_HEIGHT


@dataclass(frozen=True)
class Spec:
    """One figure to count: the rows of a base queryset matching ``where``."""

    label: str
    where: Q
    url: str
    hint: str = ""


def _changelist(model, **params) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _iso(moment: datetime) -> str:
    # The admin reads the value back with DateTimeField.to_python: ISO with the offset.
    return moment.isoformat()


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _can_view(user, model) -> bool:
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or user.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    )


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def _large_tables() -> set[str]:
    """Return the dashboard's tables holding EXACT_COUNT_BELOW rows or more: one query."""
    if connection.vendor != "postgresql":
        return set()
    tables = [m._meta.db_table for m in (UsersLead, EarlyAccessRequest, ContactMessage)] + [
        m._meta.db_table for m in (Contact, Appointment, Task)
    ]
    with connection.cursor() as cursor:
        # reltuples is the row count that ANALYZE last saw (-1 before any): free to read.
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND reltuples >= %s",
            [tables, EXACT_COUNT_BELOW],
        )
        return {name for (name,) in cursor.fetchall()}


def _count(
    base: QuerySet, specs: list[Spec], large: set[str], *, exact_below: int | None = None
) -> list[Figure]:
    """Count each spec's rows of ``base``: one aggregate, or per figure on a large table."""
    exact_below = COUNT_EXACTLY_BELOW if exact_below is None else exact_below
    if base.model._meta.db_table not in large:
        counts = base.order_by().aggregate(
            **{f"f{i}": Count("pk", filter=spec.where) for i, spec in enumerate(specs)}
        )
        return [
            Figure(spec.label, counts[f"f{i}"], spec.url, spec.hint) for i, spec in enumerate(specs)
        ]
    figures = []
    for spec in specs:
        queryset = base.filter(spec.where)
        estimate = planner_row_estimate(queryset)
        if estimate is not None and estimate >= exact_below:
            figures.append(Figure(spec.label, estimate, spec.url, spec.hint, approximate=True))
        else:
            figures.append(Figure(spec.label, queryset.count(), spec.url, spec.hint))
    return figures


def dashboard_figures(*, user, now: datetime | None = None) -> Dashboard:
    """Return the dashboard for ``user``: lead, early-access, inbox and CRM figures and a chart."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    large = _large_tables()
    dashboard = Dashboard()
    if _can_view(user, UsersLead):
        dashboard.sections.extend(_lead_sections(today, large))
        dashboard.chart, dashboard.chart_max = _new_leads_chart(today, large)
    if _can_view(user, EarlyAccessRequest):
        dashboard.sections.extend(_early_access_sections(large))
    if _can_view(user, ContactMessage):
        waiting = Spec(
            "Contact messages awaiting a reply",
            Q(responded=False),
            _changelist(ContactMessage, responded__exact="0"),
        )
        dashboard.sections.append(
            Section("Inbox", _count(ContactMessage.objects.all(), [waiting], large))
        )
    crm = Section("CRM")
    if _can_view(user, Contact):
        crm.figures.extend(_contact_figures(user, large))
    if _can_view(user, Appointment):
        crm.figures.extend(_appointment_figures(user, now, large))
    if _can_view(user, Task):
        crm.figures.extend(_task_figures(user, now, large))
    if crm.figures:
        dashboard.sections.append(crm)
    return dashboard


def _lead_sections(today: date, large: set[str]) -> list[Section]:
    since = {
        "today": _start_of_day(today),
        "in the last 7 days": _start_of_day(today - timedelta(days=6)),
        "in the last 30 days": _start_of_day(today - timedelta(days=29)),
    }
    converted = _changelist(UsersLead, converted_at__isnull="False")
    specs = [
        Spec("Total leads", Q(), _changelist(UsersLead)),
        *(
            Spec(
                f"New {when}",
                Q(first_seen_at__gte=start),
                _changelist(UsersLead, first_seen_at__gte=_iso(start)),
            )
            for when, start in since.items()
        ),
        Spec("Converted to contacts", Q(converted_at__isnull=False), converted),
        *(
            Spec(label, Q(source=value), _changelist(UsersLead, source__exact=value))
            for value, label in LeadSource.choices
        ),
    ]
    figures = _count(UsersLead.objects.all(), specs, large)
    total, converted_count = figures[0], figures[4]
    rate = Figure(
        "Conversion rate",
        _percent(converted_count.value, total.value),
        converted,
        hint="converted leads / all leads",
        approximate=total.approximate or converted_count.approximate,
    )
    return [Section("Leads", [*figures[:5], rate]), Section("Leads by source", figures[5:])]


def _early_access_sections(large: set[str]) -> list[Section]:
    intents = [
        Spec(
            label, Q(intent_level=value), _changelist(EarlyAccessRequest, intent_level__exact=value)
        )
        for value, label in IntentLevel.choices
    ]
    ranges = [
        Spec(
            label,
            Q(investment_range=value),
            _changelist(EarlyAccessRequest, investment_range__exact=value),
        )
        for value, label in InvestmentRange.choices
    ]
    figures = _count(EarlyAccessRequest.objects.all(), intents + ranges, large)
    return [
        Section("Early access by intent", figures[: len(intents)]),
        Section("Early access by investment range", figures[len(intents) :]),
    ]


def _contact_figures(user, large: set[str]) -> list[Figure]:
    specs = [
        Spec(
            f"Contacts: {label.lower()}",
            Q(contact_type=value),
            _changelist(Contact, contact_type__exact=value),
        )
        for value, label in Contact.Type.choices
    ]
    return _count(Contact.objects.for_user(user), specs, large)


def _appointment_figures(user, now: datetime, large: set[str]) -> list[Figure]:
    until = now + timedelta(days=7)
    upcoming = Spec(
        "Appointments in the next 7 days",
        Q(start_time__gte=now, start_time__lt=until, status__in=Appointment.UPCOMING),
        _changelist(
            Appointment,
            start_time__gte=_iso(now),
            start_time__lt=_iso(until),
            status__in=",".join(Appointment.UPCOMING),
        ),
    )
    return _count(Appointment.objects.for_user(user), [upcoming], large)


def _task_figures(user, now: datetime, large: set[str]) -> list[Figure]:
    is_open = Q(status__in=Task.OPEN)
    open_statuses = ",".join(Task.OPEN)
    specs = [
        Spec("Open tasks", is_open, _changelist(Task, status__in=open_statuses)),
        Spec(
            "Overdue tasks",
            is_open & Q(due_date__lt=now),
            _changelist(Task, status__in=open_statuses, due_date__lt=_iso(now)),
        ),
        Spec(
            "Open tasks assigned to me",
            is_open & Q(assignee=user.pk),
            _changelist(Task, status__in=open_statuses, assignee=user.pk),
        ),
    ]
    return _count(Task.objects.for_user(user), specs, large)


def _new_leads_chart(today: date, large: set[str]) -> tuple[list[Bar], int]:
    first_day = today - timedelta(days=CHART_DAYS - 1)
    days = [first_day + timedelta(days=offset) for offset in range(CHART_DAYS)]
    urls = []
    specs = []
    for day in days:
        start, end = _start_of_day(day), _start_of_day(day + timedelta(days=1))
        url = _changelist(UsersLead, first_seen_at__gte=_iso(start), first_seen_at__lt=_iso(end))
        urls.append(url)
        specs.append(Spec(str(day), Q(first_seen_at__gte=start, first_seen_at__lt=end), url))
    if UsersLead._meta.db_table in large:
        # A bar is a picture: on a large table every day is read off the column's histogram.
        counts = _histogram_counts(UsersLead, "first_seen_at", days)
    else:
        counts = [figure.value for figure in _count(UsersLead.objects.all(), specs, large)]
    peak = max(counts, default=0)
    width = CHART_WIDTH / CHART_DAYS
    bars = []
    for offset, (day, count, url) in enumerate(zip(days, counts, urls, strict=True)):
        height = round(CHART_HEIGHT * count / peak, 1) if peak else 0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(offset * width, 1),
                y=round(CHART_HEIGHT - height, 1),
                width=round(width - CHART_GAP, 1),
                height=height,
                url=url,
            )
        )
    return bars, peak


def _histogram_counts(model, column: str, days: list[date]) -> list[int]:
    """Estimate rows per day of ``column`` from PostgreSQL's statistics: one query.

    This is how the planner estimates a range: the most common values that fall in it, plus the
    share of the histogram (of the other values) that the range covers, times the table's rows.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.histogram_bounds::text::timestamptz[], "
            "s.most_common_vals::text::timestamptz[], s.most_common_freqs, s.null_frac, "
            "c.reltuples FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
            "WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = %s",
            [model._meta.db_table, column],
        )
        row = cursor.fetchone()
    if not row:
        return [0] * len(days)
    bounds, common, frequencies, null_share, rows = row
    bounds, common, frequencies = bounds or [], common or [], frequencies or []
    rows = max(rows, 0)
    histogram_share = max(0.0, 1.0 - (null_share or 0.0) - sum(frequencies))
    buckets = len(bounds) - 1

    def position(moment: datetime) -> float:
        if moment <= bounds[0]:
            return 0.0
        for i in range(buckets):
            low, high = bounds[i], bounds[i + 1]
            if moment < high:
                span = (high - low).total_seconds()
                return i + ((moment - low).total_seconds() / span if span else 0.0)
        return float(buckets)

    counts = []
    for day in days:
        start, end = _start_of_day(day), _start_of_day(day + timedelta(days=1))
        share = sum(f for value, f in zip(common, frequencies, strict=True) if start <= value < end)
        if buckets > 0:
            share += (position(end) - position(start)) / buckets * histogram_share
        counts.append(round(share * rows))
    return counts
