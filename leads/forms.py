"""Public lead forms: the one rule set of the public input. They validate only; the views hand
cleaned data to the services.

The HTML pages use the forms; the JSON endpoints (leads/apis.py) validate a parsed body with the
same fields through ``json_clean``, which calls each class-level field's ``clean()`` without
building a form (a form deep-copies its fields and widgets per request, as DRF's serializers
did). Where the JSON bodies differ from the pages (an optional score or subject, the front-end's
``source``, its camelCase early-access body, page sessions), a subclass here says so.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator, RegexValidator

from leads.models import (
    CITY_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PHONE_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    URL_MAX_LENGTH,
    UTM_MAX_LENGTH,
    ChoiceIntent,
    IntentLevel,
    InvestmentRange,
    PropertyType,
)
from leads.services import CONTACT_MESSAGE_MIN_LENGTH, NPS_MAX, NPS_MIN

HONEYPOT_FIELD = "website"
MESSAGE_MAX_LENGTH = 5000
NOTES_MAX_LENGTH = 2000

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{5,}\Z", "Enter a phone number, e.g. +91 98765 43210."
)


class HoneypotForm(forms.Form):
    # Hidden from people by CSS and from assistive tech by aria-hidden; bots fill it in.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


def _email_field() -> forms.EmailField:
    return forms.EmailField(
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.com"}),
    )


def _name_field(*, required: bool) -> forms.CharField:
    return forms.CharField(
        max_length=NAME_MAX_LENGTH,
        required=required,
        label="Your name",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class ChoicesForm(HoneypotForm):
    intent = forms.ChoiceField(
        choices=ChoiceIntent.choices, widget=forms.RadioSelect, label="What brings you here?"
    )
    nps = forms.TypedChoiceField(
        choices=[(str(n), str(n)) for n in range(NPS_MIN, NPS_MAX + 1)],
        coerce=int,
        widget=forms.RadioSelect,
        label="How likely are you to recommend us to a friend?",
        help_text="0 means not at all likely, 10 means extremely likely.",
        error_messages={"invalid_choice": f"Pick a score from {NPS_MIN} to {NPS_MAX}."},
    )
    name = _name_field(required=False)
    email = _email_field()


class EarlyAccessForm(HoneypotForm):
    email = _email_field()
    name = _name_field(required=False)
    intent_level = forms.ChoiceField(
        choices=IntentLevel.choices,
        widget=forms.RadioSelect,
        label="When are you thinking of investing?",
    )
    investment_range = forms.ChoiceField(
        choices=[("", "Choose a range"), *InvestmentRange.choices],
        label="How much would you like to invest?",
    )
    city = forms.CharField(
        max_length=CITY_MAX_LENGTH,
        label="Your city",
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    preferred_property_type = forms.ChoiceField(
        choices=[("", "No preference"), *PropertyType.choices],
        required=False,
        label="Preferred property type",
    )
    notes = forms.CharField(
        max_length=NOTES_MAX_LENGTH,
        required=False,
        label="Anything else we should know?",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ContactForm(HoneypotForm):
    name = _name_field(required=True)
    email = _email_field()
    phone = forms.CharField(
        max_length=PHONE_MAX_LENGTH,
        required=False,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    subject = forms.CharField(max_length=SUBJECT_MAX_LENGTH)
    message = forms.CharField(
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MinLengthValidator(CONTACT_MESSAGE_MIN_LENGTH)],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"At least {CONTACT_MESSAGE_MIN_LENGTH} characters.",
    )


# --- The JSON bodies (leads/apis.py) ---------------------------------------------------------

# DRF's name for errors of the whole body, which the JSON answers keep.
NON_FIELD_ERRORS = "non_field_errors"
_SURROGATES = re.compile("[\ud800-\udfff]")
# The old site's investment intents, mapped as the legacy backfill maps them.
LEGACY_INTENT_LEVELS = {
    "JUST_EXPLORING": IntentLevel.LOW,
    "INVEST_WITHIN_3_MONTHS": IntentLevel.MEDIUM,
    "READY_TO_INVEST": IntentLevel.HIGH,
}


def _optional_text(max_length: int) -> forms.CharField:
    return forms.CharField(max_length=max_length, required=False)


class ChoicesApiForm(ChoicesForm):
    """The questionnaire's JSON body: the score optional (the live front-end may leave it out)
    and a JSON number; ``source`` is what the submitting site calls itself."""

    nps = forms.IntegerField(min_value=NPS_MIN, max_value=NPS_MAX, required=False)
    source = _optional_text(UTM_MAX_LENGTH)


class ContactApiForm(ContactForm):
    """The contact JSON body: the live front-end's form has no subject."""

    subject = _optional_text(SUBJECT_MAX_LENGTH)


class EarlyAccessClientForm(HoneypotForm):
    """The live front-end's early-access body (CLIENT-CONTRACT.md): camelCase keys (hence the
    field names), the legacy intent values, no city and no notes."""

    email = _email_field()
    name = _name_field(required=False)
    investmentIntent = forms.ChoiceField(choices=[(key, key) for key in LEGACY_INTENT_LEVELS])
    expectedInvestmentRange = forms.ChoiceField(choices=InvestmentRange.choices)
    preferredPropertyType = forms.ChoiceField(choices=PropertyType.choices, required=False)
    source = _optional_text(UTM_MAX_LENGTH)


class PageSessionApiForm(forms.Form):
    page = forms.CharField(max_length=URL_MAX_LENGTH)
    referrer = _optional_text(URL_MAX_LENGTH)
    utm_source = _optional_text(UTM_MAX_LENGTH)
    utm_campaign = _optional_text(UTM_MAX_LENGTH)

    @staticmethod
    def clean_json(data: dict) -> dict:
        if not (data["referrer"] or data["utm_source"] or data["utm_campaign"]):
            raise ValidationError("A page session needs a referrer, utm_source or utm_campaign.")
        return data


def _json_value_check(value) -> None:
    if isinstance(value, bool | list | dict):
        raise ValidationError(f"Expected text or a number, not {type(value).__name__}.")
    if isinstance(value, str) and _SURROGATES.search(value):
        raise ValidationError("Surrogate characters are not allowed.")


def json_clean(form_class: type[forms.Form], body) -> dict:
    """Validate a parsed JSON body with ``form_class``'s fields; return the cleaned values.

    The fields are the class's own (``base_fields``), shared by every request and thread:
    ``clean()`` only reads them. A key left out, or null, is an empty value (required fields
    say so). Raise ValidationError with the messages per field, in the fields' order, and
    ``non_field_errors`` for the body as a whole.
    """
    if not isinstance(body, dict):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    f"Invalid data. Expected a dictionary, but got {type(body).__name__}."
                ]
            }
        )
    cleaned, errors = {}, {}
    for name, field in form_class.base_fields.items():
        value = body.get(name)
        try:
            _json_value_check(value)
            cleaned[name] = field.clean(value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if not errors and hasattr(form_class, "clean_json"):
        try:
            cleaned = form_class.clean_json(cleaned)
        except ValidationError as exc:
            errors[NON_FIELD_ERRORS] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned
