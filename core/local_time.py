"""Times as people read them: in their own time zone, named."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings


def zone(*names: str) -> ZoneInfo:
    """Return the first of ``names`` that is a known time zone, else the site's (TIME_ZONE)."""
    for name in names:
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo(settings.TIME_ZONE)


def format_local(moment: datetime, tz: ZoneInfo, *, with_date: bool = True) -> str:
    """Return "Monday 7 December 2026, 14:30 (Asia/Kolkata)" (or "14:30 (Asia/Kolkata)")."""
    local = moment.astimezone(tz)
    clock = f"{local:%H:%M} ({tz.key})"
    if not with_date:
        return clock
    return f"{local:%A} {local.day} {local:%B %Y}, {clock}"
