"""What other apps add to a contact's timeline, without crm importing them.

An app that knows more about a contact (leads: what the person sent before they were converted)
registers a function here from its AppConfig.ready(); the contact page merges what each returns
with the CRM's own records. Each function takes ``contact`` and ``user`` (whose permissions it
checks) and returns entries in the shape of templates/admin/includes/timeline.html: objects or
dicts with ``at``, ``kind``, ``label``, ``summary``, ``url`` and optional ``details``.
"""

from collections.abc import Callable
from typing import Any

ContactTimelineSource = Callable[..., list[Any]]

_sources: list[ContactTimelineSource] = []


def register_contact_timeline_source(source: ContactTimelineSource) -> None:
    if source not in _sources:
        _sources.append(source)


def contact_timeline_extras(*, contact, user) -> list[Any]:
    """Every registered source's entries for ``contact`` as ``user`` may see them."""
    return [entry for source in _sources for entry in source(contact=contact, user=user)]
