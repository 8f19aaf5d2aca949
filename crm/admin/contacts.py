"""The contact list and page, tags and integrations."""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from core.exports import ColumnsExportForm
from core.search import PeopleSearchMixin
from crm import services
from crm.admin.bases import (
    WorkspaceAdmin,
    WorkspaceTabularInline,
)
from crm.admin.contact_page import ContactPageMixin
from crm.admin.contact_transfer import ContactImportExportMixin
from crm.admin.filters import ORGANIZATION_FILTER, ParentContactFilter, ScopedTagListFilter
from crm.forms import (
    BulkTagForm,
    ContactConfirmImportForm,
    ContactImportForm,
    TagChoiceField,
    contact_label,
    tag_label,
)
from crm.models import (
    Contact,
    ContactIntegration,
    ContactTag,
    Tag,
    Task,
)
from crm.resources import ContactResource
from crm.services.tags import contacts_add_tag, contacts_remove_tag
from crm.widgets import CustomFieldsField
from exports.admin_mixins import BackgroundExportMixin, BackgroundImportMixin


class ContactIntegrationInline(WorkspaceTabularInline):
    model = ContactIntegration
    fields = ["provider", "external_id", "sync_status", "last_sync_at"]
    readonly_fields = ["last_sync_at", "created_at", "updated_at"]


class ContactTagInline(WorkspaceTabularInline):
    model = ContactTag
    fields = ["tag", "created_at"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        # Each row is titled "tag on contact": select both instead of two queries per row.
        return super().get_queryset(request).select_related("tag", "contact")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        organization_id = obj.organization_id if obj is not None else None
        user = request.user

        class TagChoicesOnce(formset):
            """Offer the contact's organization's tags, read once for all the rows."""

            def add_fields(self, form, index):
                super().add_fields(form, index)
                if not hasattr(self, "_tag_choices"):
                    tags = Tag.objects.for_user(user)
                    if organization_id is not None:
                        tags = tags.filter(organization_id=organization_id)
                    field = TagChoiceField(tags.order_by("name"), required=False)
                    self._tag_choices = list(field.choices)
                field = form.fields["tag"]
                field.choices = self._tag_choices
                widget = field.widget
                while hasattr(widget, "widget"):  # the admin's "+ add" wrapper
                    widget.choices = self._tag_choices
                    widget = widget.widget
                widget.choices = self._tag_choices

        return TagChoicesOnce


class OpenTaskInline(WorkspaceTabularInline):
    model = Task
    fields = ["task", "status", "priority", "due_date", "assignee"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "open tasks"
    # Each row's title is its link; Django's copy of the title above the row is left out
    # (contact.css).
    classes = ["open-tasks"]

    @admin.display(description="title")
    def task(self, task: Task) -> str:
        url = reverse("admin:crm_task_change", args=[quote(task.pk)])
        return format_html('<a href="{}">{}</a>', url, task.title)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status__in=Task.OPEN).select_related("assignee")

    def has_add_permission(self, request, obj=None):
        return False


# Other apps add sections to the contact page through crm/contact_sections.py (lms: the
# contact's courses); crm never imports them.


@admin.register(Contact)
class ContactAdmin(
    PeopleSearchMixin,
    ContactPageMixin,
    ContactImportExportMixin,
    BackgroundExportMixin,
    BackgroundImportMixin,
    ImportExportMixin,
    WorkspaceAdmin,
):
    actions = ["add_tag", "remove_tag"]
    list_display = ["name", "contact_type", "email", "phone", "organization", "parent_contact"]
    list_filter = [
        "contact_type",
        ORGANIZATION_FILTER,
        ("tags", ScopedTagListFilter),
        ParentContactFilter,
    ]
    # The list shows each contact's organization and parent: join them instead of N queries.
    list_select_related = ["organization", "parent_contact"]
    # Names, emails and phones match anywhere (trigram indexes, crm 0009 and 0012); a phone
    # also by its digits, whatever the spacing or +91 (core/search.py).
    search_fields = ["name", "email", "phone"]
    search_help_text = "Any part of a name, an email or a phone number (spacing and +91 ignored)."
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
    inlines = [ContactTagInline, OpenTaskInline, ContactIntegrationInline]

    # Import and export (django-import-export): crm.import_contact / crm.export_contact.
    resource_classes = [ContactResource]
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    import_form_class = ContactImportForm
    confirm_form_class = ContactConfirmImportForm
    export_form_class = ColumnsExportForm
    import_template_name = "admin/crm/contact/import.html"

    def autocomplete_label(self, contact: Contact) -> str:
        return contact_label(contact)

    def get_queryset(self, request):
        # The list, the change page, the pickers and autocomplete all name the organization
        # (and the list and page the parent). Set here, as Django skips list_select_related
        # once a queryset selects anything.
        return super().get_queryset(request).select_related("organization", "parent_contact")

    def get_readonly_fields(self, request, obj=None):
        # A contact stays in its organization: its records, tags and parent all live there.
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "organization"] if obj is not None else readonly

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "custom_fields":
            return CustomFieldsField(
                required=False,
                label=db_field.verbose_name.capitalize(),
                help_text="Named values: one per row.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

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

    # Tags and integrations -------------------------------------------------------------------------

    # Bulk work on the selected contacts: one tag on or off, through the tag services.

    @admin.action(description="Add a tag to selected contacts", permissions=["change"])
    def add_tag(self, request, queryset):
        return self._tag_action(request, queryset, adding=True)

    @admin.action(description="Remove a tag from selected contacts", permissions=["change"])
    def remove_tag(self, request, queryset):
        return self._tag_action(request, queryset, adding=False)

    def _tag_action(self, request, queryset, *, adding: bool):
        form = BulkTagForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            name = form.cleaned_data["name"]
            service = contacts_add_tag if adding else contacts_remove_tag
            try:
                count = service(contacts=queryset.select_related("organization"), name=name)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            noun = "contact" if count == 1 else "contacts"
            done = f"tagged “{name}”" if adding else f"no longer tagged “{name}”"
            self.message_user(request, f"{count} {noun} {done}.", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/crm/contact/bulk_tag.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Add a tag" if adding else "Remove a tag",
                "form": form,
                "contacts": list(queryset[:50]),
                "count": queryset.count(),
                "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
                "action": "add_tag" if adding else "remove_tag",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Tag)
class TagAdmin(WorkspaceAdmin):
    list_display = ["name", "organization", "created_at"]
    list_filter = [ORGANIZATION_FILTER]
    list_select_related = ["organization"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]

    def autocomplete_label(self, tag: Tag) -> str:
        return tag_label(tag)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")


@admin.register(ContactIntegration)
class ContactIntegrationAdmin(WorkspaceAdmin):
    list_display = ["provider", "external_id", "contact", "sync_status", "last_sync_at"]
    list_filter = ["provider", "sync_status"]
    list_select_related = ["contact"]
    search_fields = ["external_id", "contact__name", "contact__email"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A contact's record at a provider stays that contact's, at that provider.
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "contact", "provider"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        # The form has validated; the services write (crm/services/integrations.py).
        fields = services.INTEGRATION_UPDATABLE_FIELDS
        if not change:
            integration = services.contact_integration_create(
                contact=obj.contact,
                provider=obj.provider,
                **{field: getattr(obj, field) for field in fields},
            )
            vars(obj).update(vars(integration))
            return
        data = {field: getattr(obj, field) for field in form.changed_data if field in fields}
        if data:
            services.contact_integration_update(integration=obj, data=data)
        obj.refresh_from_db()
