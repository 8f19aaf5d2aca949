"""The contact page's timeline: the contact's notes, appointments, messages and tasks worded as
timeline lines, merged with what other apps know of the person.

Another app (leads: what the person sent before they were converted) registers a function here
from its AppConfig.ready(); crm never imports it. Each function takes ``contact`` and ``user``
(whose permissions it checks) and returns ``TimelineLine``s.
"""

from collections.abc import Callable

from django.contrib.admin.utils import quote
from django.urls import reverse

from core.timeline import TimelineLine
from crm.models import Contact, Message
from crm.selectors import TimelineEntry, contact_timeline

ContactTimelineSource = Callable[..., list[TimelineLine]]

_sources: list[ContactTimelineSource] = []


def register_contact_timeline_source(source: ContactTimelineSource) -> None:
    """Add ``source``'s lines to every contact's timeline (an app's ready() calls this once)."""
    if source not in _sources:
        _sources.append(source)


def contact_timeline_lines(*, contact: Contact, user) -> list[TimelineLine]:
    """The contact's records and what other apps know of the person (its lead), newest first."""
    lines = [_worded(entry) for entry in contact_timeline(contact=contact)]
    for source in _sources:
        lines += source(contact=contact, user=user)
    return sorted(lines, key=lambda line: line.at, reverse=True)


def _worded(entry: TimelineEntry) -> TimelineLine:
    """Word one timeline record for templates/admin/includes/timeline.html."""
    record = entry.record
    url = reverse(f"admin:crm_{record._meta.model_name}_change", args=[quote(record.pk)])
    if entry.kind == "note":
        author = record.author.get_full_name() or record.author.username if record.author else ""
        return TimelineLine(
            at=entry.at,
            kind="note",
            label=f"Note by {author}" if author else "Note",
            summary=record.content,
            url=url,
        )
    if entry.kind == "appointment":
        summary = f"{record.get_status_display()}, {record.start_time:%d %b %Y %H:%M}"
        summary += f" to {record.end_time:%H:%M}"
        if record.location:
            summary += f" at {record.location}"
        return TimelineLine(
            at=entry.at,
            kind="appointment",
            label=f"Appointment: {record.title}",
            summary=summary,
            url=url,
        )
    if entry.kind == "message":
        direction = "from" if record.direction == Message.Direction.INBOUND else "to"
        status_text = record.get_status_display().lower()
        if (
            record.status in (Message.Status.FAILED, Message.Status.BOUNCED)
            and record.failure_reason
        ):
            status_text += f": {record.failure_reason}"
        if record.channel in (Message.Channel.SMS, Message.Channel.CHAT):
            status_text = "logged, not sent"
        return TimelineLine(
            at=entry.at,
            kind="message",
            label=f"{record.get_channel_display()} {direction} the contact ({status_text})",
            summary=f"{record.subject}: {record.content}" if record.subject else record.content,
            url=url,
        )
    parts = [record.get_status_display(), f"{record.get_priority_display().lower()} priority"]
    if record.due_date:
        parts.append(f"due {record.due_date:%d %b %Y %H:%M}")
    if record.assignee:
        parts.append(f"assigned to {record.assignee.get_full_name() or record.assignee.username}")
    return TimelineLine(
        at=entry.at,
        kind="task",
        label=f"Task: {record.title}",
        summary=", ".join(parts),
        url=url,
    )
