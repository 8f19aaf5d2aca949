"""Keep lead data no longer than needed (issue 20, item 4).

A lead never converted into a contact and not seen for ``LEAD_RETENTION_DAYS`` days has served
its purpose: the daily job (``privacy.tasks.lead_retention``) and ``manage.py lead_retention``
erase it through the same code path as a person's erasure (``privacy.erase.erase_rows``): the
lead, its submissions, events and page sessions, its admin history, the emails queued to its
address, and its address in import-event metadata and live sessions.

Unlike an erasure on request, the job looks for the lead's address and phone only (never its
name: a name is not unique, and a job over thousands of leads must not scrub other people's
records), and leaves the address- and phone-keyed rows alone while a kept record (a contact in
any organization, or a lead in another environment) still has that address or phone: that
person is still held for a purpose, and so is their mail.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from django.conf import settings
from django.db import transaction

from crm.models import Contact
from leads.models import UsersLead
from privacy.erase import erase_rows
from privacy.selectors import expired_leads, retention_cutoff

logger = logging.getLogger("privacy")

BATCH_SIZE = 500
MIN_PHONE_DIGITS = 6


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def _held_elsewhere(lead_ids: list, emails: set[str], digits: set[str]) -> tuple[set, set]:
    """The addresses and phone digits that a kept lead or any contact still has."""
    others = UsersLead._base_manager.exclude(pk__in=lead_ids)
    kept_emails = set(others.filter(email__in=emails).values_list("email", flat=True))
    kept_emails |= {
        e.lower()
        for e in Contact._base_manager.filter(email__in=emails).values_list("email", flat=True)
    }
    kept_digits = set(others.filter(phone_digits__in=digits).values_list("phone_digits", flat=True))
    kept_digits |= set(
        Contact._base_manager.filter(phone_digits__in=digits).values_list("phone_digits", flat=True)
    )
    return kept_emails, kept_digits


def _erase_batch(cutoff: datetime, batch_size: int) -> tuple[int, dict[str, int]]:
    """Erase the oldest ``batch_size`` expired leads in one transaction. Return how many leads
    and the row counts."""
    with transaction.atomic():
        # Locked and checked again: a lead that came back or was converted meanwhile stays.
        leads = list(
            expired_leads(cutoff).select_for_update().only("pk", "email", "phone")[:batch_size]
        )
        if not leads:
            return 0, {}
        lead_ids = [lead.pk for lead in leads]
        emails = {lead.email.strip().lower() for lead in leads if lead.email.strip()}
        phones = {
            lead.phone.strip() for lead in leads if len(_digits(lead.phone)) >= MIN_PHONE_DIGITS
        }
        digits = {_digits(phone) for phone in phones}
        kept_emails, kept_digits = _held_elsewhere(lead_ids, emails, digits)
        emails -= kept_emails
        phones = {phone for phone in phones if _digits(phone) not in kept_digits}
        needles = sorted(emails | {p.lower() for p in phones} | {_digits(p) for p in phones})
        counts = erase_rows(
            lead_ids=lead_ids, contact_ids=[], emails=sorted(emails), needles=needles
        )
    return len(leads), counts


def leads_erase_expired(*, days: int | None = None, batch_size: int = BATCH_SIZE) -> dict:
    """Erase every lead never converted and not seen for ``days`` (default
    ``LEAD_RETENTION_DAYS``; None: nothing is erased). Return the lead count and row counts."""
    if days is None:
        days = settings.LEAD_RETENTION_DAYS
    cutoff = retention_cutoff(days)
    total, counts = 0, {}
    if cutoff is not None:
        while True:
            erased, batch_counts = _erase_batch(cutoff, batch_size)
            total += erased
            for label, count in batch_counts.items():
                counts[label] = counts.get(label, 0) + count
            if erased < batch_size:
                break
    logger.info(
        "privacy: retention erased %s lead(s) not seen for %s days (%s)",
        total,
        days if days is not None else "unset",
        ", ".join(f"{label}: {count}" for label, count in counts.items() if count) or "no rows",
    )
    return {"days": days, "cutoff": cutoff, "leads": total, "counts": counts}
