"""Writes on organizations: create, update.

Who may create one (platform staff only: members work inside theirs) is the callers' rule, as
for the admin's add button (``OrganizationAdmin.has_add_permission``) and the API.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.models import Organization

ORGANIZATION_UPDATABLE_FIELDS = frozenset({"name", "slug", "type"})
SLUG_TAKEN = "Another organization already has this slug."


def _save(organization: Organization, *, update_fields: list[str] | None = None) -> Organization:
    # Field rules: a name, a valid slug, a known type (the slug's uniqueness is the database's).
    organization.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            organization.save(update_fields=update_fields)
    except IntegrityError as exc:
        if "slug" in str(exc):
            raise ValidationError({"slug": SLUG_TAKEN}) from exc
        raise
    return organization


@transaction.atomic
def organization_create(
    *, name: str, slug: str, type: str = Organization.Type.AGENCY
) -> Organization:
    """Create an organization; a slug already taken is a field error, whoever took it first."""
    return _save(Organization(name=name.strip(), slug=slug.strip(), type=type))


@transaction.atomic
def organization_update(*, organization: Organization, data: dict[str, Any]) -> Organization:
    """Change the given fields of ``organization`` (name, slug, type)."""
    unknown = set(data) - ORGANIZATION_UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    changed = []
    for field, value in data.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(organization, field) != value:
            setattr(organization, field, value)
            changed.append(field)
    if not changed:
        return organization
    return _save(organization, update_fields=[*changed, "updated_at"])
