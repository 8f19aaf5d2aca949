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


@transaction.atomic
def contact_note_update(*, note: ContactNote, data: dict) -> ContactNote:
    """Change a note's text or move it to another contact of the same organization."""
    unknown = set(data) - {"contact", "content"}
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    note = ContactNote.objects.select_for_update().get(pk=note.pk)
    changes = {}
    if "content" in data:
        content = data["content"].strip()
        if not content:
            raise ValidationError({"content": "A note cannot be empty."})
        changes["content"] = content
    if "contact" in data:
        if data["contact"].organization_id != note.organization_id:
            raise ValidationError({"contact": "A note stays in its organization."})
        changes["contact"] = data["contact"]
    changes = {field: value for field, value in changes.items() if getattr(note, field) != value}
    for field, value in changes.items():
        setattr(note, field, value)
    if changes:
        note.save(update_fields=[*changes, "updated_at"])
    return note
