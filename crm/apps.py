from django.apps import AppConfig


class CrmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        from crm.services.messages import (
            message_email_delivery_reported,
            message_email_finished,
        )
        from crm.services.reminders import appointment_reminder_email_finished
        from outbox.signals import email_delivery_reported, email_finished

        email_finished.connect(message_email_finished, dispatch_uid="crm.message_email_finished")
        email_finished.connect(
            appointment_reminder_email_finished,
            dispatch_uid="crm.appointment_reminder_email_finished",
        )
        email_delivery_reported.connect(
            message_email_delivery_reported, dispatch_uid="crm.message_email_delivery_reported"
        )
