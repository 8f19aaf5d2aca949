"""Arm the reminders of appointments already booked, as the services arm new ones.

Upcoming (scheduled or confirmed) appointments that have not started get one reminder per lead
time of APPOINTMENT_REMINDER_MINUTES still ahead, and, where lead times have already passed,
the one closest to the start, due at once (``crm.services.reminders.appointment_reminder_times``,
copied here as a migration must not import code that changes). In batches; the reverse removes
the reminders not sent yet (the table itself goes with 0016).
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BATCH = 1000


def reminder_times(start_time, current, minutes):
    if start_time <= current:
        return []
    due = {lead: start_time - timedelta(minutes=lead) for lead in minutes}
    times = [(lead, at) for lead, at in due.items() if at > current]
    passed = [lead for lead, at in due.items() if at <= current]
    if passed:
        times.append((min(passed), current))
    return times


def arm(apps, schema_editor):
    Appointment = apps.get_model("crm", "Appointment")
    AppointmentReminder = apps.get_model("crm", "AppointmentReminder")
    minutes = tuple(getattr(settings, "APPOINTMENT_REMINDER_MINUTES", (1440, 60)))
    current = timezone.now()
    upcoming = (
        Appointment.objects.filter(status__in=["SCHEDULED", "CONFIRMED"], start_time__gt=current)
        .order_by("pk")
        .values_list("pk", "start_time")
    )
    rows = []
    for pk, start_time in upcoming.iterator(chunk_size=BATCH):
        rows += [
            AppointmentReminder(appointment_id=pk, minutes_before=lead, due_at=at)
            for lead, at in reminder_times(start_time, current, minutes)
        ]
        if len(rows) >= BATCH:
            AppointmentReminder.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    AppointmentReminder.objects.bulk_create(rows, ignore_conflicts=True)


def disarm(apps, schema_editor):
    AppointmentReminder = apps.get_model("crm", "AppointmentReminder")
    AppointmentReminder.objects.filter(status="PENDING").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0016_create_appointment_reminders"),
    ]

    operations = [migrations.RunPython(arm, disarm)]
