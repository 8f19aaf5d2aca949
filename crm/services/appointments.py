"""Writes on appointments: schedule, confirm, cancel, complete, no-show."""

from datetime import datetime
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import is_naive, now

from crm.models import Appointment, Contact

Status = Appointment.Status


def _check_times(start_time: datetime, end_time: datetime) -> None:
    if is_naive(start_time) or is_naive(end_time):
        raise ValidationError({"start_time": "Start and end need a time zone."})
    if end_time <= start_time:
        raise ValidationError({"end_time": "An appointment ends after it starts."})


def _check_timezone(name: str) -> None:
    if name and name not in available_timezones():
        raise ValidationError({"timezone": f"{name!r} is not a known time zone."})


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
) -> Appointment:
    """Put an appointment with ``contact`` in the organization's calendar."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": "An appointment needs a title."})
    _check_times(start_time, end_time)
    _check_timezone(timezone)
    return Appointment.objects.create(
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
    )


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
    """Cancel an appointment that has not happened yet."""
    return _transition(appointment, to=Status.CANCELLED, allowed_from=Appointment.UPCOMING)


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
