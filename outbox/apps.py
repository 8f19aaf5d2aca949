from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Email outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Delivery reports from the provider (django-anymail's tracking webhooks).
        from anymail.signals import tracking

        from core.health import register_report
        from outbox.selectors import health_report
        from outbox.webhooks import record_tracking_event

        tracking.connect(record_tracking_event, dispatch_uid="outbox.record_tracking_event")
        # /healthz tells how old the oldest unsent email is.
        register_report("outbox", health_report)
