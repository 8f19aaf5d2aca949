from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class WorkspaceConfig(AppConfig):
    """The staff workspace: the admin site and its dashboard, search, digests and demo data."""

    name = "workspace"
    verbose_name = "Workspace"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Installs workspace.admin_site.StaffAdminSite (the dashboard) as ``admin.site``."""

    default = False  # the workspace's own config stays WorkspaceConfig
    default_site = "workspace.admin_site.StaffAdminSite"
