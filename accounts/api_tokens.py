"""Writes on API tokens: create one (its secret is returned once), revoke one."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, hash_token, new_token_secret

MAX_TOKEN_DAYS = 3650


@transaction.atomic
def api_token_create(
    *, user: AbstractBaseUser, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` that lasts ``days`` (default API_TOKEN_TTL_DAYS).

    Return the stored row and the token itself, which is not stored and cannot be shown again.
    """
    days = settings.API_TOKEN_TTL_DAYS if days is None else days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError({"days": f"A token lasts from 1 to {MAX_TOKEN_DAYS} days."})
    if not user.is_active:
        raise ValidationError({"user": "Inactive users cannot have API tokens."})
    prefix, token = new_token_secret()
    created_at = timezone.now()
    row = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=prefix,
        key_hash=hash_token(token),
        created_at=created_at,
        expires_at=created_at + timedelta(days=days),
    )
    return row, token


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke ``token`` from now on; revoking it again changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
