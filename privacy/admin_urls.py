"""Admin pages of privacy, included under /admin/privacy/ (config/urls.py)."""

from django.contrib import admin
from django.urls import path

from privacy import admin as privacy_admin

urlpatterns = [
    path("merge/", admin.site.admin_view(privacy_admin.merge_view), name="privacy-merge"),
    path("erase/", admin.site.admin_view(privacy_admin.erase_view), name="privacy-erase"),
    path("export/", admin.site.admin_view(privacy_admin.export_view), name="privacy-export"),
    path(
        "duplicates/",
        admin.site.admin_view(privacy_admin.duplicates_view),
        name="privacy-duplicates",
    ),
]
