"""Writes on tags: put tags on a contact, take them off, or set them all at once."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from core.json_safety import UNSAFE_MESSAGE, has_unsafe_characters
from crm.models import Contact, ContactTag, Organization, Tag

MAX_TAG_LENGTH = Tag._meta.get_field("name").max_length


def _clean_names(names: Iterable[str]) -> list[str]:
    if isinstance(names, str):
        names = [names]
    cleaned: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())
        if has_unsafe_characters(name):
            raise ValidationError({"tags": UNSAFE_MESSAGE})
        if not name:
            raise ValidationError({"tags": "A tag needs a name."})
        if len(name) > MAX_TAG_LENGTH:
            raise ValidationError(
                {"tags": f"A tag name has at most {MAX_TAG_LENGTH} characters: {name[:20]}…"}
            )
        cleaned.setdefault(name.lower(), name)
    return list(cleaned.values())


def tag_get_or_create(*, organization: Organization, name: str) -> tuple[Tag, bool]:
    """Return the organization's tag called ``name`` (any case), creating it if needed, and
    whether it was created."""
    (name,) = _clean_names([name])
    # The case-insensitive unique constraint settles races: get_or_create retries the get.
    return Tag.objects.get_or_create(
        organization=organization, name__iexact=name, defaults={"name": name}
    )


@transaction.atomic
def contact_add_tags(*, contact: Contact, names: Iterable[str]) -> list[Tag]:
    """Tag ``contact`` with each of ``names``; tags it already has stay as they are."""
    tags = [
        tag_get_or_create(organization=contact.organization, name=name)[0]
        for name in _clean_names(names)
    ]
    ContactTag.objects.bulk_create(
        [ContactTag(contact=contact, tag=tag) for tag in tags], ignore_conflicts=True
    )
    return tags


@transaction.atomic
def contact_remove_tags(*, contact: Contact, names: Iterable[str]) -> int:
    """Take the tags called ``names`` (any case) off ``contact``; return how many came off."""
    names = _clean_names(names)
    if not names:
        return 0
    match = Q()
    for name in names:
        match |= Q(tag__name__iexact=name)
    deleted, _ = ContactTag.objects.filter(match, contact=contact).delete()
    return deleted


@transaction.atomic
def contact_set_tags(*, contact: Contact, names: Iterable[str]) -> tuple[int, int]:
    """Make ``names`` (any case) exactly ``contact``'s tags; return (tags put on, taken off)."""
    names = _clean_names(names)
    wanted = {name.lower() for name in names}
    current = [tag.name for tag in contact.tags.all()]
    taken_off = contact_remove_tags(
        contact=contact, names=[name for name in current if name.lower() not in wanted]
    )
    have = {name.lower() for name in current}
    put_on = [name for name in names if name.lower() not in have]
    if put_on:
        contact_add_tags(contact=contact, names=put_on)
    return len(put_on), taken_off


@transaction.atomic
def contacts_add_tag(*, contacts: Iterable[Contact], name: str) -> int:
    """Tag every contact with ``name`` (its organization's tag, made if needed); return how many
    contacts gained it."""
    (name,) = _clean_names([name])
    contacts = list(contacts)
    tags: dict = {}
    links = []
    for contact in contacts:
        if contact.organization_id not in tags:
            tags[contact.organization_id], _ = tag_get_or_create(
                organization=contact.organization, name=name
            )
        links.append(ContactTag(contact=contact, tag=tags[contact.organization_id]))
    had = ContactTag.objects.filter(contact__in=contacts, tag__in=list(tags.values())).count()
    ContactTag.objects.bulk_create(links, ignore_conflicts=True)
    return len(contacts) - had


@transaction.atomic
def contacts_remove_tag(*, contacts: Iterable[Contact], name: str) -> int:
    """Take the tag called ``name`` (any case) off every contact; return how many lost it."""
    (name,) = _clean_names([name])
    deleted, _ = ContactTag.objects.filter(
        contact__in=list(contacts), tag__name__iexact=name
    ).delete()
    return deleted
