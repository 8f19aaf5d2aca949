"""The staff admin site: Django's, with the dashboard on its index page."""

from django.contrib import admin


class StaffAdminSite(admin.AdminSite):
    site_header = "Leads, CRM and courses"
    site_title = "Staff admin"
    index_title = "Dashboard"
    index_template = "admin/dashboard.html"

    def index(self, request, extra_context=None):
        # Imported here: this module loads with the app registry, before any model can.
        from core.dashboard import dashboard_figures

        extra_context = {**(extra_context or {}), "dashboard": dashboard_figures(user=request.user)}
        return super().index(request, extra_context)
