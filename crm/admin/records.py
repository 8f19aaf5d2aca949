"""Notes, messages and tasks about contacts."""

from django.contrib import admin

from crm import services
from crm.admin.bases import ContactRecordAdmin, StaffPickerAdminMixin, run_service_on_each
from crm.admin.filters import (
    ORGANIZATION_FILTER,
    MessageSentFilter,
    TaskAssigneeFilter,
    TaskDueFilter,
)
from crm.forms import (
    TaskAdminForm,
)
from crm.models import (
    ContactNote,
    Message,
    Task,
)


@admin.register(ContactNote)
class ContactNoteAdmin(ContactRecordAdmin):
    list_display = ["__str__", "contact", "author", "created_at"]
    list_select_related = ["contact", "organization", "author"]
    search_fields = ["content", "contact__name"]
    # The author is whoever wrote the note: never typed.
    readonly_fields = ["organization", "author", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if change:
            note = services.contact_note_update(
                note=obj, data=self.changed_values(obj, form, ("contact", "content"))
            )
        else:
            note = services.contact_note_create(
                contact=obj.contact, content=obj.content, author=request.user
            )
        vars(obj).update(vars(note))


@admin.register(Message)
class MessageAdmin(ContactRecordAdmin):
    list_display = ["__str__", "contact", "status", "sent_at", "delivered_at", "read_at"]
    list_filter = [MessageSentFilter, "direction", "channel", "status", ORGANIZATION_FILTER]
    search_fields = ["content", "external_id", "contact__name", "contact__email"]
    readonly_fields = [
        "organization",
        "status",
        "delivered_at",
        "read_at",
        "created_at",
        "updated_at",
    ]

    def save_model(self, request, obj, form, change):
        if change:
            message = services.message_update(
                message=obj,
                data=self.changed_values(obj, form, services.MESSAGE_UPDATABLE_FIELDS),
            )
        else:
            message = services.message_log(
                contact=obj.contact,
                direction=obj.direction,
                channel=obj.channel,
                subject=obj.subject,
                content=obj.content,
                sent_at=obj.sent_at,
                provider=obj.provider,
                external_id=obj.external_id,
            )
        vars(obj).update(vars(message))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "channel" and field is not None:
            # This form only records what happened elsewhere; only email leaves the system.
            field.help_text = MESSAGE_CHANNEL_HELP
        return field


# Where staff log a message by hand (the admin form, the API): nothing is sent from there.
MESSAGE_CHANNEL_HELP = (
    "This records a message; it sends nothing. SMS and chat messages are logged, not sent. "
    "To email the contact, use “Send an email” on the contact's page."
)


@admin.register(Task)
class TaskAdmin(StaffPickerAdminMixin, ContactRecordAdmin):
    list_display = ["title", "contact", "status", "priority", "due_date", "assignee"]
    list_filter = ["status", TaskDueFilter, TaskAssigneeFilter, "priority", ORGANIZATION_FILTER]
    list_select_related = ["contact", "organization", "assignee"]
    search_fields = ["title", "contact__name"]
    readonly_fields = [
        "organization",
        "status",
        "completed_at",
        "due_reminder_for",
        "created_at",
        "updated_at",
    ]
    actions = ["start", "complete", "cancel"]
    form = TaskAdminForm
    staff_picker_field = "assignee"

    def save_model(self, request, obj, form, change):
        if change:
            task = services.task_update(
                task=obj, data=self.changed_values(obj, form, services.TASK_UPDATABLE_FIELDS)
            )
        else:
            task = services.task_create(
                contact=obj.contact,
                title=obj.title,
                description=obj.description,
                due_date=obj.due_date,
                priority=obj.priority,
                assignee=obj.assignee,
            )
        vars(obj).update(vars(task))

    @admin.action(description="Mark the selected tasks as in progress")
    def start(self, request, queryset):
        run_service_on_each(self, request, queryset, services.task_start, "task", "started")

    @admin.action(description="Mark the selected tasks as completed")
    def complete(self, request, queryset):
        run_service_on_each(self, request, queryset, services.task_complete, "task", "completed")

    @admin.action(description="Cancel the selected tasks")
    def cancel(self, request, queryset):
        run_service_on_each(self, request, queryset, services.task_cancel, "task", "cancelled")
