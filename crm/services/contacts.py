"""Writes on contacts: create, update, move in the hierarchy."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.emails import normalize_email
from crm.hierarchy import check_parent
from crm.models import Contact, Organization

CONTACT_UPDATABLE_FIELDS = frozenset(
    {"name", "email", "phone", "address", "timezone", "contact_type", "custom_fields"}
)


def _clean_email(email: str | None) -> str | None:
    # One rule with leads and imports (core/emails.py): trimmed and lower-cased. Blank means
    # "no email": NULL keeps the per-organization unique rule out of the way.
    return normalize_email(email or "") or None


def _save(contact: Contact, *, update_fields: list[str] | None = None) -> Contact:
    # Field rules (email, choices, custom fields) and Contact.clean() (the hierarchy rules).
    contact.full_clean(
        exclude=["organization", "parent_contact", "tags"], validate_constraints=False
    )
    try:
        with transaction.atomic():
            contact.save(update_fields=update_fields)
    except IntegrityError as exc:
        if "email" in str(exc):
            raise ValidationError(
                {"email": "Another contact of this organization already has this email."}
            ) from exc
        raise
    return contact


@transaction.atomic
def contact_create(
    *,
    organization: Organization,
    name: str,
    contact_type: str = Contact.Type.INDIVIDUAL,
    email: str | None = None,
    phone: str = "",
    address: str = "",
    timezone: str = "",
    parent_contact: Contact | None = None,
    custom_fields: dict[str, Any] | None = None,
) -> Contact:
    """Create a contact in ``organization``, optionally under ``parent_contact``."""
    contact = Contact(
        organization=organization,
        name=name.strip(),
        contact_type=contact_type,
        email=_clean_email(email),
        phone=phone.strip(),
        address=address.strip(),
        timezone=timezone.strip(),
        parent_contact=parent_contact,
        custom_fields={} if custom_fields is None else custom_fields,
    )
    # full_clean() runs Contact.clean(): the hierarchy rules.
    return _save(contact)


@transaction.atomic
def contact_update(*, contact: Contact, data: dict[str, Any]) -> Contact:
    """Change the given fields of ``contact``; the hierarchy has its own service."""
    unknown = set(data) - CONTACT_UPDATABLE_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changed = []
    for field, value in data.items():
        if field == "email":
            value = _clean_email(value)
        elif isinstance(value, str):
            value = value.strip()
        if getattr(contact, field) != value:
            setattr(contact, field, value)
            changed.append(field)
    if not changed:
        return contact
    return _save(contact, update_fields=[*changed, "updated_at"])


@transaction.atomic
def contact_move(*, contact: Contact, parent: Contact | None) -> Contact:
    """Place ``contact`` under ``parent`` (or at the top with None)."""
    # Moves in one organization take turns, so two concurrent moves cannot close a cycle.
    Organization.objects.select_for_update().filter(pk=contact.organization_id).first()
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if parent is not None:
        parent = Contact.objects.get(pk=parent.pk)
    check_parent(contact=contact, parent=parent)
    if contact.parent_contact_id == (parent.pk if parent else None):
        return contact
    contact.parent_contact = parent
    contact.save(update_fields=["parent_contact", "updated_at"])
    return contact
