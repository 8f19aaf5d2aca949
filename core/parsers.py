"""The JSON parser of every DRF endpoint (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES): a size
limit and a nesting limit before parsing, and no NUL byte or lone surrogate in any string
(``core.json_safety.body_load``, which the public lead endpoints read with too). Each refusal
is a 400, never a 500."""

from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core import json_safety


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json_safety.body_load(
                stream, limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE, encoding=encoding
            )
        except json_safety.BodyNotJSON as exc:
            raise ParseError(str(exc)) from None
        except json_safety.UnsafeStrings as exc:
            raise serializers.ValidationError(exc.errors) from None
