from django.contrib import admin
from django.urls import include, path

from core.health import healthz
from core.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("leads.urls")),
]

# Error answers: JSON under /api/, a 503 for a lost database (core/errors.py).
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
