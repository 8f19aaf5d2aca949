from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        # The API tokens' admin lives beside core/admin.py (which holds the staff groups' admin).
        from core import token_admin  # noqa: F401
