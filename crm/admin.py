from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from crm import services
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


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "type", "created_at"]
    list_filter = ["type"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]


class ContactIntegrationInline(admin.TabularInline):
    model = ContactIntegration
    extra = 0
    readonly_fields = ["last_sync_at", "created_at", "updated_at"]


class ContactTagInline(admin.TabularInline):
    model = ContactTag
    extra = 0
    autocomplete_fields = ["tag"]
    readonly_fields = ["created_at"]


class ContactNoteInline(admin.TabularInline):
    model = ContactNote
    extra = 0
    fields = ["content", "author", "created_at"]
    readonly_fields = ["content", "author", "created_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class OpenTaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["title", "status", "priority", "due_date", "assignee"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name_plural = "open tasks"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status__in=Task.OPEN).select_related("assignee")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_type", "email", "phone", "organization", "parent_contact"]
    list_filter = ["contact_type", "organization", "tags"]
    # The list shows each contact's organization and parent: join them instead of N queries.
    list_select_related = ["organization", "parent_contact"]
    search_fields = ["name", "email", "phone"]
    autocomplete_fields = ["organization", "parent_contact"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "organization",
        "contact_type",
        "parent_contact",
        "name",
        "email",
        "phone",
        "address",
        "timezone",
        "custom_fields",
        "created_at",
        "updated_at",
    ]
    inlines = [ContactTagInline, ContactNoteInline, OpenTaskInline, ContactIntegrationInline]

    def get_readonly_fields(self, request, obj=None):
        # A contact stays in its organization: its records, tags and parent all live there.
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "organization"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        # The form has validated; the services write (normalized input, hierarchy lock).
        if not change:
            contact = services.contact_create(
                organization=obj.organization,
                parent_contact=obj.parent_contact,
                **{field: getattr(obj, field) for field in services.CONTACT_UPDATABLE_FIELDS},
            )
            # The inlines are saved against ``obj``: make it the row the service created.
            vars(obj).update(vars(contact))
            return
        data = {
            field: getattr(obj, field)
            for field in form.changed_data
            if field in services.CONTACT_UPDATABLE_FIELDS
        }
        if data:
            services.contact_update(contact=obj, data=data)
        if "parent_contact" in form.changed_data:
            services.contact_move(contact=obj, parent=obj.parent_contact)
        obj.refresh_from_db()


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "created_at"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]


@admin.register(ContactIntegration)
class ContactIntegrationAdmin(admin.ModelAdmin):
    list_display = ["provider", "external_id", "contact", "sync_status", "last_sync_at"]
    list_filter = ["provider", "sync_status"]
    list_select_related = ["contact"]
    search_fields = ["external_id", "contact__name", "contact__email"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["created_at", "updated_at"]


class ContactRecordAdmin(admin.ModelAdmin):
    """The organization is always the contact's; it is shown, never typed."""

    list_select_related = ["contact", "organization"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["organization", "created_at", "updated_at"]
    search_fields = ["contact__name", "contact__email"]

    def save_model(self, request, obj, form, change):
        obj.organization_id = obj.contact.organization_id
        super().save_model(request, obj, form, change)


def _run_service(modeladmin, request, queryset, service, argument: str, done: str) -> None:
    succeeded, failed = 0, []
    for obj in queryset:
        try:
            service(**{argument: obj})
            succeeded += 1
        except ValidationError as exc:
            failed.append(f"{obj}: {' '.join(exc.messages)}")
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)
    for message in failed:
        modeladmin.message_user(request, message, messages.ERROR)


@admin.register(ContactNote)
class ContactNoteAdmin(ContactRecordAdmin):
    list_display = ["__str__", "contact", "author", "created_at"]
    list_filter = ["organization"]
    list_select_related = ["contact", "organization", "author"]
    search_fields = ["content", "contact__name"]


@admin.register(Appointment)
class AppointmentAdmin(ContactRecordAdmin):
    list_display = ["title", "contact", "start_time", "end_time", "status", "location"]
    list_filter = ["status", "organization", "calendar_provider"]
    search_fields = ["title", "location", "contact__name", "contact__email"]
    date_hierarchy = "start_time"
    # Status moves only through the actions (the services know the allowed transitions).
    readonly_fields = ["organization", "status", "created_at", "updated_at"]
    actions = ["confirm", "cancel", "complete"]

    @admin.action(description="Confirm the selected appointments")
    def confirm(self, request, queryset):
        _run_service(
            self, request, queryset, services.appointment_confirm, "appointment", "confirmed"
        )

    @admin.action(description="Cancel the selected appointments")
    def cancel(self, request, queryset):
        _run_service(
            self, request, queryset, services.appointment_cancel, "appointment", "cancelled"
        )

    @admin.action(description="Mark the selected appointments as completed")
    def complete(self, request, queryset):
        _run_service(
            self, request, queryset, services.appointment_complete, "appointment", "completed"
        )


@admin.register(Message)
class MessageAdmin(ContactRecordAdmin):
    list_display = ["__str__", "contact", "status", "sent_at", "delivered_at", "read_at"]
    list_filter = ["direction", "channel", "status", "organization"]
    search_fields = ["content", "external_id", "contact__name", "contact__email"]
    date_hierarchy = "sent_at"
    readonly_fields = [
        "organization",
        "status",
        "delivered_at",
        "read_at",
        "created_at",
        "updated_at",
    ]


@admin.register(Task)
class TaskAdmin(ContactRecordAdmin):
    list_display = ["title", "contact", "status", "priority", "due_date", "assignee"]
    list_filter = ["status", "priority", "organization"]
    list_select_related = ["contact", "organization", "assignee"]
    search_fields = ["title", "contact__name"]
    readonly_fields = ["organization", "status", "completed_at", "created_at", "updated_at"]
    actions = ["start", "complete", "cancel"]

    @admin.action(description="Mark the selected tasks as in progress")
    def start(self, request, queryset):
        _run_service(self, request, queryset, services.task_start, "task", "started")

    @admin.action(description="Mark the selected tasks as completed")
    def complete(self, request, queryset):
        _run_service(self, request, queryset, services.task_complete, "task", "completed")

    @admin.action(description="Cancel the selected tasks")
    def cancel(self, request, queryset):
        _run_service(self, request, queryset, services.task_cancel, "task", "cancelled")
