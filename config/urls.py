from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from core.staff_api import StaffApiDocsView
from core.views import home

admin.site.site_header = "Leads, CRM and courses"
admin.site.site_title = "Staff admin"

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("", include("leads.urls")),
    # Staff REST API (core/staff_api.py) and its OpenAPI schema and docs.
    path("api/crm/", include("crm.api_urls")),
    path("api/leads/", include("leads.staff_api_urls")),
    path("api/lms/", include("lms.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", StaffApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]
