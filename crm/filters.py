"""django-filter FilterSets for the CRM (used by the staff API's lists)."""

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTransform

from core.api_filters import DateTimeRangeFilter, StaffUserFilter
from core.search import name_search_q
from crm.custom_fields import MAX_KEY_LENGTH
from crm.models import (
    Appointment,
    Contact,
    ContactIntegration,
    ContactNote,
    ContactTag,
    Message,
    Organization,
    Tag,
    Task,
)


def _json_candidates(raw: str) -> list:
    """Return the JSON values a query-string ``raw`` may stand for: "4" matches "4" and 4."""
    candidates: list = [raw]
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        candidates.append(lowered == "true")
    try:
        candidates.append(int(raw))
    except ValueError:
        try:
            number = float(raw)
        except ValueError:
            pass
        else:
            if number == number and number not in (float("inf"), float("-inf")):
                candidates.append(number)
    return candidates


class ContactFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(method="filter_tag", help_text="A tag name (any case).")
    contact_type = django_filters.ChoiceFilter(choices=Contact.Type.choices)
    organization = django_filters.UUIDFilter(field_name="organization_id")
    parent_contact = django_filters.UUIDFilter(field_name="parent_contact_id")
    has_parent = django_filters.BooleanFilter(
        field_name="parent_contact", lookup_expr="isnull", exclude=True
    )
    q = django_filters.CharFilter(
        method="filter_search", help_text="Text in the name, email or phone."
    )
    created_at = DateTimeRangeFilter(
        help_text="created_at_after / created_at_before: an ISO 8601 range."
    )
    custom_field = django_filters.CharFilter(
        method="filter_custom_field",
        max_length=MAX_KEY_LENGTH,
        help_text="Contacts whose custom fields have this key (with custom_value: this value).",
    )
    custom_value = django_filters.CharFilter(
        method="filter_noop",
        help_text="With custom_field: the value (text; numbers and true/false match too).",
    )

    class Meta:
        model = Contact
        fields = [
            "organization",
            "tag",
            "contact_type",
            "parent_contact",
            "has_parent",
            "q",
            "created_at",
            "custom_field",
            "custom_value",
        ]

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # EXISTS, not a join: a contact appears once whatever its tags, with no DISTINCT.
        tagged = ContactTag.objects.filter(contact=OuterRef("pk"), tag__name__iexact=value)
        return queryset.filter(Exists(tagged))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            name_search_q(value) | Q(email__icontains=value) | Q(phone__icontains=value)
        )

    def filter_custom_field(self, queryset: QuerySet, name: str, key: str) -> QuerySet:
        # KeyTransform passes the key as a parameter: any text is a key, never a lookup path.
        if "custom_value" not in self.data:
            return queryset.filter(custom_fields__has_key=key)
        match = Q()
        for candidate in _json_candidates(self.data["custom_value"]):
            match |= Q(_custom_value=candidate)
        return queryset.alias(_custom_value=KeyTransform(key, "custom_fields")).filter(match)

    def filter_noop(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Organization
        fields = ["type", "q"]


class ContactRecordFilter(django_filters.FilterSet):
    """What every list of a contact's records filters by."""

    contact = django_filters.UUIDFilter(field_name="contact_id")
    organization = django_filters.UUIDFilter(field_name="organization_id")
    created_at = DateTimeRangeFilter()


class ContactNoteFilter(ContactRecordFilter):
    author = django_filters.NumberFilter(field_name="author_id")
    q = django_filters.CharFilter(field_name="content", lookup_expr="icontains")

    class Meta:
        model = ContactNote
        fields = ["contact", "organization", "author", "created_at", "q"]


class AppointmentFilter(ContactRecordFilter):
    start_time = DateTimeRangeFilter()
    upcoming = django_filters.BooleanFilter(method="filter_upcoming")
    owner = StaffUserFilter(noun="appointments")

    class Meta:
        model = Appointment
        fields = [
            "contact",
            "organization",
            "status",
            "owner",
            "start_time",
            "upcoming",
            "created_at",
        ]

    def filter_upcoming(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        upcoming = Q(status__in=Appointment.UPCOMING)
        return queryset.filter(upcoming if value else ~upcoming)


class MessageFilter(ContactRecordFilter):
    sent_at = DateTimeRangeFilter()

    class Meta:
        model = Message
        fields = ["contact", "organization", "direction", "channel", "status", "sent_at"]


class TaskFilter(ContactRecordFilter):
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    due_date = DateTimeRangeFilter()
    open = django_filters.BooleanFilter(method="filter_open", help_text="Pending or in progress.")

    class Meta:
        model = Task
        fields = ["contact", "organization", "status", "priority", "assignee", "due_date", "open"]

    def filter_open(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        is_open = Q(status__in=Task.OPEN)
        return queryset.filter(is_open if value else ~is_open)


class TagFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization_id")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Tag
        fields = ["organization", "q"]


class ContactIntegrationFilter(django_filters.FilterSet):
    contact = django_filters.UUIDFilter(field_name="contact_id")
    provider = django_filters.CharFilter()
    external_id = django_filters.CharFilter()

    class Meta:
        model = ContactIntegration
        fields = ["contact", "provider", "sync_status", "external_id"]
