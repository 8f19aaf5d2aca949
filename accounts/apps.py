from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff identity: API tokens, sign-in and lockout, sessions, roles, preferences."""

    name = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import mark_staff_signed_in

        user_logged_in.connect(mark_staff_signed_in, dispatch_uid="core.sessions.signed_in")
