"""One search across the workspace: leads, contacts, contact messages and notes.

Each group is one query (contact messages two: their own text, their lead), limited to
``GROUP_LIMIT`` rows and scoped to what the staff member may
see (``for_user``) and view (the model's view permission), so the page costs the same few
queries at any table size; trigram indexes serve the ``icontains`` matches on PostgreSQL.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from core.search import name_search_q, phone_search_q
from crm.models import Contact, ContactNote
from leads.models import ContactMessage, UsersLead

GROUP_LIMIT = 20
MIN_TERM_LENGTH = 2


@dataclass
class Hit:
    title: str
    detail: str
    url: str


@dataclass
class Group:
    label: str
    changelist_url: str
    hits: list[Hit] = field(default_factory=list)

    @property
    def more(self) -> bool:
        return len(self.hits) >= GROUP_LIMIT


def _people_q(term: str, *, prefix: str = "") -> Q:
    # A name whatever its case and accents, any part of an email, a phone by its digits.
    query = Q(**{f"{prefix}email__icontains": term}) | name_search_q(term, f"{prefix}name")
    phone = phone_search_q(f"{prefix}phone_digits", term)
    return query | phone if phone is not None else query


def workspace_search(*, user, term: str) -> list[Group]:
    """Return the groups of matches for ``term`` that ``user`` may see; empty for a short term."""
    term = term.strip()
    if len(term) < MIN_TERM_LENGTH:
        return []
    query = "?" + urlencode({"q": term})
    groups = []
    if user.has_perm("leads.view_userslead"):
        leads = (
            UsersLead.objects.for_user(user)
            .filter(_people_q(term))
            .order_by("-last_seen_at")[:GROUP_LIMIT]
        )
        groups.append(
            Group(
                "Leads",
                reverse("admin:leads_userslead_changelist") + query,
                [
                    Hit(
                        lead.name or lead.email,
                        f"{lead.email} {lead.phone}".strip(),
                        reverse("admin:leads_userslead_change", args=[lead.pk]),
                    )
                    for lead in leads
                ],
            )
        )
    if user.has_perm("crm.view_contact"):
        contacts = (
            Contact.objects.for_user(user)
            .filter(_people_q(term))
            .select_related("organization")
            # Lower(name), which no index keeps in order: PostgreSQL takes the matches through the
            # trigram indexes and sorts them, instead of walking the name index from "A" until it
            # meets 20 (hundreds of milliseconds for a common name at 200,000 contacts).
            .order_by(Lower("name"), "pk")[:GROUP_LIMIT]
        )
        groups.append(
            Group(
                "Contacts",
                reverse("admin:crm_contact_changelist") + query,
                [
                    Hit(
                        contact.name,
                        " · ".join(
                            part
                            for part in (contact.email, contact.phone, contact.organization.name)
                            if part
                        ),
                        reverse("admin:crm_contact_change", args=[contact.pk]),
                    )
                    for contact in contacts
                ],
            )
        )
    if user.has_perm("leads.view_contactmessage"):
        # Two queries, each served by its indexes: the messages whose own text matches, and the
        # messages of the leads who match. One query ORing both across the join makes
        # PostgreSQL join the whole of both tables and filter every pair (docs/performance.md).
        in_scope = (
            ContactMessage.objects.for_user(user)
            .select_related("lead")
            .order_by("-created_at", "-pk")
        )
        own_text = in_scope.filter(Q(subject__icontains=term) | Q(message__icontains=term))
        of_leads = in_scope.filter(lead__in=UsersLead.objects.filter(_people_q(term)).values("pk"))
        newest = {m.pk: m for m in [*own_text[:GROUP_LIMIT], *of_leads[:GROUP_LIMIT]]}
        messages = sorted(newest.values(), key=lambda m: (m.created_at, m.pk), reverse=True)[
            :GROUP_LIMIT
        ]
        groups.append(
            Group(
                "Contact messages",
                reverse("admin:leads_contactmessage_changelist") + query,
                [
                    Hit(
                        message.subject or message.message[:60],
                        message.lead.email if message.lead else "",
                        reverse("admin:leads_contactmessage_change", args=[message.pk]),
                    )
                    for message in messages
                ],
            )
        )
    if user.has_perm("crm.view_contactnote"):
        notes = (
            ContactNote.objects.for_user(user)
            .filter(content__icontains=term)
            .select_related("contact")
            .order_by("-created_at")[:GROUP_LIMIT]
        )
        groups.append(
            Group(
                "Notes",
                reverse("admin:crm_contactnote_changelist") + query,
                [
                    Hit(
                        note.content[:80],
                        note.contact.name,
                        reverse("admin:crm_contactnote_change", args=[note.pk]),
                    )
                    for note in notes
                ],
            )
        )
    return groups
