"""The staff admin site: Django's, with the dashboard on its index page."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.contenttypes import views as contenttype_views
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.forms import StaffPreferenceForm
from accounts.models import StaffPreference
from accounts.services import staff_preference_set
from workspace.dashboard import dashboard_figures
from workspace.global_search import GROUP_LIMIT, MIN_TERM_LENGTH, workspace_search


@dataclass(frozen=True)
class AppPage:
    """A page of an app that is not a model's list (the appointment calendar): listed with the
    app's models, after the model ``after``, in the index and the navigation sidebar, to those
    ``visible(request)`` lets see it."""

    app_label: str
    name: str
    object_name: str
    url_name: str
    after: str
    visible: Callable


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete that lets a model admin word its results (``autocomplete_label``)."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


class StaffAdminSite(admin.AdminSite):
    site_header = "Leads, CRM and courses"
    site_title = "Staff admin"
    index_title = "Dashboard"
    index_template = "admin/dashboard.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._app_pages: list[AppPage] = []

    def register_app_page(self, page: AppPage) -> None:
        """List ``page`` with its app's models (an app's admin.py calls this once)."""
        if page not in self._app_pages:
            self._app_pages.append(page)

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        for page in self._app_pages:
            app = next((app for app in app_list if app["app_label"] == page.app_label), None)
            if app is None or not page.visible(request):
                continue
            models = app["models"]
            position = next(
                (i + 1 for i, model in enumerate(models) if model["object_name"] == page.after),
                len(models),
            )
            models.insert(
                position,
                {
                    "name": page.name,
                    "object_name": page.object_name,
                    "perms": {"view": True},
                    "admin_url": reverse(page.url_name, current_app=self.name),
                    "add_url": None,
                    "view_only": True,
                },
            )
        return app_list

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "dashboard": dashboard_figures(user=request.user)}
        return super().index(request, extra_context)

    def autocomplete_view(self, request):
        # A model admin may word its results: two "Asha Verma" of two organizations must not
        # look alike in a contact picker (crm's ContactAdmin.autocomplete_label).
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)

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
            path("preferences/", self.admin_view(self.preferences_view), name="preferences"),
            *super().get_urls(),
        ]

    def search_view(self, request):
        """Leads, contacts, contact messages and notes matching ``?q=``, grouped, in scope."""
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

    def preferences_view(self, request):
        """The signed-in staff member's own preferences: the morning digest, their time zone."""
        current = StaffPreference.objects.filter(user=request.user).first()
        initial = {
            "morning_digest": current.morning_digest if current else False,
            "timezone": current.timezone if current else "",
        }
        form = StaffPreferenceForm(request.POST or None, initial=initial)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    staff_preference_set(user=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(request, "Your preferences are saved.")
                    return HttpResponseRedirect(request.path)
            status = 400
        context = {**self.each_context(request), "title": "My preferences", "form": form}
        return TemplateResponse(request, "admin/preferences.html", context, status=status)

    def view_on_site(self, request, content_type_id, object_id):
        try:
            return contenttype_views.shortcut(request, content_type_id, object_id)
        except (ValidationError, ValueError, OverflowError) as error:
            raise Http404("No such object.") from error
