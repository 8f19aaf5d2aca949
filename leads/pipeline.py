"""Services and selectors for staff's work on leads: their status and their owner.

A lead moves NEW -> CONTACTED -> QUALIFIED or UNQUALIFIED by hand; CONVERTED is set only by
``lead_convert_to_contact`` and is final. An owner is an active staff member who may change
leads. Every change leaves one LEAD_EDITED event per lead naming who made it, so the lead's
timeline tells the story. The bulk services lock the rows they change and write all the events
in one INSERT, so an action on 500 leads is a handful of statements.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet

from leads.models import LeadEvent, LeadEventType, LeadStatus, UsersLead

# Who may own a lead: whoever may change leads (Sales and Managers, and superusers).
OWNER_PERMISSION = ("leads", "change_userslead")
# The group round-robin assignment shares new leads among.
ROUND_ROBIN_GROUP = "Sales"

STAFF_STATUSES = [
    status for status in LeadStatus.values if status != LeadStatus.CONVERTED
]  # the statuses staff may set by hand


def lead_owner_candidates() -> QuerySet:
    """Active staff who may change leads: the only people a lead may be assigned to."""
    app_label, codename = OWNER_PERMISSION
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=permission)
            | Q(user_permissions__in=permission)
        )
        .distinct()
        .order_by("username")
    )


def _owner_name(user) -> str | None:
    return user.get_username() if user is not None else None


def _write_events(changes: dict[UsersLead, dict], by: str) -> None:
    LeadEvent.objects.bulk_create(
        [
            LeadEvent(
                lead=lead,
                event_type=LeadEventType.LEAD_EDITED,
                metadata={"changes": change, "by": by},
                environment=lead.environment,
            )
            for lead, change in changes.items()
        ]
    )


def _locked(leads: Iterable[UsersLead] | QuerySet) -> list[UsersLead]:
    ids = [lead.pk for lead in leads]
    # A fixed order, so two bulk actions over overlapping leads never deadlock.
    return list(
        UsersLead.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(pk__in=ids)
        .order_by("pk")
    )


@transaction.atomic
def leads_set_status(*, leads: Iterable[UsersLead], status: str, by: str) -> int:
    """Set ``status`` on every lead that can take it; return how many changed.

    Converted leads keep CONVERTED (they are skipped); CONVERTED itself cannot be set by hand.
    """
    if status == LeadStatus.CONVERTED:
        raise ValidationError({"status": "A lead becomes converted only by converting it."})
    if status not in STAFF_STATUSES:
        raise ValidationError({"status": f"Choose one of: {', '.join(STAFF_STATUSES)}."})
    changed = {
        lead: {"status": [lead.status, status]}
        for lead in _locked(leads)
        if lead.status != status and lead.status != LeadStatus.CONVERTED
    }
    if changed:
        UsersLead.objects.filter(pk__in=[lead.pk for lead in changed]).update(status=status)
        _write_events(changed, by)
    return len(changed)


def lead_set_status(*, lead: UsersLead, status: str, by: str) -> UsersLead:
    """Set one lead's status; a converted lead's status cannot change."""
    if lead.status == LeadStatus.CONVERTED and status != LeadStatus.CONVERTED:
        raise ValidationError({"status": "This lead is converted; its status stays Converted."})
    leads_set_status(leads=[lead], status=status, by=by)
    lead.refresh_from_db(fields=["status"])
    return lead


def _check_owner(owner) -> None:
    if owner is not None and not lead_owner_candidates().filter(pk=owner.pk).exists():
        raise ValidationError({"owner": "Choose an active staff member who works on leads."})


@transaction.atomic
def leads_assign_owner(*, leads: Iterable[UsersLead], owner, by: str) -> int:
    """Give every lead to ``owner`` (None: unowned); return how many changed."""
    _check_owner(owner)
    owner_id = owner.pk if owner is not None else None
    changed = {
        lead: {"owner": [_owner_name(lead.owner), _owner_name(owner)]}
        for lead in _locked(leads)
        if lead.owner_id != owner_id
    }
    if changed:
        UsersLead.objects.filter(pk__in=[lead.pk for lead in changed]).update(owner=owner)
        _write_events(changed, by)
    return len(changed)


def lead_assign_owner(*, lead: UsersLead, owner, by: str) -> UsersLead:
    leads_assign_owner(leads=[lead], owner=owner, by=by)
    lead.refresh_from_db(fields=["owner"])
    return lead


def round_robin_members() -> list:
    """Sales members who may own leads, the one given a lead longest ago first."""
    return list(
        lead_owner_candidates()
        .filter(groups__name=ROUND_ROBIN_GROUP)
        .annotate(
            last_given=Max("owned_leads__first_seen_at"),
            open_leads=Count(
                "owned_leads", filter=~Q(owned_leads__status=LeadStatus.CONVERTED), distinct=True
            ),
        )
        .order_by("open_leads", "last_given", "username")
    )


@transaction.atomic
def leads_assign_round_robin(*, leads: Iterable[UsersLead], by: str) -> dict:
    """Share the leads out among Sales in turn; return {member: number of leads given}.

    The member with the fewest open leads starts (ties: the one given a lead longest ago).
    Leads that already have an owner keep it.
    """
    members = round_robin_members()
    if not members:
        raise ValidationError({"owner": "Nobody in Sales can own leads: add a Sales member."})
    unowned = [lead for lead in _locked(leads) if lead.owner_id is None]
    given: dict = {}
    changes: dict[UsersLead, dict] = {}
    for index, lead in enumerate(unowned):
        member = members[index % len(members)]
        given.setdefault(member, []).append(lead.pk)
        changes[lead] = {"owner": [None, member.get_username()]}
    for member, ids in given.items():
        UsersLead.objects.filter(pk__in=ids).update(owner=member)
    if changes:
        _write_events(changes, by)
    return {member: len(ids) for member, ids in given.items()}


def lead_auto_assign(*, lead: UsersLead) -> None:
    """Give a brand-new lead to the next Sales member when LEAD_AUTO_ASSIGN is on."""
    if not getattr(settings, "LEAD_AUTO_ASSIGN", False) or lead.owner_id is not None:
        return
    if round_robin_members():
        leads_assign_round_robin(leads=[lead], by="auto-assign")
