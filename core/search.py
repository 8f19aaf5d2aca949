"""Search that finds people: phone numbers by their digits, whatever the spacing or prefix.

A phone is stored as typed (``+91 98765 43210``); a generated column keeps its digits
(``919876543210``), indexed by trigrams, so that ``98765``, ``98765 43210``, ``+91 98765 43210``
and ``9876543210`` all find it. Emails and names are matched by any part (trigram indexes on
PostgreSQL serve ``icontains``).
"""

import re
from functools import reduce
from operator import or_

from django.db.models import F, Q, Value
from django.db.models.functions import Replace

# What people put between a phone number's digits.
PHONE_PUNCTUATION = " -()+./"
# A search term that is a phone number (or a fragment of one): digits and that punctuation.
PHONE_TERM = re.compile(r"[\d\s\-()+./]+")
MIN_PHONE_DIGITS = 4
COUNTRY_CODE = "91"  # the site is Indian: +91 may be typed or stored, or not
NATIONAL_NUMBER_DIGITS = 10


def phone_digits(value: str) -> str:
    """The ASCII digits of ``value``, in order."""
    return re.sub(r"[^0-9]", "", value or "")


def phone_digits_expression(field: str):
    """SQL computing ``phone_digits`` of ``field`` on PostgreSQL and SQLite alike."""
    expression = F(field)
    for character in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(character), Value(""))
    return expression


def phone_search_q(digits_field: str, term: str) -> Q | None:
    """A filter matching ``term`` as (part of) a phone number, or None if it is not one."""
    term = term.strip()
    if not PHONE_TERM.fullmatch(term):
        return None
    digits = phone_digits(term)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    variants = {digits}
    if digits.startswith(COUNTRY_CODE) and len(digits) > NATIONAL_NUMBER_DIGITS:
        variants.add(digits[len(COUNTRY_CODE) :])  # +91 typed, stored without it
    if digits.startswith("0") and len(digits.lstrip("0")) >= MIN_PHONE_DIGITS:
        variants.add(digits.lstrip("0"))  # a trunk 0 typed
    return reduce(or_, (Q(**{f"{digits_field}__contains": variant}) for variant in variants))


class PhoneDigitsSearchMixin:
    """Admin search that also finds a phone number by its digits (a ModelAdmin mixin).

    Django's search matches each word of the term in the search fields; a phone typed with
    other spacing or another prefix than stored needs the digits column as well.
    """

    phone_digits_field = "phone_digits"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phone = phone_search_q(self.phone_digits_field, search_term)
        if phone is not None:
            results = results | queryset.filter(phone)
        return results, may_have_duplicates
