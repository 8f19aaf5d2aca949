"""Writes on contact notes."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from crm.models import Contact, ContactNote


@transaction.atomic
def contact_note_create(
    *, contact: Contact, content: str, author: AbstractBaseUser | None = None
) -> ContactNote:
    """Add a note to ``contact``'s file."""
    content = content.strip()
    if not content:
        raise ValidationError({"content": "A note cannot be empty."})
    return ContactNote.objects.create(
        organization_id=contact.organization_id, contact=contact, content=content, author=author
    )
