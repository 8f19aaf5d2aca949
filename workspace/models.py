"""Models of the staff workspace: the morning digests it sends."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class MorningDigest(models.Model):
    """One morning digest of one staff member for one day of theirs: at most one, the database
    says so (workspace/digest.py claims the day by inserting this row)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="morning_digests"
    )
    # The day in the staff member's time zone.
    local_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # What it listed; 0: nothing to report, so no email was sent.
    item_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-local_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "local_date"], name="workspace_morningdigest_unique_user_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Morning digest of {self.user} for {self.local_date}"
