"""The JSON parser of every DRF endpoint (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES and the
public lead endpoints): a size limit and a nesting limit before parsing, and no NUL byte or
lone surrogate in any string (core/json_safety.py). Each refusal is a 400, never a 500."""

from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core import json_safety


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            raise ParseError("JSON parse error - the body is empty.")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise ParseError(f"The body is larger than {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = body.decode(encoding)
            data = json_safety.loads(text)
        except json_safety.JSONTooDeep as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        path = json_safety.unsafe_string_path(data)
        if path is not None:
            field = str(path[0]) if path and isinstance(data, dict) else "non_field_errors"
            if json_safety.has_unsafe_characters(field):
                field = "non_field_errors"
            where = json_safety.path_label(path)
            raise serializers.ValidationError(
                {
                    field: [
                        f"{json_safety.UNSAFE_MESSAGE} ({where})"
                        if where
                        else json_safety.UNSAFE_MESSAGE
                    ]
                }
            )
        return data
