"""Filters shared by the staff API's FilterSets."""

from datetime import UTC, datetime

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeRangeField
from rest_framework.exceptions import ValidationError


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


class StaffUserFilter(django_filters.CharFilter):
    """A staff user field filtered by ``me`` (the caller), ``none`` or a user's id."""

    def __init__(self, *args, noun: str = "rows", **kwargs):
        kwargs.setdefault(
            "help_text", f"`me` for your own {noun}, `none` for unowned ones, or a staff user's id."
        )
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        value = (value or "").strip().lower()
        if not value:
            return queryset
        if value == "me":
            return queryset.filter(**{self.field_name: self.parent.request.user})
        if value == "none":
            return queryset.filter(**{f"{self.field_name}__isnull": True})
        if not value.isdigit():
            raise ValidationError({self.field_name: "Use `me`, `none` or a staff user's id."})
        return queryset.filter(**{f"{self.field_name}_id": int(value)})
