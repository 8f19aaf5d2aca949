"""One line of a timeline, as templates/admin/includes/timeline.html shows it.

The contact page (crm/timeline.py) and the lead page (leads/selectors.py) build their timelines
from these; the contact page also shows the lines other apps give it (the person's lead).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class TimelineLine:
    at: datetime
    # A CSS class naming what the line is ("note", "contact-message", ...).
    kind: str
    label: str
    summary: str = ""
    url: str = ""
    # Extra labelled values shown under the summary.
    details: dict[str, Any] = field(default_factory=dict)
