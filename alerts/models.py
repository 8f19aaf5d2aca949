"""What the public forms set in motion besides the submission itself (issue 18, item 4).

``StaffAlert``: one small row per submission staff should hear about, written in the
submission's transaction; the one-minute digest task gathers the pending ones into one email
per recipient. ``VisitorAutoReply``: one row per address and day that got a confirmation; its
unique constraint is what keeps it to one a day.
"""

from django.db import models
from django.utils import timezone


class StaffAlert(models.Model):
    class Kind(models.TextChoices):
        NEW_LEAD = "NEW_LEAD", "New lead"
        CONTACT_MESSAGE = "CONTACT_MESSAGE", "Contact message"
        EARLY_ACCESS = "EARLY_ACCESS", "Early-access request"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Erasing the lead (privacy) takes its alerts with it.
    lead = models.ForeignKey("leads.UsersLead", on_delete=models.CASCADE, related_name="+")
    # The submission's row (a contact message or an early-access request), when there is one.
    object_id = models.UUIDField(null=True, blank=True)
    # Whether the submission created the lead.
    new_lead = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Set together by the digest that claimed the row, in the transaction that wrote its emails.
    digest_key = models.UUIDField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "staff_alerts"
        ordering = ["created_at", "id"]
        indexes = [
            # The digest's claim: pending rows, oldest first.
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(digested_at__isnull=True),
                name="staff_alerts_pending_idx",
            ),
            models.Index(fields=["digest_key"], name="staff_alerts_digest_key_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["NEW_LEAD", "CONTACT_MESSAGE", "EARLY_ACCESS"]),
                name="staff_alerts_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(digest_key__isnull=True, digested_at__isnull=True)
                | models.Q(digest_key__isnull=False, digested_at__isnull=False),
                name="staff_alerts_digested_together",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class VisitorAutoReply(models.Model):
    """One confirmation sent to one address on one day: the unique pair keeps it to one."""

    class Kind(models.TextChoices):
        CONTACT_MESSAGE = "CONTACT_MESSAGE", "Contact message"
        EARLY_ACCESS = "EARLY_ACCESS", "Early-access request"

    # The visitor's address, normalized. Named ``to`` like the outbox's: privacy's export and
    # erasure find every table with an EmailField ``to``.
    to = models.EmailField(max_length=254)
    # The calendar day in TIME_ZONE.
    day = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "visitor_auto_replies"
        verbose_name = "visitor auto-reply"
        verbose_name_plural = "visitor auto-replies"
        ordering = ["-day", "to"]
        indexes = [models.Index(fields=["day"], name="visitor_auto_replies_day_idx")]
        constraints = [
            models.UniqueConstraint(fields=["to", "day"], name="visitor_auto_replies_to_day_uniq"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["CONTACT_MESSAGE", "EARLY_ACCESS"]),
                name="visitor_auto_replies_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to} on {self.day}"
