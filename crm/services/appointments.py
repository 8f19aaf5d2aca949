"""Writes on appointments: schedule, change (reschedule, owner), confirm, cancel, complete,
no-show."""

from datetime import datetime
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import is_naive, now

from crm.models import Appointment, Contact
from crm.selectors import task_assignees_for
from crm.services.reminders import appointment_reminders_arm, appointment_reminders_stop

Status = Appointment.Status

# One answer for an unknown id, a foreign staff member, a non-staff or an inactive account
# (as for task assignees).
OWNER_ERROR = "Choose a staff member who works for the appointment's organization."

# What appointment_update changes; the contact (and so the organization) and the status never.
APPOINTMENT_UPDATABLE_FIELDS = (
    "title",
    "description",
    "start_time",
    "end_time",
    "timezone",
    "location",
    "calendar_provider",
    "external_event_id",
    "owner",
)


def _check_times(start_time: datetime, end_time: datetime) -> None:
    if is_naive(start_time) or is_naive(end_time):
        raise ValidationError({"start_time": "Start and end need a time zone."})
    if end_time <= start_time:
        raise ValidationError({"end_time": "An appointment ends after it starts."})


def _check_timezone(name: str) -> None:
    if name and name not in available_timezones():
        raise ValidationError({"timezone": f"{name!r} is not a known time zone."})


def appointment_check_timezone(*, timezone: str) -> None:
    """Refuse a time zone name that is not in the tz database ("" means the contact's)."""
    _check_timezone(timezone)


def appointment_check_owner(*, owner: AbstractBaseUser | None, organization_id) -> None:
    """Refuse ``owner`` for an appointment of ``organization_id`` unless the task assignee rule
    allows them (``crm.selectors.task_assignees``: active staff who may work for it)."""
    if owner is None:
        return
    if not task_assignees_for(organization_id=organization_id).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": OWNER_ERROR})


@transaction.atomic
def appointment_schedule(
    *,
    contact: Contact,
    title: str,
    start_time: datetime,
    end_time: datetime,
    timezone: str = "",
    description: str = "",
    location: str = "",
    calendar_provider: str = "",
    external_event_id: str = "",
    owner: AbstractBaseUser | None = None,
) -> Appointment:
    """Put an appointment with ``contact`` in the organization's calendar."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": "An appointment needs a title."})
    _check_times(start_time, end_time)
    _check_timezone(timezone)
    appointment_check_owner(owner=owner, organization_id=contact.organization_id)
    appointment = Appointment.objects.create(
        organization_id=contact.organization_id,
        contact=contact,
        title=title,
        description=description.strip(),
        start_time=start_time,
        end_time=end_time,
        timezone=timezone or contact.timezone,
        location=location.strip(),
        calendar_provider=calendar_provider.strip(),
        external_event_id=external_event_id.strip(),
        owner=owner,
    )
    appointment_reminders_arm(appointment=appointment)
    return appointment


def appointment_check_update(*, appointment: Appointment, data: dict) -> dict:
    """Return the fields of ``data`` that would change ``appointment`` (values trimmed), or
    refuse them: unknown fields, an empty title, bad times or time zone, an owner who may not
    work for its organization, new times for an appointment that is no longer upcoming."""
    unknown = set(data) - set(APPOINTMENT_UPDATABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    values = {
        field: value.strip() if isinstance(value, str) else value for field, value in data.items()
    }
    if "title" in values and not values["title"]:
        raise ValidationError({"title": "An appointment needs a title."})
    start_time = values.get("start_time", appointment.start_time)
    end_time = values.get("end_time", appointment.end_time)
    if start_time != appointment.start_time or end_time != appointment.end_time:
        if appointment.status not in Appointment.UPCOMING:
            raise ValidationError(
                {
                    "start_time": f"A {appointment.get_status_display().lower()} appointment "
                    "cannot be rescheduled."
                }
            )
        _check_times(start_time, end_time)
    if "timezone" in values:
        _check_timezone(values["timezone"])
    if "owner" in values:
        appointment_check_owner(owner=values["owner"], organization_id=appointment.organization_id)
    return {field: value for field, value in values.items() if getattr(appointment, field) != value}


@transaction.atomic
def appointment_update(*, appointment: Appointment, data: dict) -> Appointment:
    """Change ``data``'s fields (``APPOINTMENT_UPDATABLE_FIELDS``) of ``appointment``.

    New times reschedule it: only an upcoming (scheduled or confirmed) appointment moves, and a
    new start re-arms its reminders.
    """
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    changes = appointment_check_update(appointment=appointment, data=data)
    if not changes:
        return appointment
    for field, value in changes.items():
        setattr(appointment, field, value)
    appointment.save(update_fields=[*changes, "updated_at"])
    if "start_time" in changes:
        appointment_reminders_arm(appointment=appointment)
    return appointment


def _transition(appointment: Appointment, *, to: str, allowed_from: tuple[str, ...]) -> Appointment:
    # Lock the row so two clicks (or a click and a webhook) cannot both pass the check.
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == to:
        return appointment
    if appointment.status not in allowed_from:
        raise ValidationError(
            f"A {appointment.get_status_display().lower()} appointment cannot become "
            f"{Status(to).label.lower()}."
        )
    appointment.status = to
    appointment.save(update_fields=["status", "updated_at"])
    return appointment


@transaction.atomic
def appointment_confirm(*, appointment: Appointment) -> Appointment:
    """Mark a scheduled appointment as confirmed by the contact."""
    return _transition(appointment, to=Status.CONFIRMED, allowed_from=(Status.SCHEDULED,))


@transaction.atomic
def appointment_cancel(*, appointment: Appointment) -> Appointment:
    """Cancel an appointment that has not happened yet; its reminders still to come stop."""
    appointment = _transition(appointment, to=Status.CANCELLED, allowed_from=Appointment.UPCOMING)
    appointment_reminders_stop(appointment=appointment)
    return appointment


@transaction.atomic
def appointment_complete(*, appointment: Appointment) -> Appointment:
    """Record that an appointment took place."""
    if appointment.start_time > now():
        raise ValidationError("An appointment cannot be completed before it starts.")
    return _transition(appointment, to=Status.COMPLETED, allowed_from=Appointment.UPCOMING)


@transaction.atomic
def appointment_mark_no_show(*, appointment: Appointment) -> Appointment:
    """Record that the contact did not come."""
    if appointment.start_time > now():
        raise ValidationError("Nobody can miss an appointment that has not started yet.")
    return _transition(appointment, to=Status.NO_SHOW, allowed_from=Appointment.UPCOMING)
