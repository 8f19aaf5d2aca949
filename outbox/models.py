"""One row per email to send, written in the transaction of the action that causes it."""

from django.db import models
from django.utils.timezone import now


class OutboxEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        SENDING = "SENDING", "Sending"
        SENT = "SENT", "Sent"
        FAILED = "FAILED", "Failed"

    class Delivery(models.TextChoices):
        """What the provider's delivery webhooks last reported about a SENT email."""

        DELIVERED = "DELIVERED", "Delivered"
        BOUNCED = "BOUNCED", "Bounced"

    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    # Optional HTML alternative of ``body`` (the plain text is always sent).
    html_body = models.TextField(blank=True, default="", db_default="")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    # When a worker claimed it (SENDING): the sweep hands out rows claimed too long ago.
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    # What caused it ("crm.message", ...) and that record's id: completion callbacks use them.
    origin_label = models.CharField(max_length=50, blank=True)
    # Text: an integer or a UUID, whichever the origin's primary key is.
    origin_id = models.CharField(max_length=64, null=True, blank=True)
    # The provider's id of the sent message (what an Anymail backend returned, else our
    # Message-ID header without <>): the delivery webhooks name the email by it.
    provider_message_id = models.CharField(max_length=255, blank=True, default="", db_default="")
    delivery_status = models.CharField(
        max_length=9, choices=Delivery.choices, blank=True, default="", db_default=""
    )
    # The bounce's reason as the provider words it.
    delivery_detail = models.TextField(blank=True, default="", db_default="")
    # When the event applied last happened (the provider's time): an older one changes nothing.
    delivery_event_at = models.DateTimeField(null=True, blank=True)
    # One logical email is queued once: a second enqueue with the same key is a no-op.
    dedup_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due_idx"),
            models.Index(fields=["origin_label", "origin_id"], name="outbox_origin_idx"),
            models.Index(
                fields=["provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="outbox_provider_message_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"
