from django.contrib import admin
from django.urls import include, path

from core.views import home

admin.site.site_header = "Leads, CRM and courses"
admin.site.site_title = "Staff admin"

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("", include("leads.urls")),
]
