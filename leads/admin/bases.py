"""The bases of the leads admin pages: large-table changelists, read-only submissions."""

from django.contrib import admin

from core.admin import LargeTableAdminMixin


class WorkspaceMedia:
    css = {
        "all": [
            "admin_workspace/timeline.css",
            "admin_workspace/leads.css",
            "admin_workspace/lead_list.css",
        ]
    }


class BigTableAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    """A leads page: a large table's list (core/admin.py) with the leads' styles."""

    Media = WorkspaceMedia


class SubmissionAdmin(BigTableAdmin):
    """A visitor's submission: staff read it (and may delete it), nobody edits or adds it."""

    # Every list shows the lead's email: fetch it in the same query.
    list_select_related = ["lead"]

    def get_queryset(self, request):
        # Lists, change, history and delete pages, search and actions: the rows of the leads
        # the signed-in staff member may see (``LeadChildQuerySet.for_user``).
        return super().get_queryset(request).for_user(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        # Every stored value, read-only; the raw id says nothing to a reader.
        stored = [f.name for f in self.model._meta.concrete_fields if not f.primary_key]
        return stored + list(self.readonly_fields)

    @admin.display(description="lead", ordering="lead__email")
    def lead_email(self, obj) -> str:
        return obj.lead.email if obj.lead else "—"
