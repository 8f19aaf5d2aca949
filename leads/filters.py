"""django-filter FilterSets for the leads' staff API (leads/staff_apis.py)."""

import django_filters
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError

from core.api_filters import DateTimeRangeFilter
from core.search import name_search_q
from leads.models import LeadEvent, UsersLead


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", help_text="Text in the email or name.")
    email = django_filters.CharFilter(lookup_expr="iexact")
    converted = django_filters.BooleanFilter(
        field_name="converted_at", lookup_expr="isnull", exclude=True
    )
    converted_contact = django_filters.UUIDFilter(field_name="converted_contact_id")
    first_seen_at = DateTimeRangeFilter()
    last_seen_at = DateTimeRangeFilter()
    owner = django_filters.CharFilter(
        method="filter_owner",
        help_text="`me` for your own leads, `none` for unowned ones, or a staff user's id.",
    )

    class Meta:
        model = UsersLead
        fields = [
            "q",
            "status",
            "owner",
            "email",
            "source",
            "environment",
            "converted",
            "converted_contact",
            "first_seen_at",
            "last_seen_at",
        ]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(email__icontains=value) | name_search_q(value))

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip().lower()
        if value == "me":
            return queryset.filter(owner=self.request.user)
        if value == "none":
            return queryset.filter(owner__isnull=True)
        if not value.isdigit():
            raise ValidationError({"owner": "Use `me`, `none` or a staff user's id."})
        return queryset.filter(owner_id=int(value))


class LeadEventFilter(django_filters.FilterSet):
    lead = django_filters.UUIDFilter(field_name="lead_id")
    created_at = DateTimeRangeFilter()

    class Meta:
        model = LeadEvent
        fields = ["lead", "event_type", "environment", "created_at"]
