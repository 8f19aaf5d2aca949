"""Forms of core's own admin pages."""

from zoneinfo import available_timezones

from django import forms
from django.conf import settings


def _time_zone_choices() -> list[tuple[str, str]]:
    return [("", f"The site's ({settings.TIME_ZONE})")] + [
        (name, name) for name in sorted(available_timezones())
    ]


class StaffPreferenceForm(forms.Form):
    """A staff member's own preferences (accounts.services.staff_preference_set saves them)."""

    morning_digest = forms.BooleanField(
        required=False,
        label="Send me a morning digest",
        help_text="At about 07:00 your time: your overdue and due-today tasks, today's "
        "appointments and the contact messages awaiting a reply (nothing on a day with "
        "nothing to report).",
    )
    timezone = forms.ChoiceField(
        required=False,
        label="My time zone",
        choices=_time_zone_choices,
        help_text="Times in your digest and task reminders are shown in it.",
    )
