"""Writes on contacts' integrations: a contact's record in an outside system (provider, id)."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.constraints import validation_error_from_integrity_error
from core.json_safety import validate_safe_strings
from crm.models import Contact, ContactIntegration

INTEGRATION_UPDATABLE_FIELDS = frozenset(
    {"external_id", "external_data", "sync_status", "last_sync_at"}
)


def _check(integration: ContactIntegration) -> None:
    errors = {}
    for field in ("provider", "external_id", "sync_status"):
        if not getattr(integration, field):
            errors[field] = "This field cannot be blank."
    if not isinstance(integration.external_data, dict):
        errors["external_data"] = "The outside system's data is a JSON object."
    else:
        try:
            validate_safe_strings(integration.external_data)
        except ValidationError as exc:
            errors["external_data"] = exc.messages
    if errors:
        raise ValidationError(errors)


def _save(integration: ContactIntegration, **kwargs) -> ContactIntegration:
    _check(integration)
    try:
        with transaction.atomic():
            integration.save(**kwargs)
    except IntegrityError as exc:
        # The same provider's id on a second contact: that field's error, nothing written.
        error = validation_error_from_integrity_error(exc)
        if error is None:
            raise
        raise error from exc
    return integration


@transaction.atomic
def contact_integration_create(
    *,
    contact: Contact,
    provider: str,
    external_id: str,
    external_data: dict[str, Any] | None = None,
    sync_status: str = "active",
    last_sync_at: datetime | None = None,
) -> ContactIntegration:
    """Link ``contact`` to its record ``external_id`` at ``provider``."""
    integration = ContactIntegration(
        contact=contact,
        provider=provider.strip(),
        external_id=external_id.strip(),
        external_data={} if external_data is None else external_data,
        sync_status=sync_status.strip(),
        last_sync_at=last_sync_at,
    )
    return _save(integration, force_insert=True)


@transaction.atomic
def contact_integration_update(
    *, integration: ContactIntegration, data: dict[str, Any]
) -> ContactIntegration:
    """Change the given fields; an integration keeps its contact and provider."""
    unknown = set(data) - INTEGRATION_UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    integration = ContactIntegration.objects.select_for_update().get(pk=integration.pk)
    changed = []
    for field, value in data.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(integration, field) != value:
            setattr(integration, field, value)
            changed.append(field)
    if not changed:
        return integration
    return _save(integration, update_fields=[*changed, "updated_at"])
