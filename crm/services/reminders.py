"""Reminders: due times live on rows, a one-minute task claims the due ones.

Appointments: one ``AppointmentReminder`` per lead time of APPOINTMENT_REMINDER_MINUTES, armed
when the appointment is scheduled or moved, dropped when it is cancelled. The claim takes due
rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` and flips each with a conditional UPDATE
(PENDING -> SENT/SKIPPED) before writing its emails to the outbox in the same transaction, so
two workers or two scheduler ticks never send one reminder twice, and a rolled-back claim sends
nothing. ``Appointment.reminder_sent`` becomes true once the mail server has accepted an email
of the appointment's last reminder (outbox completion), and false again when it is moved.

Tasks: an open task with an assignee reminds them once when it falls due. The marker is on the
task (``due_reminder_for``: the due date they were reminded of), so a task whose due date moves,
by whatever path, reminds again at its new time; the same claim pattern takes due tasks.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils.timezone import now

from accounts.services import staff_time_zone
from core.local_time import format_local, zone
from crm.models import Appointment, AppointmentReminder, Task
from outbox.models import OutboxEmail
from outbox.services import email_enqueue, email_withdraw

logger = logging.getLogger("crm.reminders")

APPOINTMENT_REMINDER_ORIGIN = "crm.appointmentreminder"
TASK_REMINDER_ORIGIN = "crm.task"
# A task that fell due longer ago than this before it could be reminded (the workers were down,
# or it was assigned late) is left to the morning digest rather than reminded late.
TASK_REMINDER_WINDOW = timedelta(days=1)

Status = AppointmentReminder.Status


def render_email(template: str, context: dict) -> tuple[str, str]:
    """Render a plain-text email template whose first line is the subject."""
    subject, _, body = render_to_string(template, context).strip().partition("\n")
    return " ".join(subject.split()), body.strip() + "\n"


# --- Arming ------------------------------------------------------------------------------------


def appointment_reminder_times(
    *, start_time: datetime, current: datetime, minutes: tuple[int, ...]
) -> list[tuple[int, datetime]]:
    """Return (minutes before, due at) for an appointment starting at ``start_time``.

    A lead time still ahead is due at its time. Of those already passed (an appointment booked
    or moved at short notice), only the one closest to the start is kept, due at once: someone
    booked 50 minutes ahead still gets the "in an hour" reminder, not also "tomorrow".
    Nothing for an appointment that has started.
    """
    if start_time <= current:
        return []
    due = {lead: start_time - timedelta(minutes=lead) for lead in minutes}
    times = [(lead, at) for lead, at in due.items() if at > current]
    passed = [lead for lead, at in due.items() if at <= current]
    if passed:
        times.append((min(passed), current))
    return sorted(times, key=lambda pair: -pair[0])


def appointment_reminders_arm(*, appointment: Appointment) -> list[AppointmentReminder]:
    """Replace ``appointment``'s reminders with fresh ones before its (new) start.

    Call inside the transaction that locked the appointment. Reminders of the old time and
    their emails still waiting in the outbox are dropped; ``reminder_sent`` is false again.
    """
    appointment_reminders_stop(appointment=appointment, keep_sent=False)
    reminders = []
    if appointment.status in Appointment.UPCOMING:
        times = appointment_reminder_times(
            start_time=appointment.start_time,
            current=now(),
            minutes=settings.APPOINTMENT_REMINDER_MINUTES,
        )
        reminders = AppointmentReminder.objects.bulk_create(
            AppointmentReminder(appointment=appointment, minutes_before=lead, due_at=at)
            for lead, at in times
        )
    if appointment.reminder_sent:
        appointment.reminder_sent = False
        appointment.save(update_fields=["reminder_sent", "updated_at"])
    return reminders


def appointment_reminders_stop(*, appointment: Appointment, keep_sent: bool = True) -> int:
    """Drop ``appointment``'s reminders still to come and withdraw its reminder emails still
    waiting in the outbox; the sent ones stay as its history unless ``keep_sent`` is false."""
    reminders = AppointmentReminder.objects.filter(appointment=appointment)
    email_withdraw(
        origin_label=APPOINTMENT_REMINDER_ORIGIN,
        origin_ids=reminders.values_list("pk", flat=True),
    )
    if keep_sent:
        reminders = reminders.filter(status=Status.PENDING)
    return reminders.delete()[0]


# --- Claiming and sending ----------------------------------------------------------------------


def appointment_reminders_send_due(*, batch_size: int = 100) -> int:
    """Claim every due reminder (in batches, each one transaction) and send it; return how many
    were claimed (sent or given up)."""
    claimed = 0
    while True:
        with transaction.atomic():
            batch = list(
                AppointmentReminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related(
                    "appointment__contact", "appointment__organization", "appointment__owner"
                )
                .filter(status=Status.PENDING, due_at__lte=now())
                .order_by("due_at", "pk")[:batch_size]
            )
            for reminder in batch:
                claimed += _appointment_reminder_send(reminder)
        if len(batch) < batch_size:
            return claimed


def _skip_reason(reminder: AppointmentReminder, current: datetime) -> str:
    appointment = reminder.appointment
    if appointment.status not in Appointment.UPCOMING:
        return f"The appointment was {appointment.get_status_display().lower()}."
    if appointment.start_time <= current:
        return "The appointment had already started."
    later_due = AppointmentReminder.objects.filter(
        appointment_id=appointment.pk,
        status=Status.PENDING,
        minutes_before__lt=reminder.minutes_before,
        due_at__lte=current,
    )
    if later_due.exists():
        return "A later reminder was due as well: only that one was sent."
    return ""


def _appointment_reminder_send(reminder: AppointmentReminder) -> int:
    appointment = reminder.appointment
    contact = appointment.contact
    owner = appointment.owner
    current = now()
    note = _skip_reason(reminder, current)
    emails = []
    if not note:
        if contact.email:
            emails.append(("contact", contact.email, "crm/reminders/appointment_contact.txt"))
        if owner is not None and owner.is_active and owner.email:
            emails.append(("owner", owner.email, "crm/reminders/appointment_owner.txt"))
        if not emails:
            note = "Nobody to remind: the contact has no email and there is no owner with one."
    # The conditional UPDATE is the claim wherever rows cannot be locked (SQLite): of two
    # claimers, only the one that moves it from PENDING sends.
    won = AppointmentReminder.objects.filter(pk=reminder.pk, status=Status.PENDING).update(
        status=Status.SKIPPED if note else Status.SENT,
        sent_at=current,
        recipients=", ".join(address for _, address, _ in emails),
        note=note,
    )
    if not won:
        return 0
    if note:
        logger.info("reminder %s of appointment %s not sent: %s", reminder.pk, appointment.pk, note)
        return 1
    tz = zone(appointment.timezone, contact.timezone)
    owner_tz = zone(staff_time_zone(owner)) if owner is not None else tz
    context = {
        "appointment": appointment,
        "contact": contact,
        "organization": appointment.organization,
        "owner": owner,
        "starts": format_local(appointment.start_time, tz),
        "ends": format_local(appointment.end_time, tz, with_date=False),
        "lead": _lead_words(reminder.minutes_before),
        # The owner's own clock, when it is another zone than the appointment's.
        "owner_starts": (
            format_local(appointment.start_time, owner_tz) if owner_tz.key != tz.key else ""
        ),
    }
    for role, address, template in emails:
        subject, body = render_email(template, context)
        email_enqueue(
            to=address,
            subject=subject,
            body=body,
            origin_label=APPOINTMENT_REMINDER_ORIGIN,
            origin_id=reminder.pk,
            dedup_key=f"{APPOINTMENT_REMINDER_ORIGIN}:{reminder.pk}:{role}",
        )
    return 1


def _lead_words(minutes: int) -> str:
    """1440 -> "1 day", 90 -> "1 hour 30 minutes"."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [
        f"{count} {unit}{'s' if count != 1 else ''}"
        for count, unit in ((days, "day"), (hours, "hour"), (mins, "minute"))
        if count
    ]
    return " ".join(parts)


def appointment_reminder_email_finished(sender, email: OutboxEmail, **kwargs) -> None:
    """outbox.signals.email_finished: once the mail server accepted an email of an appointment's
    last reminder (none of its reminders comes closer to the start), ``reminder_sent`` is true.

    A reminder re-armed since (the appointment moved) is gone, and its email changes nothing.
    """
    if email.origin_label != APPOINTMENT_REMINDER_ORIGIN or email.status != OutboxEmail.Status.SENT:
        return
    reminder = AppointmentReminder.objects.filter(pk=email.origin_id).first()
    if reminder is None:
        return
    closer = AppointmentReminder.objects.filter(
        appointment_id=reminder.appointment_id, minutes_before__lt=reminder.minutes_before
    )
    if closer.exists():
        return
    Appointment.objects.filter(pk=reminder.appointment_id, reminder_sent=False).update(
        reminder_sent=True, updated_at=now()
    )


def lead_time_words(minutes: int) -> str:
    """How staff read a lead time: "1 day before", "1 hour before"."""
    return f"{_lead_words(minutes)} before"


# --- Tasks -------------------------------------------------------------------------------------


def _task_due(current: datetime) -> Q:
    """Open, assigned tasks that fell due (after they were created, within the window) and
    whose assignee has not been reminded of this due date."""
    return (
        Q(
            status__in=Task.OPEN,
            assignee__isnull=False,
            due_date__lte=current,
            due_date__gt=current - TASK_REMINDER_WINDOW,
        )
        & Q(due_date__gt=F("created_at"))
        & (Q(due_reminder_for__isnull=True) | ~Q(due_reminder_for=F("due_date")))
    )


def task_reminders_send_due(*, batch_size: int = 100) -> int:
    """Claim every task that fell due (in batches, each one transaction) and remind its assignee
    by email; return how many were claimed."""
    claimed = 0
    while True:
        with transaction.atomic():
            current = now()
            batch = list(
                Task.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("assignee", "contact", "organization")
                .filter(_task_due(current))
                .order_by("due_date", "pk")[:batch_size]
            )
            for task in batch:
                claimed += _task_reminder_send(task, current)
        if len(batch) < batch_size:
            return claimed


def _task_reminder_send(task: Task, current: datetime) -> int:
    # The conditional UPDATE is the claim (and the marker): of two claimers, one moves it.
    won = Task.objects.filter(_task_due(current), pk=task.pk).update(due_reminder_for=F("due_date"))
    if not won:
        return 0
    assignee = task.assignee
    if not (assignee.is_active and assignee.email):
        logger.info("task %s fell due; its assignee has no email to remind", task.pk)
        return 1
    context = {
        "task": task,
        "contact": task.contact,
        "organization": task.organization,
        "assignee": assignee,
        "due": format_local(task.due_date, zone(staff_time_zone(assignee))),
    }
    subject, body = render_email("crm/reminders/task_due.txt", context)
    email_enqueue(
        to=assignee.email,
        subject=subject,
        body=body,
        origin_label=TASK_REMINDER_ORIGIN,
        origin_id=task.pk,
        dedup_key=f"{TASK_REMINDER_ORIGIN}:{task.pk}:due:{task.due_date.isoformat()}",
    )
    return 1
