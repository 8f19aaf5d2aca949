"""Staff identity: what belongs to a staff member's account (their preferences)."""

from django.conf import settings
from django.db import models


class StaffPreference(models.Model):
    """A staff member's own settings: the morning digest and the time zone they read times in.

    Staff data, not a lead's or a contact's: it goes with the user (CASCADE).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="staff_preference",
    )
    morning_digest = models.BooleanField(
        default=False,
        help_text="An email at about 07:00 with my overdue and due-today tasks, today's "
        "appointments and the messages awaiting a reply.",
    )
    # A tz database name ("Asia/Kolkata"); empty: the site's TIME_ZONE.
    timezone = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "staff preference"

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
