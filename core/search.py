"""Search that finds people: phone numbers by their digits, whatever the spacing or prefix,
and names whatever their case and accents.

A phone is stored as typed (``+91 98765 43210``); a generated column keeps its digits
(``919876543210``), indexed by trigrams, so that ``98765``, ``98765 43210``, ``+91 98765 43210``
and ``9876543210`` all find it. Emails and names are matched by any part (trigram indexes on
PostgreSQL serve ``icontains``); a name is also compared folded (``leadcrm_fold``: lower case,
accents removed, core 0004), so ``jose`` finds "José" and ``zoe`` finds "Zoë".
"""

import re
import unicodedata
from functools import reduce
from operator import or_

from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Replace
from django.db.models.lookups import Contains

# What people put between a phone number's digits.
PHONE_PUNCTUATION = " -()+./"
# A search term that is a phone number (or a fragment of one): digits and that punctuation.
PHONE_TERM = re.compile(r"[\d\s\-()+./]+")
MIN_PHONE_DIGITS = 4
COUNTRY_CODE = "91"  # the site is Indian: +91 may be typed or stored, or not
NATIONAL_NUMBER_DIGITS = 10


FOLD_FUNCTION = "leadcrm_fold"


def fold_text(value: str | None) -> str | None:
    """``value`` in lower case without accents: SQLite's ``leadcrm_fold`` (PostgreSQL's is
    ``lower(unaccent(value))``, core 0004)."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """Give each SQLite connection ``leadcrm_fold`` (deterministic: indexes may use it)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FOLD_FUNCTION, 1, fold_text, deterministic=True)


class Fold(Func):
    """``leadcrm_fold(expression)``: lower case, accents removed (the trigram indexes' key)."""

    function = FOLD_FUNCTION
    output_field = TextField()


def name_search_q(term: str, field: str = "name") -> Q | None:
    """A filter matching ``term`` as any part of ``field``, ignoring case and accents."""
    term = term.strip()
    if not term:
        return None
    # Both sides folded by the database's own function: on PostgreSQL the folded term is a
    # constant at planning time, so the trigram index on leadcrm_fold(name) serves the match.
    return Q(Contains(Fold(F(field)), Fold(Value(term, output_field=TextField()))))


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


class PeopleSearchMixin:
    """Admin search that also finds a person by the digits of their phone and by their name
    without accents (a ModelAdmin mixin).

    Django's search matches each word of the term in the search fields; a phone typed with
    other spacing or another prefix than stored needs the digits column as well, and a name
    typed without its accents the folded name.
    """

    phone_digits_field = "phone_digits"
    folded_name_field = "name"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        extra = [
            q
            for q in (
                phone_search_q(self.phone_digits_field, search_term),
                name_search_q(search_term, self.folded_name_field),
            )
            if q is not None
        ]
        if extra:
            results = results | queryset.filter(reduce(or_, extra))
        return results, may_have_duplicates
