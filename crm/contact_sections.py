"""Sections other apps add to the contact page, without crm importing them.

An app that works with contacts (lms: the contact's courses, lesson by lesson) registers a
template and a function here; the contact page renders each section below the contact's form,
outside it, so a section may hold forms of its own. The function takes ``contact`` and ``user``
(whose permissions and scope it applies) and returns the template's context, or None to leave
the section out. The template gets that context as ``section`` (and the page's own context).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ContactSectionContext = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class ContactSection:
    template: str
    context: ContactSectionContext


_sections: list[ContactSection] = []


def register_contact_page_section(*, template: str, context: ContactSectionContext) -> None:
    section = ContactSection(template, context)
    if section not in _sections:
        _sections.append(section)


def contact_page_sections(*, contact, user) -> list[dict[str, Any]]:
    """Every registered section that ``user`` may see for ``contact``, with its context."""
    shown = []
    for section in _sections:
        context = section.context(contact=contact, user=user)
        if context is not None:
            shown.append({"template": section.template, "context": context})
    return shown
