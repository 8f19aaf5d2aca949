"""The morning digest: at about 07:00 in their own time zone, staff who asked for it get one
email with their overdue and due-today tasks, today's appointments and the contact messages
awaiting a reply.

At most one per staff member and local day, enforced by the database: the task claims the day
by inserting ``MorningDigest`` (unique on user and day) in the transaction that writes the email
to the outbox, so two workers or two schedulers send it once. A day with nothing to report is
recorded and sends nothing. Sent from 07:00 until noon, their time: workers down all morning
skip the day rather than send a morning digest in the afternoon.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.timezone import now

from accounts.models import StaffPreference
from core.local_time import format_local, zone
from crm.models import Appointment, Task
from crm.scoping import organization_ids_for
from crm.services.reminders import render_email
from leads.models import ContactMessage
from outbox.services import email_enqueue
from workspace.models import MorningDigest

DIGEST_HOUR = 7
DIGEST_UNTIL_HOUR = 12
# Each list shows at most this many rows, then "and N more".
LIST_LIMIT = 20
ORIGIN_LABEL = "core.morningdigest"


@dataclass
class Listing:
    title: str
    lines: list[str] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.lines)


def _listing(title: str, queryset, line) -> Listing:
    rows = list(queryset[: LIST_LIMIT + 1])
    total = len(rows) if len(rows) <= LIST_LIMIT else queryset.count()
    return Listing(title, [line(row) for row in rows[:LIST_LIMIT]], total)


def morning_digest_for(*, user, tz: ZoneInfo, current: datetime) -> list[Listing]:
    """What ``user``'s digest lists at ``current``, in their time zone ``tz``.

    Their open tasks overdue and due by the end of their day (the dashboard's "My day"); today's
    appointments they own, and, for members of organizations, those of their organizations with
    no owner; contact messages awaiting a reply that they may see.
    """
    local_day = current.astimezone(tz).date()
    start = datetime.combine(local_day, time.min, tzinfo=tz)
    end = start + timedelta(days=1)
    mine = Task.objects.filter(status__in=Task.OPEN, assignee=user).select_related("contact")

    def task_line(task: Task) -> str:
        due = format_local(task.due_date, tz)
        priority = task.get_priority_display().lower()
        return f"{task.title} ({task.contact.name}), due {due}, {priority} priority"

    def appointment_line(appointment: Appointment) -> str:
        starts = appointment.start_time.astimezone(tz)
        ends = appointment.end_time.astimezone(tz)
        where = f", {appointment.location}" if appointment.location else ""
        return f"{starts:%H:%M} to {ends:%H:%M}: {appointment.title} with {appointment.contact.name}{where}"

    def message_line(message: ContactMessage) -> str:
        lead = message.lead
        who = f"{lead.name} <{lead.email}>" if lead.name else lead.email
        subject = f" “{message.subject}”" if message.subject else ""
        return f"{who}{subject}, received {format_local(message.created_at, tz)}"

    listings = [
        _listing(
            "Overdue tasks",
            mine.filter(due_date__lt=current).order_by("due_date", "pk"),
            task_line,
        ),
        _listing(
            "Tasks due today",
            mine.filter(due_date__gte=current, due_date__lt=end).order_by("due_date", "pk"),
            task_line,
        ),
    ]
    theirs = Q(owner=user)
    if organization_ids_for(user):  # a member: their organizations' appointments nobody owns
        theirs |= Q(owner__isnull=True, organization_id__in=organization_ids_for(user))
    appointments = (
        Appointment.objects.filter(
            theirs, status__in=Appointment.UPCOMING, start_time__gte=start, start_time__lt=end
        )
        .select_related("contact")
        .order_by("start_time", "pk")
    )
    listings.append(_listing("Today's appointments", appointments, appointment_line))
    if user.has_perm("leads.view_contactmessage"):
        waiting = (
            ContactMessage.objects.for_user(user)
            .filter(responded=False)
            .select_related("lead")
            .order_by("-created_at", "-id")
        )
        listings.append(_listing("Contact messages awaiting a reply", waiting, message_line))
    return listings


def morning_digests_send(*, at: datetime | None = None) -> int:
    """Send the digest of every staff member whose morning it is and who has none for today;
    return how many days were claimed (sent, or recorded as nothing to report)."""
    current = at or now()
    preferences = StaffPreference.objects.filter(
        morning_digest=True, user__is_active=True, user__is_staff=True
    ).select_related("user")
    due: list[tuple] = []
    for preference in preferences:
        tz = zone(preference.timezone)
        local = current.astimezone(tz)
        if DIGEST_HOUR <= local.hour < DIGEST_UNTIL_HOUR and preference.user.email:
            due.append((preference.user, tz, local.date()))
    if not due:
        return 0
    done = set(
        MorningDigest.objects.filter(
            user__in=[user for user, _, _ in due], local_date__in={day for _, _, day in due}
        ).values_list("user_id", "local_date")
    )
    return sum(
        _morning_digest_send(user=user, tz=tz, day=day, current=current)
        for user, tz, day in due
        if (user.pk, day) not in done
    )


@transaction.atomic
def _morning_digest_send(*, user, tz: ZoneInfo, day: date, current: datetime) -> int:
    try:
        with transaction.atomic():
            # The claim: one row per user and day (unique). Another worker's insert makes this
            # one wait until it commits, then fail: that day is theirs.
            digest = MorningDigest.objects.create(user=user, local_date=day)
    except IntegrityError:
        return 0
    listings = morning_digest_for(user=user, tz=tz, current=current)
    digest.item_count = sum(listing.total for listing in listings)
    digest.save(update_fields=["item_count"])
    if not digest.item_count:
        return 1
    subject, body = render_email(
        "core/morning_digest.txt",
        {
            "user": user,
            "name": user.get_full_name() or user.get_username(),
            "day": f"{current.astimezone(tz):%A} {day.day} {day:%B %Y}",
            "tz": tz.key,
            "listings": [listing for listing in listings if listing.total],
            "count": digest.item_count,
        },
    )
    email_enqueue(
        to=user.email,
        subject=subject,
        body=body,
        origin_label=ORIGIN_LABEL,
        origin_id=digest.pk,
        dedup_key=f"{ORIGIN_LABEL}:{user.pk}:{day.isoformat()}",
    )
    return 1
