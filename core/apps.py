from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from core.sessions import mark_staff_signed_in

        user_logged_in.connect(mark_staff_signed_in, dispatch_uid="core.sessions.signed_in")
