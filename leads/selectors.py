"""Reads for lead capture."""

from django.db.models import QuerySet

from leads.environment import current_environment
from leads.models import LeadEvent, UsersLead
from leads.normalize import normalize_email


def lead_get_by_email(*, email: str) -> UsersLead | None:
    """Return this environment's lead for ``email`` in any letter case, or None."""
    return UsersLead.objects.filter(
        email=normalize_email(email), environment=current_environment()
    ).first()


def lead_timeline(*, lead: UsersLead) -> QuerySet[LeadEvent]:
    """Return the lead's events, oldest first."""
    return lead.events.order_by("created_at", "id")
