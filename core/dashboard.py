"""The staff dashboard on the admin index: the figures a small sales team opens every morning.

``dashboard_figures()`` runs a fixed number of aggregate queries whatever the data size, and
every figure carries the admin link that lists exactly the rows it counts. Lead figures belong to
the site; CRM figures are confined to the organizations the staff member works for
(crm/scoping.py). A section a user has no permission to view is left out, not shown empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

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
CHART_WIDTH, CHART_HEIGHT, CHART_GAP = 600, 120, 2


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | str
    url: str
    hint: str = ""


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


def dashboard_figures(*, user, now: datetime | None = None) -> Dashboard:
    """Return the dashboard for ``user``: lead, early-access, inbox and CRM figures and a chart."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    dashboard = Dashboard()
    if _can_view(user, UsersLead):
        dashboard.sections.append(_lead_section(today))
        dashboard.sections.append(_source_section())
        dashboard.chart, dashboard.chart_max = _new_leads_chart(today)
    if _can_view(user, EarlyAccessRequest):
        dashboard.sections.extend(_early_access_sections())
    if _can_view(user, ContactMessage):
        dashboard.sections.append(_inbox_section())
    crm = Section("CRM")
    if _can_view(user, Contact):
        crm.figures.extend(_contact_figures(user))
    if _can_view(user, Appointment):
        crm.figures.append(_appointment_figure(user, now))
    if _can_view(user, Task):
        crm.figures.extend(_task_figures(user, now))
    if crm.figures:
        dashboard.sections.append(crm)
    return dashboard


def _lead_section(today: date) -> Section:
    starts = {
        "today": _start_of_day(today),
        "7 days": _start_of_day(today - timedelta(days=6)),
        "30 days": _start_of_day(today - timedelta(days=29)),
    }
    counts = UsersLead.objects.aggregate(
        total=Count("pk"),
        converted=Count("pk", filter=Q(converted_at__isnull=False)),
        **{
            key: Count("pk", filter=Q(first_seen_at__gte=start))
            for key, start in zip(("today", "week", "month"), starts.values(), strict=True)
        },
    )
    section = Section("Leads")
    section.figures = [
        Figure("Total leads", counts["total"], _changelist(UsersLead)),
        Figure(
            "New today",
            counts["today"],
            _changelist(UsersLead, first_seen_at__gte=_iso(starts["today"])),
        ),
        Figure(
            "New in the last 7 days",
            counts["week"],
            _changelist(UsersLead, first_seen_at__gte=_iso(starts["7 days"])),
        ),
        Figure(
            "New in the last 30 days",
            counts["month"],
            _changelist(UsersLead, first_seen_at__gte=_iso(starts["30 days"])),
        ),
        Figure(
            "Converted to contacts",
            counts["converted"],
            _changelist(UsersLead, converted_at__isnull="False"),
        ),
        Figure(
            "Conversion rate",
            _percent(counts["converted"], counts["total"]),
            _changelist(UsersLead, converted_at__isnull="False"),
            hint="converted leads / all leads",
        ),
    ]
    return section


def _source_section() -> Section:
    counts = dict(
        UsersLead.objects.order_by()
        .values_list("source")
        .annotate(n=Count("pk"))
        .values_list("source", "n")
    )
    return Section(
        "Leads by source",
        [
            Figure(label, counts.get(value, 0), _changelist(UsersLead, source__exact=value))
            for value, label in LeadSource.choices
        ],
    )


def _early_access_sections() -> list[Section]:
    rows = (
        EarlyAccessRequest.objects.order_by()
        .values_list("intent_level", "investment_range")
        .annotate(n=Count("pk"))
    )
    by_intent: dict[str, int] = {}
    by_range: dict[str, int] = {}
    for intent, investment_range, n in rows:
        by_intent[intent] = by_intent.get(intent, 0) + n
        by_range[investment_range] = by_range.get(investment_range, 0) + n
    return [
        Section(
            "Early access by intent",
            [
                Figure(
                    label,
                    by_intent.get(value, 0),
                    _changelist(EarlyAccessRequest, intent_level__exact=value),
                )
                for value, label in IntentLevel.choices
            ],
        ),
        Section(
            "Early access by investment range",
            [
                Figure(
                    label,
                    by_range.get(value, 0),
                    _changelist(EarlyAccessRequest, investment_range__exact=value),
                )
                for value, label in InvestmentRange.choices
            ],
        ),
    ]


def _inbox_section() -> Section:
    waiting = ContactMessage.objects.filter(responded=False).count()
    return Section(
        "Inbox",
        [
            Figure(
                "Contact messages awaiting a reply",
                waiting,
                _changelist(ContactMessage, responded__exact="0"),
            )
        ],
    )


def _contact_figures(user) -> list[Figure]:
    counts = dict(
        Contact.objects.for_user(user)
        .order_by()
        .values_list("contact_type")
        .annotate(n=Count("pk"))
        .values_list("contact_type", "n")
    )
    return [
        Figure(
            f"Contacts: {label.lower()}",
            counts.get(value, 0),
            _changelist(Contact, contact_type__exact=value),
        )
        for value, label in Contact.Type.choices
    ]


def _appointment_figure(user, now: datetime) -> Figure:
    until = now + timedelta(days=7)
    count = (
        Appointment.objects.for_user(user)
        .filter(start_time__gte=now, start_time__lt=until, status__in=Appointment.UPCOMING)
        .count()
    )
    return Figure(
        "Appointments in the next 7 days",
        count,
        _changelist(
            Appointment,
            start_time__gte=_iso(now),
            start_time__lt=_iso(until),
            status__in=",".join(Appointment.UPCOMING),
        ),
    )


def _task_figures(user, now: datetime) -> list[Figure]:
    is_open = Q(status__in=Task.OPEN)
    counts = Task.objects.for_user(user).aggregate(
        open=Count("pk", filter=is_open),
        overdue=Count("pk", filter=is_open & Q(due_date__lt=now)),
        mine=Count("pk", filter=is_open & Q(assignee=user.pk)),
    )
    open_statuses = ",".join(Task.OPEN)
    return [
        Figure("Open tasks", counts["open"], _changelist(Task, status__in=open_statuses)),
        Figure(
            "Overdue tasks",
            counts["overdue"],
            _changelist(Task, status__in=open_statuses, due_date__lt=_iso(now)),
        ),
        Figure(
            "Open tasks assigned to me",
            counts["mine"],
            _changelist(Task, status__in=open_statuses, assignee=user.pk),
        ),
    ]


def _new_leads_chart(today: date) -> tuple[list[Bar], int]:
    first_day = today - timedelta(days=CHART_DAYS - 1)
    per_day = dict(
        UsersLead.objects.filter(first_seen_at__gte=_start_of_day(first_day))
        .annotate(day=TruncDate("first_seen_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    peak = max(per_day.values(), default=0)
    width = CHART_WIDTH / CHART_DAYS
    bars = []
    for offset in range(CHART_DAYS):
        day = first_day + timedelta(days=offset)
        count = per_day.get(day, 0)
        height = round(CHART_HEIGHT * count / peak, 1) if peak else 0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(offset * width, 1),
                y=round(CHART_HEIGHT - height, 1),
                width=round(width - CHART_GAP, 1),
                height=height,
                url=_changelist(
                    UsersLead,
                    first_seen_at__gte=_iso(_start_of_day(day)),
                    first_seen_at__lt=_iso(_start_of_day(day + timedelta(days=1))),
                ),
            )
        )
    return bars, peak
