"""A ``date_hierarchy`` that stays cheap on a big table.

Django's date drill-down lists the years, months or days that hold rows with
``SELECT DISTINCT date_trunc(...)`` over every matching row: a full scan at any size. Here each
period is found with one probe along the date column's index ("the first row at or after the
start of the next period"), so the cost is one index lookup per period shown (at most 32).
"""

from datetime import datetime, timedelta
from functools import cache

from django.db.models import F, Max, Min, QuerySet
from django.utils import timezone

from core.paginator import planner_row_estimate

# A day view shows at most 31 days; years are few. A runaway loop is impossible either way.
MAX_PERIODS = 40
# Filtered sets the planner expects below this many rows are read whole.
SMALL_SET = 5000


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
    """A queryset whose ``datetimes()``/``dates()`` probe an index instead of scanning.

    A filtered list the planner expects to be small (a search) is the exception: walking the
    date index for its few rows would read most of the table ("ORDER BY date LIMIT 1" with a
    selective filter), so its dates are read from the matching rows themselves.
    """

    def _few_values(self, field_name: str) -> list | None:
        """Return every value of ``field_name`` if the filtered set is small, else None."""
        cache = self.__dict__.setdefault("_few_values_cache", {})
        if field_name in cache:
            return cache[field_name]
        values = None
        if self.query.where:
            estimate = planner_row_estimate(self)
            if estimate is not None and estimate < SMALL_SET:
                values = list(self.order_by().values_list(field_name, flat=True)[: SMALL_SET + 1])
                values = values if len(values) <= SMALL_SET else None
        cache[field_name] = values
        return values

    def aggregate(self, *args, **kwargs):
        # Django's date drill-down asks for Min and Max of the date field first.
        if (
            not args
            and kwargs
            and all(
                isinstance(agg, (Min, Max)) and isinstance(agg.source_expressions[0], F)
                for agg in kwargs.values()
            )
        ):
            names = {agg.source_expressions[0].name for agg in kwargs.values()}
            if len(names) == 1:
                values = self._few_values(names.pop())
                if values is not None:
                    return {
                        key: (min if isinstance(agg, Min) else max)(values, default=None)
                        for key, agg in kwargs.items()
                    }
        return super().aggregate(*args, **kwargs)

    def _probe(self, field_name: str, kind: str, convert) -> list:
        if kind not in ("year", "month", "day"):
            return None
        few = self._few_values(field_name)
        if few is not None:
            return sorted({_truncate(convert(value), kind) for value in few if value is not None})
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
