"""Hostile JSON refused before it can hurt: one place for every JSON the project reads.

- ``loads`` checks the nesting depth on the raw text (an iterative scan, no recursion) before
  ``json.loads`` runs, so ``[[[[…`` a thousand deep is a ValueError, not a RecursionError;
- ``unsafe_string_path`` finds a NUL byte or a lone surrogate in any key or value (PostgreSQL
  refuses both, so they would be 500s on save), and ``validate_safe_strings`` is the Django
  validator of the same rule.

- ``body_load`` reads a request body with all of these rules and a size limit; the staff API's
  parser (core/parsers.py) and the public lead endpoints (leads/apis.py) both read with it.

Also used by the contacts' custom fields (crm/custom_fields.py, crm/widgets.py) and the admin's
JSON form fields.
"""

import json
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.fields import InvalidJSONInput

MAX_DEPTH = 32
# A JSON string (with its escapes), or one bracket.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_UNSAFE = re.compile("[\x00\ud800-\udfff]")
UNSAFE_MESSAGE = "NUL characters and lone surrogates (\\u0000, \\ud800–\\udfff) are not allowed."


class JSONTooDeep(ValueError):
    """The JSON text nests objects and arrays deeper than allowed."""


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise JSONTooDeep if ``text`` nests arrays/objects deeper than ``max_depth``.

    Strings are skipped whole, so brackets inside them do not count.
    """
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels.")
        elif token in "]}":
            depth -= 1


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` after a depth check; raises ValueError (JSONTooDeep included)."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    check_depth(text, max_depth)
    return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON (Python's parser accepts them; PostgreSQL's jsonb does not).
    raise ValueError(f"{name} is not valid JSON")


class BodyNotJSON(ValueError):
    """A request body this project does not read: empty, too large, not JSON or too deep.
    The message is the answer's ``detail``."""


class UnsafeStrings(ValueError):
    """A JSON body with a NUL byte or a lone surrogate: ``errors`` is the answer, one message
    under the field that holds it (``non_field_errors`` when no field name can say where)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def body_load(stream, *, limit: int | None, encoding: str) -> Any:
    """Read and parse a JSON request body from ``stream`` (``None``: there is none).

    Raise BodyNotJSON or UnsafeStrings; anything returned is safe to validate.
    """
    if stream is None:
        raise BodyNotJSON("JSON parse error - the body is empty.")
    body = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise BodyNotJSON(f"The body is larger than {limit} bytes.")
    try:
        data = loads(body.decode(encoding))
    except (UnicodeDecodeError, ValueError) as exc:  # JSONTooDeep included
        raise BodyNotJSON(f"JSON parse error - {exc}") from None
    path = unsafe_string_path(data)
    if path is not None:
        field = str(path[0]) if path and isinstance(data, dict) else "non_field_errors"
        if has_unsafe_characters(field):
            field = "non_field_errors"
        where = path_label(path)
        raise UnsafeStrings({field: [f"{UNSAFE_MESSAGE} ({where})" if where else UNSAFE_MESSAGE]})
    return data


def has_unsafe_characters(text: str) -> bool:
    return _UNSAFE.search(text) is not None


def unsafe_string_path(value: Any) -> list | None:
    """The path (keys and indexes) to the first string, key or value, holding a NUL byte or a
    lone surrogate in ``value``, or None. Iterative: depth never overflows the stack."""
    stack: list[tuple[list, Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if has_unsafe_characters(item):
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and has_unsafe_characters(key):
                    return [*path, key]
                stack.append(([*path, key], child))
        elif isinstance(item, list | tuple):
            stack.extend(([*path, index], child) for index, child in enumerate(item))
    return None


def path_label(path: list) -> str:
    """``["custom_fields", "a", 0]`` -> ``custom_fields.a[0]``, with unsafe characters escaped."""
    label = ""
    for part in path:
        if isinstance(part, int):
            label += f"[{part}]"
        else:
            text = json.dumps(str(part))[1:-1]
            label += f".{text}" if label else text
    return label


def validate_safe_strings(value: Any) -> None:
    """Django validator: no NUL byte or lone surrogate in any string, key or value."""
    path = unsafe_string_path(value)
    if path is not None:
        where = path_label(path)
        message = f"{UNSAFE_MESSAGE} ({where})" if where else UNSAFE_MESSAGE
        raise ValidationError(message, code="unsafe_characters")


class SafeJSONFormField(forms.JSONField):
    """The admin's JSON form field with the same limits: too deep or NUL/surrogates is a
    field error, not a RecursionError or a database error."""

    default_error_messages = {
        "too_deep": f"JSON may nest at most {MAX_DEPTH} levels deep.",
    }

    def to_python(self, value):
        if isinstance(value, str) and not self.disabled:
            try:
                check_depth(value)
            except JSONTooDeep:
                raise ValidationError(self.error_messages["too_deep"], code="too_deep") from None
        return super().to_python(value)

    def bound_data(self, data, initial):
        if isinstance(data, str) and not self.disabled:
            try:
                check_depth(data)
            except JSONTooDeep:
                return InvalidJSONInput(data)
        return super().bound_data(data, initial)

    def prepare_value(self, value):
        # Shown back escaped (\ud800), as a lone surrogate cannot be encoded into the page.
        if not isinstance(value, InvalidJSONInput) and unsafe_string_path(value) is not None:
            return json.dumps(value, cls=self.encoder)
        return super().prepare_value(value)

    def validate(self, value):
        super().validate(value)
        validate_safe_strings(value)


# The admin's JSON fields: ModelAdmin.formfield_overrides of every project admin.
JSON_FORMFIELD_OVERRIDES = {models.JSONField: {"form_class": SafeJSONFormField}}
