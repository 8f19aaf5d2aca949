"""Staff identity: what belongs to a staff member's account: the staff API's Bearer tokens and
their preferences."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# The token a client sends: "<prefix>.<secret>". Only the prefix (for display and support) and
# the sha256 of the whole token are stored; the token itself is shown once, when it is made.
TOKEN_PREFIX_LENGTH = 8
# last_used_at is written at most once per this interval, so a busy client costs no writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """Return the stored form of ``token`` (hex sha256)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self, *, at=None) -> "ApiTokenQuerySet":
        """Return the tokens that authenticate right now: not revoked, not expired."""
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at)


class ApiToken(models.Model):
    """A staff member's Bearer token for the REST API; stored hashed, expires, can be revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for.")
    prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        # Made by core 0001 before the token moved here (accounts 0002): the table keeps its name.
        db_table = "core_apitoken"
        verbose_name = "API token"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="core_apitoken_expires_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


def new_token_secret() -> tuple[str, str]:
    """Return a fresh (prefix, token): the token is "<prefix>.<random secret>"."""
    prefix = secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)
    return prefix, f"{prefix}.{secrets.token_urlsafe(32)}"


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
