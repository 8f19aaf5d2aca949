from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Installs core.admin_site.StaffAdminSite (the dashboard) as ``admin.site``."""

    default = False  # core's own config stays CoreConfig
    default_site = "core.admin_site.StaffAdminSite"
