from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from core.health import healthz
from core.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Staff sign in at the admin; Django's default login addresses lead there too.
    path("accounts/login/", RedirectView.as_view(pattern_name="admin:login", query_string=True)),
    path("accounts/profile/", RedirectView.as_view(pattern_name="admin:index")),
    path("", include("leads.urls")),
]

# Error answers: JSON under /api/, a 503 for a lost database (core/errors.py).
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
