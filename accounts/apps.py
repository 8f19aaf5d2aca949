from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff identity: a staff member's account and what goes with it."""

    name = "accounts"
    verbose_name = "Staff accounts"
