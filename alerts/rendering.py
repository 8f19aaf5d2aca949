"""Emails from the templates in templates/alerts/: a plain-text one and an optional HTML one.

``<name>.txt``: the first line is the subject, the rest the plain-text body. ``<name>.html``,
when it exists, is sent beside it as the HTML alternative.
"""

from dataclasses import dataclass

from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    html_body: str


def email_render(name: str, context: dict) -> RenderedEmail:
    """Render templates/alerts/<name>.txt (and .html if present) with ``context``."""
    text = render_to_string(f"alerts/{name}.txt", context)
    subject, _, body = text.lstrip().partition("\n")
    try:
        html_template = get_template(f"alerts/{name}.html")
    except TemplateDoesNotExist:
        html_body = ""
    else:
        html_body = html_template.render(context)
    return RenderedEmail(
        subject=" ".join(subject.split()), body=body.strip() + "\n", html_body=html_body
    )
