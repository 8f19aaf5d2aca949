from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Staff alerts and visitor replies"
    default_auto_field = "django.db.models.BigAutoField"
