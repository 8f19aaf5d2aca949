"""The Celery app: settings from Django's (CELERY_*), tasks from each app's tasks.py.

`make worker` runs workers (as many as you like); `make scheduler` runs the one beat.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("leadcrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule(sender: Celery, **kwargs) -> None:
    from django.conf import settings

    sender.add_periodic_task(
        settings.OUTBOX_SWEEP_SECONDS, sender.signature("outbox.sweep"), name="outbox sweep"
    )
    # Due times live on rows; this claims the due ones (never a long ETA message).
    sender.add_periodic_task(
        settings.REMINDER_CHECK_SECONDS,
        sender.signature("crm.send_due_reminders"),
        name="due reminders",
    )
    # Background exports: expire old files, hand out stuck jobs again, publish waiting ones.
    sender.add_periodic_task(60, sender.signature("exports.sweep"), name="exports sweep")
    # Each staff member's digest at about 07:00 their time: checked on the same beat.
    sender.add_periodic_task(
        settings.REMINDER_CHECK_SECONDS,
        sender.signature("workspace.send_morning_digests"),
        name="morning digests",
    )
    # Daily at 03:30 (TIME_ZONE); it erases nothing while LEAD_RETENTION_DAYS is unset.
    sender.add_periodic_task(
        crontab(hour=3, minute=30),
        sender.signature("privacy.lead_retention"),
        name="lead retention",
    )
    sender.add_periodic_task(
        settings.STAFF_ALERT_DIGEST_SECONDS,
        sender.signature("alerts.digest"),
        name="staff alert digest",
    )
