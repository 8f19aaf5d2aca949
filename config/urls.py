from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from core.views import home

admin.site.site_header = "Leads, CRM and courses"
admin.site.site_title = "Staff admin"

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    # Staff sign in at the admin; Django's default login addresses lead there too.
    path("accounts/login/", RedirectView.as_view(pattern_name="admin:login", query_string=True)),
    path("accounts/profile/", RedirectView.as_view(pattern_name="admin:index")),
    path("", include("leads.urls")),
]
