"""Filters shared by the staff API's FilterSets."""

from datetime import UTC, datetime

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeRangeField


def _utc(moment: datetime | None) -> datetime | None:
    # PostgreSQL refuses offsets beyond ±15:59 (ISO 8601 allows ±23:59): compare in UTC.
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise forms.ValidationError("This date and time is out of range.") from exc


class UtcIsoDateTimeRangeField(IsoDateTimeRangeField):
    def compress(self, data_list):
        value = super().compress(data_list)
        if value is None:
            return None
        return slice(_utc(value.start), _utc(value.stop))


class DateTimeRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    """``<name>_after`` / ``<name>_before``: an ISO 8601 range, any offset, compared in UTC."""

    field_class = UtcIsoDateTimeRangeField
