"""Privacy services: merge duplicate contacts into one (issue 20).

Every row that points at a contact is listed once, in ``CONTACT_RELATIONS``; a test enumerates
every ForeignKey, OneToOne and ManyToMany to ``crm.Contact`` across the installed apps and fails
if one is missing here, so a new table cannot be forgotten by the merge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict

from crm.models import (
    Appointment,
    Contact,
    ContactIntegration,
    ContactNote,
    ContactTag,
    Message,
    Task,
)
from leads.models import UsersLead
from lms.models import Enrollment, LessonProgress
from privacy.models import MergeRecord

# Fields staff choose a winner for, field by field; the rest of the survivor stays.
MERGE_FIELDS = ("name", "email", "phone", "address", "timezone", "contact_type", "parent_contact")


def _move(model: type[models.Model], field: str) -> Callable:
    def handler(survivor: Contact, duplicate_ids: list, dry_run: bool) -> int:
        rows = model._base_manager.filter(**{f"{field}__in": duplicate_ids})
        if dry_run:
            return rows.count()
        return rows.update(**{field: survivor.pk})

    return handler


def _move_children(survivor: Contact, duplicate_ids: list, dry_run: bool) -> int:
    # A duplicate's children become the survivor's; the survivor never becomes its own parent.
    rows = Contact._base_manager.filter(parent_contact__in=duplicate_ids).exclude(pk=survivor.pk)
    rows = rows.exclude(pk__in=duplicate_ids)
    if dry_run:
        return rows.count()
    return rows.update(parent_contact=survivor.pk)


def _merge_tags(survivor: Contact, duplicate_ids: list, dry_run: bool) -> int:
    have = set(ContactTag._base_manager.filter(contact=survivor).values_list("tag_id", flat=True))
    theirs = ContactTag._base_manager.filter(contact__in=duplicate_ids)
    new = set(theirs.values_list("tag_id", flat=True)) - have
    if not dry_run:
        ContactTag._base_manager.bulk_create(
            [ContactTag(contact=survivor, tag_id=tag_id) for tag_id in sorted(new)]
        )
        theirs.delete()
    return len(new)


def _merge_enrollments(survivor: Contact, duplicate_ids: list, dry_run: bool) -> int:
    """Move enrollments; where both are enrolled in one course keep the survivor's."""

    taken = set(
        Enrollment._base_manager.filter(contact=survivor).values_list("course_id", flat=True)
    )
    moved = 0
    for enrollment in Enrollment._base_manager.filter(contact__in=duplicate_ids).order_by(
        "created_at", "pk"
    ):
        if enrollment.course_id in taken:
            if not dry_run:
                enrollment.delete()
            continue
        taken.add(enrollment.course_id)
        moved += 1
        if not dry_run:
            Enrollment._base_manager.filter(pk=enrollment.pk).update(contact=survivor.pk)
    return moved


def _merge_progress(survivor: Contact, duplicate_ids: list, dry_run: bool) -> int:
    """Move lesson progress; one row per lesson, completed if any of them was (the union)."""

    mine = {p.lesson_id: p for p in LessonProgress._base_manager.filter(contact=survivor)}
    moved = 0
    for progress in LessonProgress._base_manager.filter(contact__in=duplicate_ids).order_by(
        "created_at", "pk"
    ):
        kept = mine.get(progress.lesson_id)
        if kept is not None:
            if progress.completed and not kept.completed:
                kept.completed = True
                if not dry_run:
                    LessonProgress._base_manager.filter(pk=kept.pk).update(completed=True)
            if not dry_run:
                progress.delete()
            continue
        mine[progress.lesson_id] = progress
        moved += 1
        if not dry_run:
            LessonProgress._base_manager.filter(pk=progress.pk).update(contact=survivor.pk)
    return moved


def contact_relations() -> dict[tuple[str, str], Callable]:
    """Every (model label, field) pointing at crm.Contact, with how the merge moves its rows."""

    return {
        ("crm.ContactNote", "contact"): _move(ContactNote, "contact"),
        ("crm.Appointment", "contact"): _move(Appointment, "contact"),
        ("crm.Message", "contact"): _move(Message, "contact"),
        ("crm.Task", "contact"): _move(Task, "contact"),
        ("crm.ContactIntegration", "contact"): _move(ContactIntegration, "contact"),
        ("crm.Contact", "parent_contact"): _move_children,
        ("crm.ContactTag", "contact"): _merge_tags,
        ("lms.Enrollment", "contact"): _merge_enrollments,
        ("lms.LessonProgress", "contact"): _merge_progress,
        ("leads.UsersLead", "converted_contact"): _move(UsersLead, "converted_contact"),
    }


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _snapshot(contact: Contact) -> dict:
    data = model_to_dict(contact, exclude=["tags"])
    data["id"] = str(contact.pk)
    data["tags"] = sorted(contact.tags.values_list("name", flat=True))
    data["created_at"] = contact.created_at
    return _jsonable(data)


def _merged_custom_fields(contacts_by_id: dict, ordered: list, field_choices: dict) -> dict:
    """Union of every custom field; a conflict is won by field_choices["custom_fields.<key>"]
    or field_choices["custom_fields"], else by the survivor (first in ``ordered``)."""
    result: dict = {}
    for contact in reversed(ordered):  # the survivor last: it wins unless told otherwise
        result.update(contact.custom_fields or {})
    winner = field_choices.get("custom_fields")
    if winner is not None:
        result.update(contacts_by_id[winner].custom_fields or {})
    for key, choice in field_choices.items():
        if key.startswith("custom_fields."):
            name = key.split(".", 1)[1]
            source = contacts_by_id[choice].custom_fields or {}
            if name in source:
                result[name] = source[name]
            else:
                result.pop(name, None)
    return result


def _as_key(value: Any) -> str:
    return str(value)


def contacts_merge(
    survivor: Contact,
    duplicates: Iterable[Contact | Any],
    field_choices: dict[str, Any] | None = None,
    user=None,
    dry_run: bool = False,
) -> dict:
    """Merge ``duplicates`` into ``survivor``: every row moves, the duplicates are deleted.

    ``field_choices`` maps a field ("name", "email", ..., "custom_fields" or
    "custom_fields.<key>") to the id of the contact whose value wins; unnamed fields keep the
    survivor's value. One organization only. Atomic; all contacts are locked with SELECT ... FOR
    UPDATE in primary-key order, so two merges over shared contacts wait for each other instead
    of deadlocking. ``dry_run`` answers the counts that would move and writes nothing.
    Return {"survivor": id, "duplicates": [ids], "moved": {relation: count}, "record": id|None}.
    """
    field_choices = {k: _as_key(v) for k, v in (field_choices or {}).items()}
    duplicate_ids = sorted({_as_key(getattr(d, "pk", d)) for d in duplicates})
    survivor_id = _as_key(survivor.pk)
    if not duplicate_ids:
        raise ValidationError({"duplicates": "Name at least one duplicate."})
    if survivor_id in duplicate_ids:
        raise ValidationError({"duplicates": "The survivor cannot be one of its duplicates."})
    all_ids = sorted([survivor_id, *duplicate_ids])
    unknown = [k for k in field_choices if k not in MERGE_FIELDS and k != "custom_fields"]
    unknown = [k for k in unknown if not k.startswith("custom_fields.")]
    if unknown:
        raise ValidationError({"fields": f"Unknown fields: {', '.join(sorted(unknown))}."})
    wrong = sorted({v for v in field_choices.values() if v not in all_ids})
    if wrong:
        raise ValidationError({"fields": "A field's winner must be the survivor or a duplicate."})

    with transaction.atomic():
        # The fixed order (by pk) is what keeps concurrent merges from deadlocking.
        locked = list(
            Contact._base_manager.select_for_update().filter(pk__in=all_ids).order_by("pk")
        )
        by_id = {_as_key(c.pk): c for c in locked}
        missing = [i for i in all_ids if i not in by_id]
        if missing:
            raise ValidationError({"duplicates": f"No such contact: {', '.join(missing)}."})
        survivor = by_id[survivor_id]
        organizations = {c.organization_id for c in locked}
        if len(organizations) != 1:
            raise ValidationError(
                {"duplicates": "Only contacts of one organization can be merged."}
            )
        dups = [by_id[i] for i in duplicate_ids]
        snapshot = {_as_key(d.pk): _snapshot(d) for d in dups}

        moved = {}
        for (label, field), handler in contact_relations().items():
            moved[f"{label}.{field}"] = handler(survivor, duplicate_ids, dry_run)

        # Field winners, computed before the duplicates go.
        values = {}
        for field in MERGE_FIELDS:
            choice = field_choices.get(field)
            if choice is not None and choice != survivor_id:
                attname = Contact._meta.get_field(field).attname
                values[attname] = getattr(by_id[choice], attname)
        if values.get("parent_contact_id") is not None:
            parent = _as_key(values["parent_contact_id"])
            if parent in all_ids:
                values["parent_contact_id"] = None
        if (
            survivor.parent_contact_id is not None
            and _as_key(survivor.parent_contact_id) in all_ids
        ):
            values.setdefault("parent_contact_id", None)
            if (
                values["parent_contact_id"] is not None
                and _as_key(values["parent_contact_id"]) in all_ids
            ):
                values["parent_contact_id"] = None
        values["custom_fields"] = _merged_custom_fields(by_id, [survivor, *dups], field_choices)

        result = {
            "survivor": survivor_id,
            "duplicates": duplicate_ids,
            "moved": moved,
            "fields": _jsonable(values),
            "record": None,
        }
        if dry_run:
            transaction.set_rollback(True)
            return result

        Contact._base_manager.filter(pk__in=duplicate_ids).delete()
        for attname, value in values.items():
            setattr(survivor, attname, value)
        survivor.full_clean(
            exclude=["organization", "parent_contact", "tags"], validate_constraints=False
        )
        survivor.save()
        record = MergeRecord.objects.create(
            merged_by=user if getattr(user, "pk", None) else None,
            organization_id=survivor.organization_id,
            survivor_id=survivor.pk,
            duplicate_ids=duplicate_ids,
            field_choices=field_choices,
            moved=moved,
            snapshot=snapshot,
        )
        result["record"] = record.pk
        return result
