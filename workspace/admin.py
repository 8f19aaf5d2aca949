"""The workspace's admin pages: staff accounts with the organizations they work for, and the
pages that are not a model's list (the appointment calendar).

Staff accounts: which organizations a staff member works for.

A membership confines its user to the organization's records (crm/scoping.py); the scope is
cached per user object for one request only, so a change applies from the next request on.
Memberships are edited on the user's page (an inline) and in their own list. Only staff who
are not confined themselves (platform staff, superusers) may add, change or remove them: a
member of one organization could otherwise confine or move colleagues.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from crm.admin_scoping import OrganizationScopedAdminMixin, ScopedRelatedFieldListFilter
from crm.models import Appointment, OrganizationMembership
from crm.scoping import organization_ids_for
from workspace.admin_site import AppPage

User = get_user_model()


class MembershipPermissionsMixin:
    """Confined staff may look at their organizations' memberships, never change them."""

    def _unconfined(self, request) -> bool:
        return organization_ids_for(request.user) is None

    def has_add_permission(self, request, *args) -> bool:
        return self._unconfined(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._unconfined(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._unconfined(request) and super().has_delete_permission(request, obj)


class OrganizationMembershipInline(
    MembershipPermissionsMixin, OrganizationScopedAdminMixin, admin.TabularInline
):
    """The user's memberships, one row each; a row is removed, never re-pointed."""

    model = OrganizationMembership
    extra = 0
    fields = ["organization", "created_at"]
    # Read-only rows render from the joined organization: no picker, so no query per row.
    readonly_fields = fields
    verbose_name = "organization membership"
    verbose_name_plural = "organizations (a member sees only these; none means all)"

    def get_queryset(self, request):
        # Each row shows the membership's str(): the user and the organization.
        return super().get_queryset(request).select_related("user", "organization")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Rows can be deleted (the checkbox) though not edited.
        return super().has_delete_permission(request, obj)


class AddOrganizationMembershipInline(
    MembershipPermissionsMixin, OrganizationScopedAdminMixin, admin.TabularInline
):
    """Blank rows to add the user to more organizations."""

    model = OrganizationMembership
    extra = 0
    fields = ["organization"]
    autocomplete_fields = ["organization"]
    verbose_name = "new organization membership"
    verbose_name_plural = "add to organizations"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [
        *UserAdmin.inlines,
        OrganizationMembershipInline,
        AddOrganizationMembershipInline,
    ]


@admin.register(OrganizationMembership)
class OrganizationMembershipAdmin(
    MembershipPermissionsMixin, OrganizationScopedAdminMixin, admin.ModelAdmin
):
    list_display = ["user", "organization", "created_at"]
    list_filter = [("organization", ScopedRelatedFieldListFilter)]
    # The list shows each membership's user and organization: join them instead of N queries.
    list_select_related = ["user", "organization"]
    search_fields = ["user__username", "user__email", "organization__name"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["created_at"]
    fields = ["user", "organization", "created_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only staff can work in admin, so only staff can usefully be members.
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_staff=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# The calendar is listed under CRM after the appointments, to whoever may see them.
admin.site.register_app_page(
    AppPage(
        app_label="crm",
        name="Appointment calendar",
        object_name="AppointmentCalendar",
        url_name="admin:crm_appointment_calendar",
        after="Appointment",
        visible=lambda request: admin.site.get_model_admin(Appointment).has_view_permission(
            request
        ),
    )
)
