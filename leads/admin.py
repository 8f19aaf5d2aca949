from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    PageSession,
    UsersLead,
)
from leads.services import contact_message_mark_responded, lead_update


class ReadOnlyInline(admin.TabularInline):
    """Submissions and events are written by the services, never typed into admin."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class LeadEventInline(ReadOnlyInline):
    model = LeadEvent
    fields = ["event_type", "created_at", "metadata"]
    readonly_fields = fields


class ChoicesResponseInline(ReadOnlyInline):
    model = ChoicesResponse
    fields = ["choice_key", "choice_value", "created_at"]
    readonly_fields = fields


class EarlyAccessRequestInline(ReadOnlyInline):
    model = EarlyAccessRequest
    fields = ["intent_level", "investment_range", "city", "notes", "created_at"]
    readonly_fields = fields


class ContactMessageInline(ReadOnlyInline):
    model = ContactMessage
    fields = ["subject", "message", "responded", "created_at"]
    readonly_fields = fields


class PageSessionInline(ReadOnlyInline):
    model = PageSession
    fields = ["page", "utm_source", "utm_campaign", "referrer", "created_at"]
    readonly_fields = fields


class NoAddAdmin(admin.ModelAdmin):
    """Lead-capture rows come from the public forms; staff read and annotate them."""

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(UsersLead)
class UsersLeadAdmin(NoAddAdmin):
    list_display = ["email", "name", "phone", "source", "first_seen_at", "last_seen_at"]
    list_filter = ["source", "environment"]
    search_fields = ["email", "name", "phone"]
    readonly_fields = ["email", "source", "environment", "first_seen_at", "last_seen_at"]
    fields = ["email", "name", "phone", *readonly_fields[1:]]
    date_hierarchy = "first_seen_at"
    inlines = [
        ChoicesResponseInline,
        EarlyAccessRequestInline,
        ContactMessageInline,
        PageSessionInline,
        LeadEventInline,
    ]

    def save_model(self, request, obj, form, change) -> None:
        # Staff may only correct name and phone, through the service that records who did.
        lead_update(lead=obj, name=obj.name, phone=obj.phone, by=request.user.get_username())


class LeadChildAdmin(NoAddAdmin):
    # Every list shows the lead's email: fetch it in the same query.
    list_select_related = ["lead"]
    raw_id_fields = ["lead"]
    list_filter = ["environment"]

    @admin.display(description="lead", ordering="lead__email")
    def lead_email(self, obj) -> str:
        return obj.lead.email if obj.lead else "—"


@admin.register(LeadEvent)
class LeadEventAdmin(LeadChildAdmin):
    list_display = ["event_type", "lead_email", "created_at"]
    list_filter = ["event_type", "environment"]
    search_fields = ["lead__email"]
    readonly_fields = ["lead", "event_type", "metadata", "created_at", "environment"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChoicesResponse)
class ChoicesResponseAdmin(LeadChildAdmin):
    list_display = ["choice_key", "choice_value", "lead_email", "created_at"]
    list_filter = ["choice_key", "environment"]
    search_fields = ["lead__email", "choice_value"]
    readonly_fields = ["lead", "choice_key", "choice_value", "created_at", "environment"]


@admin.register(EarlyAccessRequest)
class EarlyAccessRequestAdmin(LeadChildAdmin):
    list_display = ["lead_email", "intent_level", "investment_range", "city", "created_at"]
    list_filter = ["intent_level", "investment_range", "environment"]
    search_fields = ["lead__email", "lead__name", "city"]
    readonly_fields = ["created_at", "environment"]


@admin.register(ContactMessage)
class ContactMessageAdmin(LeadChildAdmin):
    list_display = ["subject", "lead_email", "responded", "created_at"]
    list_filter = ["responded", "environment"]
    search_fields = ["lead__email", "lead__name", "subject", "message"]
    readonly_fields = ["lead", "subject", "message", "responded", "created_at", "environment"]
    actions = ["mark_responded"]

    @admin.action(description="Mark selected messages as responded")
    def mark_responded(self, request: HttpRequest, queryset: QuerySet[ContactMessage]) -> None:
        pending = queryset.filter(responded=False)
        count = 0
        for message in pending:
            contact_message_mark_responded(message=message, by=request.user.get_username())
            count += 1
        self.message_user(request, f"{count} message(s) marked as responded.", messages.SUCCESS)


@admin.register(PageSession)
class PageSessionAdmin(LeadChildAdmin):
    list_display = ["page", "utm_source", "utm_campaign", "referrer", "lead_email", "created_at"]
    list_filter = ["utm_source", "environment"]
    search_fields = ["page", "utm_source", "utm_campaign", "referrer", "lead__email"]
    readonly_fields = [
        "lead",
        "visitor_key",
        "page",
        "referrer",
        "utm_source",
        "utm_campaign",
        "created_at",
        "environment",
    ]
