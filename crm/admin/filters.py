"""The CRM lists' filters."""

from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.admin_scoping import ScopedRelatedFieldListFilter
from crm.forms import (
    contact_label,
    tag_label,
)
from crm.models import (
    Contact,
    Tag,
    Task,
)


class ScopedTagListFilter(ScopedRelatedFieldListFilter):
    """The tags filter, each tag named with its organization."""

    def field_choices(self, field, request, model_admin):
        tags = Tag.objects.for_user(request.user).select_related("organization")
        return [(tag.pk, tag_label(tag)) for tag in tags.order_by("name", "organization__name")]


class ParentContactFilter(admin.SimpleListFilter):
    """ "Patients of this clinic": the contacts under one parent (the contact page links here)."""

    title = "parent"
    parameter_name = "parent"
    TOP_LEVEL = "none"

    def lookups(self, request, model_admin):
        # Listing every possible parent would read the whole table: offer the chosen one only.
        choices = [(self.TOP_LEVEL, "No parent (top level)")]
        value = self.value()
        if value and value != self.TOP_LEVEL:
            try:
                parent = (
                    Contact.objects.for_user(request.user)
                    .select_related("organization")
                    .filter(pk=value)
                    .first()
                )
            except ValidationError:
                parent = None
            if parent is not None:
                choices.append((str(parent.pk), contact_label(parent)))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == self.TOP_LEVEL:
            return queryset.filter(parent_contact__isnull=True)
        try:
            return queryset.filter(parent_contact_id=value)
        except ValidationError:
            return queryset.none()


ORGANIZATION_FILTER = ("organization", ScopedRelatedFieldListFilter)


class TimeRangeFilter(admin.SimpleListFilter):
    """Ranges of one timestamp (a range scan on its index); replaces a date hierarchy, whose
    list of years reads every row of the table."""

    field_name = ""
    # (value, label, days from today where the range starts, days where it ends)
    RANGES: list[tuple[str, str, int | None, int | None]] = []

    def lookups(self, request, model_admin):
        return [(value, label) for value, label, _, _ in self.RANGES]

    def queryset(self, request, queryset):
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        for value, _, start, end in self.RANGES:
            if self.value() != value:
                continue
            if start is not None:
                queryset = queryset.filter(
                    **{f"{self.field_name}__gte": today + timedelta(days=start)}
                )
            if end is not None:
                queryset = queryset.filter(
                    **{f"{self.field_name}__lt": today + timedelta(days=end)}
                )
        return queryset


class AppointmentStartFilter(TimeRangeFilter):
    title = "starts"
    parameter_name = "starts"
    field_name = "start_time"
    RANGES = [
        ("today", "Today", 0, 1),
        ("next7", "Next 7 days", 0, 8),
        ("upcoming", "From today on", 0, None),
        ("past30", "Past 30 days", -30, 0),
        ("past", "Before today", None, 0),
    ]


class TaskDueFilter(admin.SimpleListFilter):
    """Open tasks by when they are due ("overdue" is what the dashboard links to)."""

    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue (open)"),
            ("today", "Due today (open)"),
            ("next7", "Due in the next 7 days (open)"),
            ("none", "No due date"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        open_tasks = queryset.filter(status__in=Task.OPEN)
        match self.value():
            case "overdue":
                return open_tasks.filter(due_date__lt=now)
            case "today":
                return open_tasks.filter(due_date__gte=today, due_date__lt=today + timedelta(1))
            case "next7":
                return open_tasks.filter(due_date__gte=now, due_date__lt=today + timedelta(8))
            case "none":
                return queryset.filter(due_date__isnull=True)
        return queryset


class TaskAssigneeFilter(admin.SimpleListFilter):
    """ "Assigned to me" without listing every staff member."""

    title = "assignee"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("nobody", "Unassigned")]

    def queryset(self, request, queryset):
        match self.value():
            case "me":
                return queryset.filter(assignee=request.user)
            case "nobody":
                return queryset.filter(assignee__isnull=True)
        return queryset


class MessageSentFilter(TimeRangeFilter):
    title = "sent"
    parameter_name = "sent"
    field_name = "sent_at"
    RANGES = [
        ("today", "Today", 0, 1),
        ("past7", "Past 7 days", -6, 1),
        ("past30", "Past 30 days", -29, 1),
    ]


class AppointmentOwnerFilter(admin.SimpleListFilter):
    """ "My appointments" without listing every staff member."""

    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("me", "Mine"), ("nobody", "No owner")]

    def queryset(self, request, queryset):
        match self.value():
            case "me":
                return queryset.filter(owner=request.user)
            case "nobody":
                return queryset.filter(owner__isnull=True)
        return queryset
