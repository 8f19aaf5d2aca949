"""Public lead forms. They validate input only; the views hand cleaned data to the services."""

from django import forms
from django.core.validators import MinLengthValidator, RegexValidator

from leads.models import (
    CITY_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PHONE_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
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
