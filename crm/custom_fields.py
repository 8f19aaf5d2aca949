"""The rules for a contact's ``custom_fields``: a JSON object of named scalar values."""

from typing import Any

from django.core.exceptions import ValidationError

from core.json_safety import validate_safe_strings

MAX_KEY_LENGTH = 64
MAX_FIELDS = 50
SCALAR_TYPES = (str, int, float, bool)


def validate_custom_fields(value: Any) -> None:
    """Raise ValidationError unless ``value`` is an object of named scalar values."""
    if not isinstance(value, dict):
        raise ValidationError(
            "Custom fields must be a JSON object of named values, not %(kind)s.",
            code="not_an_object",
            params={"kind": type(value).__name__},
        )
    if len(value) > MAX_FIELDS:
        raise ValidationError(
            "At most %(max)d custom fields are allowed.",
            code="too_many",
            params={"max": MAX_FIELDS},
        )
    # PostgreSQL refuses NUL bytes and lone surrogates in a key or value.
    validate_safe_strings(value)
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("Every custom field needs a non-empty name.", code="blank_name")
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError(
                "The custom field name %(name)s is longer than %(max)d characters.",
                code="name_too_long",
                params={"name": key[:20] + "…", "max": MAX_KEY_LENGTH},
            )
        if item is not None and not isinstance(item, SCALAR_TYPES):
            raise ValidationError(
                "The custom field %(name)s must hold text, a number, true/false or null, "
                "not %(kind)s.",
                code="not_a_scalar",
                params={"name": key, "kind": type(item).__name__},
            )
