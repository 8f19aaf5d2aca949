"""A ``date_hierarchy`` that stays cheap on a big table.

Django's date drill-down lists the years, months or days that hold rows with
``SELECT DISTINCT date_trunc(...)`` over every matching row: a full scan at any size. Here each
period is found with one probe along the date column's index ("the first row at or after the
start of the next period"), so the cost is one index lookup per period shown (at most 32).
"""

from datetime import datetime, timedelta
from functools import cache

from django.db.models import QuerySet
from django.utils import timezone

# A day view shows at most 31 days; years are few. A runaway loop is impossible either way.
MAX_PERIODS = 40


def _truncate(value: datetime, kind: str) -> datetime:
    if kind == "year":
        return value.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if kind == "month":
        return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


def _next(start: datetime, kind: str) -> datetime:
    if kind == "year":
        naive = start.replace(tzinfo=None, year=start.year + 1)
    elif kind == "month":
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        naive = start.replace(tzinfo=None, year=year, month=month)
    else:
        naive = start.replace(tzinfo=None) + timedelta(days=1)
    # Re-attach the zone for the new wall-clock time (a DST change may lie in between).
    return timezone.make_aware(naive, start.tzinfo) if timezone.is_aware(start) else naive


class ProbedDatesQuerySet(QuerySet):
    """A queryset whose ``datetimes()``/``dates()`` probe an index instead of scanning."""

    def _probe(self, field_name: str, kind: str, convert) -> list:
        if kind not in ("year", "month", "day"):
            return None
        found = []
        ordered = self.order_by(field_name)
        lower = None
        for _ in range(MAX_PERIODS):
            candidates = (
                ordered if lower is None else ordered.filter(**{f"{field_name}__gte": lower})
            )
            value = candidates.values_list(field_name, flat=True).first()
            if value is None:
                break
            start = _truncate(convert(value), kind)
            found.append(start)
            lower = _next(start, kind)
        return found

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        def local(value):
            return timezone.localtime(value, tzinfo) if timezone.is_aware(value) else value

        found = self._probe(field_name, kind, local)
        if found is None:
            return super().datetimes(field_name, kind, order=order, tzinfo=tzinfo)
        return found if order == "ASC" else found[::-1]

    def dates(self, field_name, kind, order="ASC"):
        def as_datetime(value):
            return datetime(value.year, value.month, value.day)

        found = self._probe(field_name, kind, as_datetime)
        if found is None:
            return super().dates(field_name, kind, order=order)
        days = [value.date() for value in found]
        return days if order == "ASC" else days[::-1]


@cache
def _probed_class(queryset_class: type) -> type:
    if issubclass(queryset_class, ProbedDatesQuerySet):
        return queryset_class
    return type(f"Probed{queryset_class.__name__}", (ProbedDatesQuerySet, queryset_class), {})


def with_probed_dates(queryset: QuerySet) -> QuerySet:
    """Return ``queryset`` as a ``ProbedDatesQuerySet`` (same rows, cheap date drill-down)."""
    clone = queryset._chain()
    clone.__class__ = _probed_class(type(queryset))
    return clone
