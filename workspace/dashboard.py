"""The staff dashboard on the admin index: the figures a small sales team opens every morning.

``dashboard_figures()`` runs a fixed number of queries whatever the data size, and every figure
carries the admin link that lists exactly the rows it counts. Every figure counts only what the
staff member may see in the admin: CRM figures are confined to the organizations they work for
(crm/scoping.py), lead figures to the leads not converted yet and those converted into those
organizations (``UsersLead.objects.for_user``). A section a user has no permission to view is
left out, not shown empty.

Each group of figures counts rows of one table. A table below EXACT_COUNT_BELOW rows is counted
exactly, in one aggregate per group. Above it (PostgreSQL), counting would read the whole table
on every page view, so each figure takes the planner's estimate instead (the page says
"about"), or an exact count when that estimate is under COUNT_EXACTLY_BELOW rows, a short range
along an index. The estimates of every figure are read in one query (``leadcrm_row_estimates``,
core migration 0003), so the page costs the same number of queries on any table size: one for
the table sizes and the chart column's statistics, one for the estimates when a table is
large, and at most one aggregate per group; plus, for who may view enrollments and progress,
one grouped query for the instructor's courses section (``_courses``).

Over 400 lines on purpose: one page's figures share one plan (which tables are large, the
estimates, the exact counts, the chart); apart, each part would need the others.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from core.paginator import EXACT_COUNT_BELOW, planner_row_estimates
from crm.models import Appointment, Contact, Task
from leads.models import (
    ContactMessage,
    EarlyAccessRequest,
    IntentLevel,
    InvestmentRange,
    LeadSource,
    LeadStatus,
    UsersLead,
)
from lms.models import Enrollment, LessonProgress
from lms.selectors import STALLED_DAYS, course_completion

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

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class Section:
    title: str
    figures: list[Figure] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class CourseRow:
    """One course on the instructor's section: its active learners and how far they are."""

    title: str
    enrolled: int
    lessons_done: int
    lessons_possible: int  # the course's lessons times its active learners
    percent: int
    stalled: int
    url: str  # the course's active enrollments
    stalled_url: str  # those with no progress in STALLED_DAYS days


@dataclass
class Courses:
    """The instructor's section: learners, completion per course, who stopped."""

    figures: list[Figure] = field(default_factory=list)
    rows: list[CourseRow] = field(default_factory=list)
    # Courses with active learners beyond the rows shown (the busiest COURSE_ROWS are).
    more: int = 0
    stalled_days: int = STALLED_DAYS


@dataclass
class Dashboard:
    sections: list[Section] = field(default_factory=list)
    # Shown to who may view enrollments and progress; None otherwise.
    courses: Courses | None = None
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


@dataclass(frozen=True)
class Statistics:
    # The dashboard's tables holding EXACT_COUNT_BELOW rows or more.
    large: set[str]
    # users_leads.first_seen_at in pg_stats: histogram bounds, most common values and their
    # frequencies, null share, the table's rows; None when not analyzed yet.
    chart: tuple | None = None


def _table_statistics() -> Statistics:
    """Return which tables are large and the chart column's statistics: one query."""
    if connection.vendor != "postgresql":
        return Statistics(large=set())
    tables = [m._meta.db_table for m in (UsersLead, EarlyAccessRequest, ContactMessage)] + [
        m._meta.db_table for m in (Contact, Appointment, Task)
    ]
    with connection.cursor() as cursor:
        # reltuples is the row count that ANALYZE last saw (-1 before any): free to read.
        cursor.execute(
            "SELECT ARRAY(SELECT relname::text FROM pg_class WHERE relname = ANY(%s) "
            "AND relnamespace = to_regnamespace(current_schema()) AND reltuples >= %s), "
            "s.histogram_bounds::text::timestamptz[], "
            "s.most_common_vals::text::timestamptz[], s.most_common_freqs, s.null_frac, "
            "c.reltuples FROM (SELECT 1) AS one "
            "LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = %s "
            "AND s.attname = %s "
            "LEFT JOIN pg_class c ON c.relname = s.tablename "
            "AND c.relnamespace = to_regnamespace(current_schema())",
            [tables, EXACT_COUNT_BELOW, UsersLead._meta.db_table, "first_seen_at"],
        )
        large, *chart = cursor.fetchone()
    return Statistics(large=set(large), chart=tuple(chart) if chart[-1] is not None else None)


@dataclass
class Group:
    """Figures counted over one base queryset; ``figures`` is filled by ``_count_groups``."""

    base: QuerySet
    specs: list[Spec]
    figures: list[Figure] = field(default_factory=list)


def _count_groups(groups: list[Group], large: set[str], *, exact_below: int | None = None) -> None:
    """Fill in every group's figures in as few queries as the exact counts need.

    The figures of large tables are estimated all at once (one query, whatever their number);
    those estimated above ``exact_below`` are shown as estimates. Every other figure of a group
    is counted exactly in that group's one aggregate: the whole group on a small table, the
    figures estimated small on a large one. So the page costs one query for the estimates and
    at most one per group, on any table size.
    """
    exact_below = COUNT_EXACTLY_BELOW if exact_below is None else exact_below
    estimated: dict[tuple[int, int], Figure] = {}
    to_estimate = [
        (number, index, spec)
        for number, group in enumerate(groups)
        if group.base.model._meta.db_table in large
        for index, spec in enumerate(group.specs)
    ]
    if to_estimate:
        querysets = [groups[number].base.filter(spec.where) for number, _, spec in to_estimate]
        estimates = planner_row_estimates(querysets) or [None] * len(querysets)
        for (number, index, spec), estimate in zip(to_estimate, estimates, strict=True):
            if estimate is not None and estimate >= exact_below:
                estimated[number, index] = Figure(
                    spec.label, estimate, spec.url, spec.hint, approximate=True
                )
    for number, group in enumerate(groups):
        exact = [
            (index, spec)
            for index, spec in enumerate(group.specs)
            if (number, index) not in estimated
        ]
        base = group.base.order_by()
        if exact and group.base.model._meta.db_table in large:
            # Only rows of the figures estimated small: one index range (or a BitmapOr of
            # them), not a read of the whole large table.
            base = base.filter(reduce(operator.or_, (spec.where for _, spec in exact)))
        counts = (
            base.aggregate(**{f"f{index}": Count("pk", filter=spec.where) for index, spec in exact})
            if exact
            else {}
        )
        group.figures = [
            estimated.get((number, index))
            or Figure(spec.label, counts[f"f{index}"], spec.url, spec.hint)
            for index, spec in enumerate(group.specs)
        ]


def dashboard_figures(*, user, now: datetime | None = None) -> Dashboard:
    """Return the dashboard for ``user``: lead, early-access, inbox and CRM figures, a chart,
    and the instructor's courses section."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    statistics = _table_statistics()
    dashboard = Dashboard()
    groups: list[Group] = []
    # Each part adds its groups and returns how to build its sections once they are counted.
    builders = []
    if _can_view(user, UsersLead):
        builders.append(_lead_sections(user, today, statistics, groups))
    if _can_view(user, EarlyAccessRequest):
        builders.append(_early_access_sections(user, groups))
    if _can_view(user, ContactMessage):
        waiting = Spec(
            "Contact messages awaiting a reply",
            Q(responded=False),
            _changelist(ContactMessage, responded__exact="0"),
        )
        inbox = Group(ContactMessage.objects.for_user(user), [waiting])
        groups.append(inbox)
        builders.append(lambda: [Section("Inbox", inbox.figures)])
    crm_parts = []
    if _can_view(user, Contact):
        crm_parts.append(_contact_figures(user, groups))
    if _can_view(user, Appointment):
        crm_parts.append(_appointment_figures(user, now, groups))
    if _can_view(user, Task):
        crm_parts.append(_task_figures(user, now, groups))

    my_day = _add_to_groups(groups, _my_day_specs(user, now, today))
    _count_groups(groups, statistics.large)

    for build in builders:
        for part in build():
            if isinstance(part, Section):
                dashboard.sections.append(part)
            else:  # the chart
                dashboard.chart, dashboard.chart_max = part
    mine = Section("My day", [group.figures[index] for group, index in my_day])
    placed = {(id(group), index) for group, index in my_day}
    if mine.figures:
        dashboard.sections.insert(0, mine)
    crm = Section(
        "CRM",
        [
            figure
            for group in crm_parts
            for index, figure in enumerate(group.figures)
            if (id(group), index) not in placed
        ],
    )
    if crm.figures:
        dashboard.sections.append(crm)
    if _can_view(user, Enrollment) and _can_view(user, LessonProgress):
        dashboard.courses = _courses(user, now)
    return dashboard


COURSE_ROWS = 8


def _courses(user, now: datetime) -> Courses:
    """The instructor's section from one grouped query over the active enrollments the user
    may see (lms.selectors.course_completion). LMS tables stay small (thousands of rows), so
    this one is counted exactly, with no planner estimate."""
    rows = course_completion(user=user, now=now)
    active = {"status__exact": Enrollment.Status.ACTIVE}
    stalled = {"progress": "stalled"}
    courses = Courses(
        figures=[
            Figure(
                "Active enrollments",
                sum(row.enrolled for row in rows),
                _changelist(Enrollment, **active),
            ),
            Figure(
                f"Enrollments with no progress in {STALLED_DAYS} days",
                sum(row.stalled for row in rows),
                _changelist(Enrollment, **stalled),
                hint=(
                    f"active learners enrolled over {STALLED_DAYS} days ago who have lessons "
                    f"left and recorded nothing in the course for {STALLED_DAYS} days"
                ),
            ),
        ],
        more=max(0, len(rows) - COURSE_ROWS),
    )
    for row in rows[:COURSE_ROWS]:
        course = {"course__id__exact": row.course_id}
        courses.rows.append(
            CourseRow(
                title=row.title,
                enrolled=row.enrolled,
                lessons_done=row.done,
                lessons_possible=row.lessons * row.enrolled,
                percent=row.percent,
                stalled=row.stalled,
                url=_changelist(Enrollment, **active, **course),
                stalled_url=_changelist(Enrollment, **stalled, **course),
            )
        )
    return courses


def _lead_sections(user, today: date, statistics: Statistics, groups: list[Group]):
    since = {
        "today": _start_of_day(today),
        "in the last 7 days": _start_of_day(today - timedelta(days=6)),
        "in the last 30 days": _start_of_day(today - timedelta(days=29)),
    }
    # The list's own "first seen" filter (leads/admin/filters.py), so the sidebar shows the choice.
    period = {"today": "today", "in the last 7 days": "7d", "in the last 30 days": "30d"}
    converted = _changelist(UsersLead, converted_at__isnull="False")
    specs = [
        Spec("Total leads", Q(), _changelist(UsersLead)),
        *(
            Spec(
                f"New {when}",
                Q(first_seen_at__gte=start),
                _changelist(UsersLead, first_seen=period[when]),
            )
            for when, start in since.items()
        ),
        Spec("Converted to contacts", Q(converted_at__isnull=False), converted),
        *(
            Spec(label, Q(source=value), _changelist(UsersLead, source__exact=value))
            for value, label in LeadSource.choices
        ),
    ]
    leads = Group(UsersLead.objects.for_user(user), specs)
    groups.append(leads)
    days, day_specs = _chart_days(today)
    large = UsersLead._meta.db_table in statistics.large
    if not large:
        # A small table: the chart's days are counted in the lead figures' own aggregate.
        leads.specs = [*specs, *day_specs]

    def build():
        figures = leads.figures[: len(specs)]
        total, converted_count = figures[0], figures[4]
        rate = Figure(
            "Conversion rate",
            _percent(converted_count.value, total.value),
            converted,
            hint="converted leads / all leads",
            approximate=total.approximate or converted_count.approximate,
        )
        if large:
            # A bar is a picture: on a large table every day is read off the column's histogram
            # (of every lead: the one place a confined member's figure is not scoped).
            counts = _histogram_counts(statistics.chart, days)
        else:
            counts = [
                figure.value for figure in leads.figures[len(specs) : len(specs) + len(day_specs)]
            ]
        return [
            Section("Leads", [*figures[:5], rate]),
            Section(
                "Leads by first form",
                figures[5:],
                note="Each lead once, by the form it first came through.",
            ),
            _chart_bars(days, counts, [spec.url for spec in day_specs]),
        ]

    return build


def _early_access_sections(user, groups: list[Group]):
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
    group = Group(EarlyAccessRequest.objects.for_user(user), intents + ranges)
    groups.append(group)
    return lambda: [
        Section(
            "Early-access requests by intent",
            group.figures[: len(intents)],
            note="Every request counted: one lead may send several, or come first by another form.",
        ),
        Section(
            "Early-access requests by investment range",
            group.figures[len(intents) :],
            note="Every request counted, as above.",
        ),
    ]


def _my_day_specs(user, now: datetime, today: date) -> dict:
    """The staff member's own work, first on the page: their new leads, their tasks overdue and
    due today, today's appointments (messages awaiting a reply are in the Inbox section).

    Returned per model; each is counted in that table's existing group, so the page's query
    count does not change.
    """
    start, end = _start_of_day(today), _start_of_day(today + timedelta(days=1))
    is_mine = Q(status__in=Task.OPEN, assignee=user.pk)
    open_statuses = ",".join(Task.OPEN)
    return {
        UsersLead: [
            Spec(
                "My new leads",
                Q(owner=user.pk, status=LeadStatus.NEW),
                _changelist(UsersLead, owner="me", status__exact=LeadStatus.NEW),
            )
        ],
        Task: [
            Spec(
                "My overdue tasks",
                is_mine & Q(due_date__lt=now),
                _changelist(
                    Task, status__in=open_statuses, assignee=user.pk, due_date__lt=_iso(now)
                ),
            ),
            Spec(
                "My tasks due today",
                is_mine & Q(due_date__gte=now, due_date__lt=end),
                _changelist(
                    Task,
                    status__in=open_statuses,
                    assignee=user.pk,
                    due_date__gte=_iso(now),
                    due_date__lt=_iso(end),
                ),
            ),
        ],
        Appointment: [
            Spec(
                "Appointments today",
                Q(start_time__gte=start, start_time__lt=end, status__in=Appointment.UPCOMING),
                _changelist(
                    Appointment,
                    start_time__gte=_iso(start),
                    start_time__lt=_iso(end),
                    status__in=",".join(Appointment.UPCOMING),
                ),
            )
        ],
    }


def _add_to_groups(groups: list[Group], specs_by_model: dict) -> list[tuple[Group, int]]:
    """Append each spec to the first group counting its table; return where each went."""
    placed = []
    for model, specs in specs_by_model.items():
        group = next((group for group in groups if group.base.model is model), None)
        if group is None:  # the user may not view that table
            continue
        for spec in specs:
            group.specs = [*group.specs, spec]
            placed.append((group, len(group.specs) - 1))
    return placed


def _contact_figures(user, groups: list[Group]) -> Group:
    specs = [
        Spec(
            f"Contacts: {label.lower()}",
            Q(contact_type=value),
            _changelist(Contact, contact_type__exact=value),
        )
        for value, label in Contact.Type.choices
    ]
    groups.append(Group(Contact.objects.for_user(user), specs))
    return groups[-1]


def _appointment_figures(user, now: datetime, groups: list[Group]) -> Group:
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
    groups.append(Group(Appointment.objects.for_user(user), [upcoming]))
    return groups[-1]


def _task_figures(user, now: datetime, groups: list[Group]) -> Group:
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
    groups.append(Group(Task.objects.for_user(user), specs))
    return groups[-1]


def _chart_days(today: date) -> tuple[list[date], list[Spec]]:
    first_day = today - timedelta(days=CHART_DAYS - 1)
    days = [first_day + timedelta(days=offset) for offset in range(CHART_DAYS)]
    specs = []
    for day in days:
        start, end = _start_of_day(day), _start_of_day(day + timedelta(days=1))
        url = _changelist(UsersLead, first_seen_at__gte=_iso(start), first_seen_at__lt=_iso(end))
        specs.append(Spec(str(day), Q(first_seen_at__gte=start, first_seen_at__lt=end), url))
    return days, specs


def _chart_bars(days: list[date], counts: list[int], urls: list[str]) -> tuple[list[Bar], int]:
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


def _histogram_counts(row: tuple | None, days: list[date]) -> list[int]:
    """Estimate leads per day of ``first_seen_at`` from PostgreSQL's statistics of the column.

    This is how the planner estimates a range: the most common values that fall in it, plus the
    share of the histogram (of the other values) that the range covers, times the table's rows.
    ``row`` is read with the table sizes (``_table_statistics``).
    """
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
