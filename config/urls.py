from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from core.health import healthz
from core.staff_api import StaffApiDocsView
from core.views import api_not_found, favicon, home

urlpatterns = [
    # First: the public forms and their JSON endpoints, the busiest addresses (Django tries
    # the patterns in order, so each one checked before them costs every submission).
    path("", include("leads.urls")),
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    # The email provider's delivery webhooks (django-anymail), e.g. /anymail/postmark/tracking/.
    path("anymail/", include("outbox.urls")),
    # Privacy pages in the admin (merge contacts, possible duplicates): before the admin's own
    # catch-all.
    path("admin/privacy/", include("privacy.admin_urls")),
    path("admin/", admin.site.urls),
    # Staff sign in at the admin; Django's default login addresses lead there too.
    path("accounts/login/", RedirectView.as_view(pattern_name="admin:login", query_string=True)),
    path("accounts/profile/", RedirectView.as_view(pattern_name="admin:index")),
    path("", include("privacy.urls")),
    # Staff REST API (core/staff_api.py) and its OpenAPI schema and docs.
    path("api/crm/", include("privacy.staff_api_urls")),
    path("api/crm/", include("crm.staff_api_urls")),
    path("api/leads/", include("leads.staff_api_urls")),
    path("api/lms/", include("lms.staff_api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", StaffApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    # Any other /api/ address: the JSON 404, in development too (DEBUG's 404 page is HTML).
    re_path(r"^api/", api_not_found),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", favicon),
]

# Error answers: JSON under /api/, a 503 for a lost database (core/errors.py).
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
