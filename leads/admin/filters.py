"""The lead list's and the submission lists' filters."""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from leads.models import (
    ChoiceKey,
    PropertyType,
)


class FirstSeenFilter(admin.SimpleListFilter):
    title = "first seen"
    parameter_name = "first_seen"

    PERIODS = {"today": "Today", "7d": "Last 7 days", "30d": "Last 30 days"}

    def lookups(self, request, model_admin):
        return list(self.PERIODS.items())

    # Calendar days, as the dashboard counts them: today, and today with the 6 or 29 before it.
    DAYS_BEFORE = {"today": 0, "7d": 6, "30d": 29}

    def queryset(self, request, queryset):
        days = self.DAYS_BEFORE.get(self.value())
        if days is None:
            return queryset
        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        return queryset.filter(first_seen_at__gte=midnight - timedelta(days=days))


class ConvertedFilter(admin.SimpleListFilter):
    title = "converted"
    parameter_name = "converted"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(converted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(converted_at__isnull=True)
        return queryset


class PreferredPropertyTypeFilter(admin.SimpleListFilter):
    title = "preferred property type"
    parameter_name = "property_type"

    def lookups(self, request, model_admin):
        return [*PropertyType.choices, ("none", "Not given")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(preferred_property_type="")
        if value in PropertyType.values:
            return queryset.filter(preferred_property_type=value)
        return queryset


class ChoiceKeyFilter(admin.SimpleListFilter):
    # The known keys, not Django's DISTINCT over the whole table.
    title = "question"
    parameter_name = "choice_key"

    def lookups(self, request, model_admin):
        return ChoiceKey.choices

    def queryset(self, request, queryset):
        return queryset.filter(choice_key=self.value()) if self.value() else queryset


class OwnerFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("me", "My leads"), ("none", "Unowned")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(owner=request.user)
        if self.value() == "none":
            return queryset.filter(owner__isnull=True)
        return queryset
