"""Helpers for the demo data: stable ids so that seeding twice updates instead of duplicating."""

import uuid
from datetime import datetime, timedelta

from django.utils import timezone

DEMO_NAMESPACE = uuid.UUID("6f1c2b1e-3f7a-4c0e-9a56-0d6c9b1de001")


def demo_uuid(*parts: object) -> uuid.UUID:
    """Return the same UUID for the same parts on every run."""
    return uuid.uuid5(DEMO_NAMESPACE, "/".join(str(part) for part in parts))


def days_ago(days: float, *, now: datetime | None = None) -> datetime:
    """Return a timestamp ``days`` before now, for believable history."""
    return (now or timezone.now()) - timedelta(days=days)
