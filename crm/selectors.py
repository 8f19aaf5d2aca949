"""CRM reads."""

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower, Trim

from crm.models import (
    Appointment,
    Contact,
    ContactNote,
    Message,
    Organization,
    OrganizationMembership,
    Task,
)

TimelineKind = Literal["note", "appointment", "message", "task"]


@dataclass(frozen=True)
class TimelineEntry:
    kind: TimelineKind
    at: datetime
    record: ContactNote | Appointment | Message | Task


def contact_timeline(*, contact: Contact, limit: int = 50) -> list[TimelineEntry]:
    """Return ``contact``'s latest notes, appointments, messages and tasks, newest first.

    One query per record type (four in all, whatever the history holds): each fetches its own
    newest ``limit`` rows along the contact's timeline index, and the lists are merged by time.
    """
    sources: list[tuple[TimelineKind, QuerySet, str]] = [
        ("note", ContactNote.objects.select_related("author"), "created_at"),
        ("appointment", Appointment.objects.all(), "start_time"),
        ("message", Message.objects.all(), "sent_at"),
        ("task", Task.objects.select_related("assignee"), "created_at"),
    ]
    streams = [
        [
            TimelineEntry(kind=kind, at=getattr(record, time_field), record=record)
            for record in queryset.filter(contact=contact).order_by(f"-{time_field}", "-pk")[:limit]
        ]
        for kind, queryset, time_field in sources
    ]
    merged = heapq.merge(*streams, key=lambda entry: entry.at, reverse=True)
    return list(merged)[:limit]


def contact_list(
    *,
    organization: Organization | None = None,
    tag: str | None = None,
    contact_type: str | None = None,
) -> QuerySet[Contact]:
    """Return contacts, optionally of one organization, with a tag (any case), of a type."""
    contacts = Contact.objects.select_related("organization", "parent_contact")
    if organization is not None:
        contacts = contacts.filter(organization=organization)
    if tag:
        # A contact carries each of its organization's tags at most once: no duplicates.
        contacts = contacts.filter(tags__name__iexact=tag.strip())
    if contact_type:
        contacts = contacts.filter(contact_type=contact_type)
    return contacts


def task_assignees(*, organization_ids: Iterable | None) -> QuerySet:
    """Return the people a task of one of ``organization_ids`` may be given to, by username.

    The one assignee rule (``task_create`` and ``task_assign`` enforce it; every picker offers
    exactly this): active staff who may work for the task's organization, that is members of
    it, platform staff (staff with no membership) and superusers who are active staff too (a
    superuser without the staff flag cannot open the admin, so is never offered). Non-staff and
    inactive accounts never are. ``organization_ids=None`` means any organization: every active
    staff member.
    """
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    if organization_ids is not None:
        memberships = OrganizationMembership.objects.filter(user=OuterRef("pk"))
        users = users.filter(
            Q(is_superuser=True)
            | ~Exists(memberships)
            | Exists(memberships.filter(organization_id__in=list(organization_ids)))
        )
    return users.order_by("username")


def task_assignees_for(*, organization_id) -> QuerySet:
    """Return who may be given a task of ``organization_id`` (``task_assignees``' rule)."""
    return task_assignees(organization_ids=[organization_id])


# The most appointments one calendar page lists (a month of a busy organization stays one
# bounded read); the page says so when there are more.
CALENDAR_LIMIT = 500

# ``owner`` of ``appointment_calendar``: every owner, or only appointments nobody owns.
ANY_OWNER = "anyone"
NO_OWNER = "none"


def appointment_calendar(
    *,
    user,
    start: datetime,
    end: datetime,
    owner: int | str = ANY_OWNER,
    organization_id=None,
    limit: int = CALENDAR_LIMIT,
) -> list[Appointment]:
    """Return the appointments ``user`` may see that start in [``start``, ``end``), in time
    order, with their contact, owner and organization: one query whatever the range holds.

    ``owner`` is a user id, ``ANY_OWNER`` or ``NO_OWNER``; ``organization_id`` narrows to one
    organization (within the user's scope, never beyond it). At most ``limit + 1`` rows come
    back, so a caller can tell that there were more than ``limit``.
    """
    appointments = Appointment.objects.for_user(user).filter(
        start_time__gte=start, start_time__lt=end
    )
    if owner == NO_OWNER:
        appointments = appointments.filter(owner__isnull=True)
    elif owner != ANY_OWNER:
        appointments = appointments.filter(owner_id=owner)
    if organization_id is not None:
        appointments = appointments.filter(organization_id=organization_id)
    appointments = appointments.select_related("contact", "owner", "organization")
    return list(appointments.order_by("start_time", "pk")[: limit + 1])


def contact_email_collisions() -> list[dict]:
    """Contacts of one organization whose emails are one address in different letter case.

    Left as they were by crm 0013 (never merged by a migration); staff merge them. Each entry:
    the organization, the normalized email and the contacts, oldest first.
    """
    groups = (
        Contact.objects.filter(email__isnull=False)
        .annotate(norm=Lower(Trim("email")))
        .values("organization_id", "norm")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .order_by("organization_id", "norm")
    )
    collisions = []
    for group in groups:
        contacts = list(
            Contact.objects.select_related("organization")
            .filter(organization_id=group["organization_id"], email__iexact=group["norm"])
            .order_by("created_at", "pk")
        )
        collisions.append(
            {
                "organization": contacts[0].organization if contacts else None,
                "email": group["norm"],
                "contacts": contacts,
            }
        )
    return collisions
