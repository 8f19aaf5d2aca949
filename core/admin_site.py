"""The staff admin site: Django's, with the dashboard on its index page."""

from django.contrib import admin
from django.contrib.contenttypes import views as contenttype_views
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path


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

    def get_urls(self):
        # "View on site" (/admin/r/<content type>/<id>/), answering 404 rather than 500 for
        # an id its model cannot hold (not a UUID, out of range).
        return [
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            path("search/", self.admin_view(self.search_view), name="search"),
            *super().get_urls(),
        ]

    def search_view(self, request):
        """Leads, contacts, contact messages and notes matching ``?q=``, grouped, in scope."""
        from core.global_search import GROUP_LIMIT, MIN_TERM_LENGTH, workspace_search

        term = request.GET.get("q", "").strip()[:200]
        context = {
            **self.each_context(request),
            "title": f"Search: {term}" if term else "Search",
            "term": term,
            "groups": workspace_search(user=request.user, term=term),
            "group_limit": GROUP_LIMIT,
            "min_length": MIN_TERM_LENGTH,
        }
        return TemplateResponse(request, "admin/search.html", context)

    def view_on_site(self, request, content_type_id, object_id):
        try:
            return contenttype_views.shortcut(request, content_type_id, object_id)
        except (ValidationError, ValueError, OverflowError) as error:
            raise Http404("No such object.") from error
