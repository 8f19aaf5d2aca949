"""Erase a person (issue 20): their personal data disappears from every table.

Found as privacy.export finds them (leads and contacts by email or phone, in every
organization). Deleted: the leads and every row pointing at them (submissions, events, page
sessions), the contacts and every row under them (notes, appointments, messages, tasks, tags,
integrations, enrollments, progress; children are kept, unparented), emails addressed to them
(any model with an EmailField ``to``), admin history rows about them or naming them, and
sessions whose data names them. Import events' metadata (legacy records) is scrubbed: any JSON
value mentioning the email, phone or name is replaced. Every background export made before the
erasure (exports app: the job and its file) is deleted, since any list may hold them; so is
every background import (its file of contacts, its problems quoting cells).
Idempotent: a second run finds nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils.timezone import now

from alerts.selectors import digest_emails_listing
from crm.models import Contact
from exports.import_services import import_jobs_erase
from exports.services import export_jobs_erase
from leads.models import LeadEvent, UsersLead
from privacy.export import (
    _mailbox_models,
    _referring,
    caused_emails,
    find_contacts,
    find_leads,
)
from privacy.models import ErasureRequest

ERASED = "[erased]"


def subject_hmac(email: str | None, phone: str | None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    subject = f"{(email or '').strip().lower()}|{digits}"
    return hmac.new(settings.SECRET_KEY.encode(), subject.encode(), hashlib.sha256).hexdigest()


def _scrub(value: Any, needles: list[str]) -> tuple[Any, bool]:
    """Replace every JSON value that mentions one of ``needles``; drop such list items."""
    if isinstance(value, str):
        low = value.lower()
        if any(n in low for n in needles):
            return ERASED, True
        return value, False
    if isinstance(value, list):
        out, changed = [], False
        for item in value:
            new, hit = _scrub(item, needles)
            if hit and isinstance(item, dict):
                changed = True
                continue  # a legacy record of this person: drop it whole
            out.append(new)
            changed |= hit
        return out, changed
    if isinstance(value, dict):
        out, changed = {}, False
        for key, item in value.items():
            new, hit = _scrub(item, needles)
            out[key] = new
            changed |= hit
        return out, changed
    return value, False


def person_erase(
    *, email: str | None = None, phone: str | None = None, user=None
) -> ErasureRequest:
    """Erase everything held about the person with ``email``/``phone``; log the request."""
    if not email and not phone:
        raise ValueError("Give an email or a phone number.")
    request = ErasureRequest.objects.create(
        requested_by=user if getattr(user, "pk", None) else None,
        subject_hmac=subject_hmac(email, phone),
    )
    with transaction.atomic():
        leads = list(find_leads(email, phone).select_for_update())
        contacts = list(find_contacts(email, phone))
        names = {x.name.strip().lower() for x in [*leads, *contacts] if len(x.name.strip()) >= 4}
        needles = [n for n in [(email or "").strip().lower(), *names] if n]
        digits = re.sub(r"\D", "", phone or "")
        phones = {p for p in [phone, *(x.phone for x in [*leads, *contacts])] if p}
        needles += [p.strip().lower() for p in phones if len(p.strip()) >= 6]
        if len(digits) >= 6:
            needles.append(digits)
        counts = erase_rows(
            lead_ids=[lead.pk for lead in leads],
            contact_ids=[c.pk for c in contacts],
            emails=[email] if email else [],
            needles=needles,
        )
        # Export files are lists of leads and contacts: which of them hold this person cannot
        # be told, so every one made before the erasure goes (files once it commits).
        counts["exports.ExportJob"] = export_jobs_erase(created_before=now())
        # Likewise the files of background imports (contacts), and their jobs' problem lists.
        counts["exports.ImportJob"] = import_jobs_erase(created_before=now())
        request.counts = dict(counts)
        request.finished_at = now()
        request.save(update_fields=["counts", "finished_at"])
    return request


def erase_rows(
    *, lead_ids: list, contact_ids: list, emails: list[str], needles: list[str]
) -> dict[str, int]:
    """Delete the leads and contacts and every row referring to them, the emails addressed to
    ``emails``, and scrub or delete what names one of ``needles`` (lower-case): event metadata,
    admin history, live sessions. Call inside a transaction. Return counts per model.

    The one code path of erasure: ``person_erase`` (one person, on request) and the retention
    job (``privacy.retention``, leads no longer needed) both come through here.
    """
    counts: dict[str, int] = {}
    object_ids = [str(i) for i in [*lead_ids, *contact_ids]]
    # Emails their records caused (a reminder's copy to a staff member names them): read
    # before the records go.
    caused = caused_emails(lead_ids=lead_ids, contact_ids=contact_ids)
    # Staff digests that listed their leads (alerts): found through the alerts, read first too.
    caused |= digest_emails_listing(lead_ids)

    for model, field in _referring(UsersLead):
        if model is Contact:
            continue
        deleted, _ = model._base_manager.filter(**{f"{field}__in": lead_ids}).delete()
        counts[model._meta.label] = counts.get(model._meta.label, 0) + deleted
    for model, field in _referring(Contact):
        if model is Contact or model is UsersLead:
            continue
        deleted, _ = model._base_manager.filter(**{f"{field}__in": contact_ids}).delete()
        counts[model._meta.label] = counts.get(model._meta.label, 0) + deleted
    # Leads converted into an erased contact lose the link (set null by the delete).
    counts["crm.Contact"] = Contact._base_manager.filter(pk__in=contact_ids).delete()[0]
    counts["leads.UsersLead"] = UsersLead._base_manager.filter(pk__in=lead_ids).delete()[0]
    addresses = Q(pk__in=[])
    for email in emails:
        addresses |= Q(to__iexact=email.strip())
    for model in _mailbox_models():
        counts[model._meta.label] = (
            model._base_manager.filter(addresses).delete()[0] if emails else 0
        )
        if {"origin_label", "origin_id"} <= {f.name for f in model._meta.fields}:
            counts[model._meta.label] += model._base_manager.filter(caused).delete()[0]

    # Import events and any other event metadata naming them (legacy records).
    scrubbed = 0
    if needles:
        q = Q()
        for needle in needles:
            q |= Q(metadata__icontains=needle)
        for event in LeadEvent.objects.filter(q):
            metadata, changed = _scrub(event.metadata, needles)
            if changed:
                LeadEvent.objects.filter(pk=event.pk).update(metadata=metadata)
                scrubbed += 1
    counts["leads.LeadEvent (metadata scrubbed)"] = scrubbed

    # Admin history: rows about their objects, or naming them.
    q = Q(object_id__in=object_ids)
    for needle in needles:
        q |= Q(object_repr__icontains=needle) | Q(change_message__icontains=needle)
    counts["admin.LogEntry"] = (
        LogEntry.objects.filter(q).delete()[0] if object_ids or needles else 0
    )

    # Sessions whose data names them (e.g. a form's saved input).
    doomed = []
    if needles:
        for session in Session.objects.filter(expire_date__gt=now()).iterator():
            try:
                text = str(session.get_decoded()).lower()
            except Exception:  # an undecodable session is not theirs to keep or judge
                continue
            if any(n in text for n in needles):
                doomed.append(session.pk)
    counts["sessions.Session"] = Session.objects.filter(pk__in=doomed).delete()[0]
    return counts
