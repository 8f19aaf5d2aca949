"""The organizations' pages."""

from django.contrib import admin

from crm import services
from crm.admin.bases import WorkspaceAdmin
from crm.models import (
    Organization,
)
from crm.scoping import organization_ids_for


@admin.register(Organization)
class OrganizationAdmin(WorkspaceAdmin):
    list_display = ["name", "slug", "type", "created_at"]
    list_filter = ["type"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]

    def has_add_permission(self, request):
        # Members work inside their organizations; only platform staff create new ones.
        return organization_ids_for(request.user) is None and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return organization_ids_for(request.user) is None and super().has_delete_permission(
            request, obj
        )

    def save_model(self, request, obj, form, change):
        # The form has validated; the services write (crm/services/organizations.py).
        if not change:
            organization = services.organization_create(name=obj.name, slug=obj.slug, type=obj.type)
            vars(obj).update(vars(organization))
            return
        data = {
            field: getattr(obj, field)
            for field in form.changed_data
            if field in services.ORGANIZATION_UPDATABLE_FIELDS
        }
        if data:
            services.organization_update(organization=obj, data=data)
        obj.refresh_from_db()
