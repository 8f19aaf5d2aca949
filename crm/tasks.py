"""Worker tasks of the CRM: the one-minute reminders (scheduled in config/celery.py)."""

from celery import shared_task

from crm.services.reminders import appointment_reminders_send_due, task_reminders_send_due


@shared_task(name="crm.send_due_reminders")
def send_due_reminders() -> int:
    """Claim and send every due appointment and task reminder; return how many were claimed."""
    return appointment_reminders_send_due() + task_reminders_send_due()
