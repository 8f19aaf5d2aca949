"""What the privacy services did: merges of duplicate contacts (and, later, erasures)."""

from django.conf import settings
from django.db import models
from django.utils.timezone import now


class MergeRecord(models.Model):
    """One merge of duplicate contacts into a survivor, kept so it can be understood later.

    The duplicates are deleted by the merge; ``snapshot`` holds each one as it was (its fields
    and how many rows of each kind moved), keyed by the duplicate's id.
    """

    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    merged_at = models.DateTimeField(default=now, editable=False)
    # Plain ids, not foreign keys: the duplicates are gone, and the survivor may go later.
    organization_id = models.UUIDField(null=True, blank=True)
    survivor_id = models.UUIDField()
    duplicate_ids = models.JSONField(default=list)
    field_choices = models.JSONField(default=dict, blank=True)
    moved = models.JSONField(default=dict, blank=True)
    snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-merged_at"]
        permissions = [("merge_contacts", "Can merge duplicate contacts")]
        indexes = [models.Index(fields=["survivor_id"], name="privacy_merge_survivor_idx")]

    def __str__(self) -> str:
        return f"Merge into {self.survivor_id} at {self.merged_at:%Y-%m-%d %H:%M}"


class ErasureRequest(models.Model):
    """One erasure of a person. Holds no personal data: only a keyed hash (HMAC-SHA256 with the
    secret key) of the normalized email and phone, so a repeated request can be recognised."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(default=now, editable=False)
    subject_hmac = models.CharField(max_length=64, db_index=True)
    counts = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        permissions = [("erase_person", "Can erase a person's data")]

    def __str__(self) -> str:
        return f"Erasure {self.subject_hmac[:12]} at {self.requested_at:%Y-%m-%d %H:%M}"
