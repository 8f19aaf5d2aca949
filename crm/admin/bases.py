"""The bases of every CRM and LMS admin page: scoped to the staff member's organizations, fast on
large tables, pickers that name each choice's organization, records kept with their contact."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core.admin import LargeTableAdminMixin
from crm import selectors
from crm.admin.filters import ORGANIZATION_FILTER
from crm.admin_scoping import OrganizationScopedAdminMixin
from crm.forms import (
    ContactChoiceField,
    TagChoiceField,
)
from crm.models import (
    Contact,
    Tag,
)
from crm.scoping import organization_ids_for


class DisambiguatedPickersMixin:
    """Contact and tag pickers name the organization (and the email) of each choice."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Contact:
            kwargs.setdefault("form_class", ContactChoiceField)
        elif db_field.related_model is Tag:
            kwargs.setdefault("form_class", TagChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class WorkspaceAdmin(
    LargeTableAdminMixin, OrganizationScopedAdminMixin, DisambiguatedPickersMixin, admin.ModelAdmin
):
    """Every CRM and LMS admin: scoped to the staff member's organizations, fast when large
    (core/admin.py)."""

    class Media:
        css = {"all": ["admin_workspace/lists.css"]}


class WorkspaceTabularInline(
    OrganizationScopedAdminMixin, DisambiguatedPickersMixin, admin.TabularInline
):
    extra = 0


class ContactRecordAdmin(WorkspaceAdmin):
    """The organization is always the contact's; it is shown, never typed."""

    list_select_related = ["contact", "organization"]
    list_filter = [ORGANIZATION_FILTER]
    autocomplete_fields = ["contact"]
    readonly_fields = ["organization", "created_at", "updated_at"]
    search_fields = ["contact__name", "contact__email"]

    # Each record's page saves through its services (``save_model``); never a raw save.
    def save_model(self, request, obj, form, change):
        raise NotImplementedError(f"{type(self).__name__} must save through the CRM services.")

    @staticmethod
    def changed_values(obj, form, fields) -> dict:
        """The form's changed ``fields`` with the values the form put on ``obj``."""
        return {field: getattr(obj, field) for field in form.changed_data if field in fields}


def run_service_on_each(modeladmin, request, queryset, service, argument: str, done: str) -> None:
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


class StaffPickerAdminMixin:
    """The staff picker of a record (``staff_picker_field``) offers who may work for any of the
    signed-in member's organizations (the task assignee rule, ``selectors.task_assignees``);
    the form narrows it to the record's organization. The add page picks the member."""

    staff_picker_field = ""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.staff_picker_field:
            kwargs["queryset"] = selectors.task_assignees(
                organization_ids=organization_ids_for(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        field = self.staff_picker_field
        assignees = selectors.task_assignees(organization_ids=organization_ids_for(request.user))
        if field not in initial and assignees.filter(pk=request.user.pk).exists():
            initial[field] = request.user.pk
        return initial
