"""Public lead-capture pages: render a form, hand valid input to its service, say thank you."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from leads import services
from leads.forms import HONEYPOT_FIELD, ChoicesForm, ContactForm, EarlyAccessForm
from leads.throttling import CHOICES_SCOPE, CONTACT_SCOPE, EARLY_ACCESS_SCOPE, rate_limit_allows
from leads.visitors import visitor_key_from_request

RATE_LIMITED_MESSAGE = (
    "You have sent this form several times in a short while. Please try again in a minute."
)


@dataclass(frozen=True)
class LeadPage:
    form_class: type[forms.Form]
    template: str
    scope: str
    submit: Callable[..., object]
    thanks_url_name: str


def _lead_form_page(request: HttpRequest, page: LeadPage) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = page.form_class(request.POST)
        if not rate_limit_allows(request, scope=page.scope):
            form.add_error(None, RATE_LIMITED_MESSAGE)
            status = 429
        elif request.POST.get(HONEYPOT_FIELD):
            # A bot: the same thank-you a person gets, and nothing stored.
            return redirect(page.thanks_url_name)
        elif form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != HONEYPOT_FIELD}
            try:
                # Only a visitor who already has a cookie has page sessions to claim.
                page.submit(**data, visitor_key=visitor_key_from_request(request))
            except ValidationError as exc:  # the service's own checks, shown like the form's
                form.add_error(None, exc)
                status = 400
            else:
                return redirect(page.thanks_url_name)
        else:
            status = 400
    else:
        form = page.form_class()
    return render(request, page.template, {"form": form}, status=status)


CHOICES_PAGE = LeadPage(
    ChoicesForm,
    "leads/choices.html",
    CHOICES_SCOPE,
    services.choices_submit,
    "leads:choices_thanks",
)
EARLY_ACCESS_PAGE = LeadPage(
    EarlyAccessForm,
    "leads/early_access.html",
    EARLY_ACCESS_SCOPE,
    services.early_access_request_create,
    "leads:early_access_thanks",
)
CONTACT_PAGE = LeadPage(
    ContactForm,
    "leads/contact.html",
    CONTACT_SCOPE,
    services.contact_message_create,
    "leads:contact_thanks",
)


@require_http_methods(["GET", "POST"])
def choices(request: HttpRequest) -> HttpResponse:
    """Render and accept the three-step choices questionnaire."""
    return _lead_form_page(request, CHOICES_PAGE)


@require_http_methods(["GET", "POST"])
def early_access(request: HttpRequest) -> HttpResponse:
    """Render and accept the early-access request form."""
    return _lead_form_page(request, EARLY_ACCESS_PAGE)


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """Render and accept the contact-us form."""
    return _lead_form_page(request, CONTACT_PAGE)


THANKS = {
    "choices": (
        "Thanks for your answers!",
        "We will use them to show you the opportunities that fit you best.",
    ),
    "early_access": (
        "You are on the list!",
        "We will write to you as soon as early access opens in your city.",
    ),
    "contact": (
        "Message received",
        "Thank you for writing to us. Someone from our team will reply within two working days.",
    ),
}


@require_GET
def thanks(request: HttpRequest, form_name: str) -> HttpResponse:
    """Thank the visitor; the same page whether their email was new or known."""
    heading, text = THANKS[form_name]
    return render(
        request,
        "leads/thanks.html",
        {"heading": heading, "text": text, "back_url": reverse("home")},
    )
