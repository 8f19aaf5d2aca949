"""Reads for privacy: candidate duplicate contacts; the leads the retention job would erase."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from difflib import SequenceMatcher

from django.db.models import Count, Min
from django.utils import timezone

from crm.models import Contact
from leads.models import UsersLead
from privacy.export import _referring as referring_models

# Names compared pairwise (difflib) only within an organization of at most this many contacts;
# bigger ones get the exact normalized-name match only.
SIMILAR_NAME_LIMIT = 500
SIMILAR_NAME_RATIO = 0.9


def normalized_name(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", (name or "").lower()).split())


def phone_digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def possible_duplicates(contacts) -> list[dict]:
    """Groups of contacts of one organization sharing an email (case-insensitive), the phone
    digits, or a (nearly) equal name. Return [{"reason", "organization", "contacts"}]."""
    by_org: dict = defaultdict(list)
    for contact in contacts.select_related("organization").order_by("organization", "pk"):
        by_org[contact.organization_id].append(contact)
    groups: list[dict] = []
    seen: set[frozenset] = set()

    def add(reason: str, members: list[Contact]) -> None:
        key = frozenset(c.pk for c in members)
        if len(key) < 2 or key in seen:
            return
        seen.add(key)
        groups.append(
            {"reason": reason, "organization": members[0].organization, "contacts": members}
        )

    for members in by_org.values():
        for reason, key in (
            ("same email", lambda c: (c.email or "").strip().lower()),
            ("same phone", lambda c: phone_digits(c.phone)),
            ("same name", lambda c: normalized_name(c.name)),
        ):
            buckets: dict = defaultdict(list)
            for contact in members:
                value = key(contact)
                if value and (reason != "same phone" or len(value) >= 6):
                    buckets[value].append(contact)
            for bucket in buckets.values():
                add(reason, bucket)
        if len(members) <= SIMILAR_NAME_LIMIT:
            names = [(c, normalized_name(c.name)) for c in members]
            for i, (a, name_a) in enumerate(names):
                for b, name_b in names[i + 1 :]:
                    if name_a and name_a != name_b:
                        ratio = SequenceMatcher(None, name_a, name_b).ratio()
                        if ratio >= SIMILAR_NAME_RATIO:
                            add("similar name", [a, b])
    return groups


# -- retention (issue 20, item 4) ----------------------------------------------------------------


def retention_cutoff(days: int | None, *, at: datetime | None = None) -> datetime | None:
    """Return the time before which an unconverted lead's last visit makes it expire (None:
    no retention period, nothing expires)."""
    if days is None:
        return None
    return (at or timezone.now()) - timedelta(days=days)


def expired_leads(cutoff: datetime | None):
    """Leads never converted and last seen before ``cutoff``, oldest first (none without one)."""
    if cutoff is None:
        return UsersLead._base_manager.none()
    return UsersLead._base_manager.filter(
        converted_at__isnull=True, last_seen_at__lt=cutoff
    ).order_by("last_seen_at", "pk")


def retention_plan(days: int | None, *, at: datetime | None = None) -> dict:
    """What the retention job would erase now: the leads, the oldest last visit, and how many
    rows of each kind hang on them."""
    cutoff = retention_cutoff(days, at=at)
    leads = expired_leads(cutoff)
    figures = leads.aggregate(count=Count("pk"), oldest=Min("last_seen_at"))
    rows = {}
    if figures["count"]:
        for model, field in referring_models(UsersLead):
            rows[model._meta.label] = model._base_manager.filter(
                **{f"{field}__in": leads.values("pk")}
            ).count()
    return {
        "days": days,
        "cutoff": cutoff,
        "leads": figures["count"],
        "oldest_last_seen": figures["oldest"],
        "rows": rows,
    }
