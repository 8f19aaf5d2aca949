"""Reads for the privacy pages: candidate duplicate contacts."""

from __future__ import annotations

import re
from collections import defaultdict
from difflib import SequenceMatcher

from crm.models import Contact

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
