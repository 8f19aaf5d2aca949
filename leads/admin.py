from django.contrib import admin

from leads.models import ChoiceResponse, ContactUs, EarlyAccessUser, Lead, WaitlistEntry


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["email", "name"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["user"]


class ChoiceResponseInline(admin.TabularInline):
    model = ChoiceResponse
    extra = 0
    readonly_fields = ["created_at"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "source", "anonymous", "created_at"]
    list_filter = ["anonymous", "source"]
    search_fields = ["email", "name"]
    readonly_fields = ["created_at"]
    inlines = [ChoiceResponseInline]


@admin.register(ChoiceResponse)
class ChoiceResponseAdmin(admin.ModelAdmin):
    list_display = ["intent", "nps", "lead", "created_at"]
    list_filter = ["intent"]
    list_select_related = ["lead"]
    search_fields = ["lead__email"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["lead"]


@admin.register(ContactUs)
class ContactUsAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "handled", "source", "created_at"]
    list_filter = ["handled"]
    search_fields = ["name", "email", "message"]
    readonly_fields = ["created_at"]


@admin.register(EarlyAccessUser)
class EarlyAccessUserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "investment_intent", "expected_investment_range", "created_at"]
    list_filter = ["investment_intent", "expected_investment_range", "preferred_property_type"]
    search_fields = ["email", "name"]
    readonly_fields = ["created_at"]
