"""A staff member's own preferences: the morning digest and their time zone."""

from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import StaffPreference


def staff_time_zone(user) -> str:
    """Return the time zone ``user`` reads times in ("" for the site's TIME_ZONE)."""
    if user is None or not getattr(user, "pk", None):
        return ""
    try:
        return user.staff_preference.timezone
    except StaffPreference.DoesNotExist:
        return ""


@transaction.atomic
def staff_preference_set(*, user, morning_digest: bool, timezone: str = "") -> StaffPreference:
    """Save ``user``'s preferences: whether they get the morning digest, and their time zone."""
    timezone = timezone.strip()
    if timezone and timezone not in available_timezones():
        raise ValidationError({"timezone": f"{timezone!r} is not a known time zone."})
    preference, _ = StaffPreference.objects.update_or_create(
        user=user, defaults={"morning_digest": morning_digest, "timezone": timezone}
    )
    return preference
