"""One error format for the staff API: field errors under their names, ``detail`` for the rest.

``staff_api_exception_handler`` is the staff API views' exception handler (core/staff_api.py
sets it per view, so the public form endpoints keep theirs). ``validation_error_from_django``
turns a service's django ValidationError into the DRF error the client sees.
"""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("core.api_errors")

NON_FIELD_KEYS = {NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY, "detail"}


def validation_error_from_django(
    exc: DjangoValidationError, *, field_map: dict[str, str] | None = None
) -> exceptions.ValidationError:
    """Return the DRF ValidationError for a service's ``exc``, fields renamed by ``field_map``."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({"detail": " ".join(exc.messages)})
    errors: dict[str, list[str]] = {}
    for field, messages in exc.message_dict.items():
        key = "detail" if field in NON_FIELD_KEYS else (field_map or {}).get(field, field)
        errors.setdefault(key, []).extend(messages)
    if "detail" in errors:
        errors["detail"] = " ".join(errors["detail"])
    return exceptions.ValidationError(errors)


def _flatten(data):
    # A list of messages (a ValidationError raised without a field) reads as one sentence.
    if isinstance(data, list):
        return " ".join(str(item) for item in data)
    return data


def staff_api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Answer every error of the staff API in JSON, 500 included."""
    if isinstance(exc, DjangoValidationError):
        exc = validation_error_from_django(exc)
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        request = context.get("request")
        logger.exception(
            "Unhandled error in %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            exc_info=exc,
        )
        return Response(
            {"detail": "Something went wrong on our side.", "code": "server_error"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    data = response.data
    if isinstance(data, list):
        response.data = {"detail": _flatten(data)}
    elif isinstance(data, dict):
        non_field = [data.pop(key) for key in list(data) if key in NON_FIELD_KEYS]
        if non_field:
            data["detail"] = " ".join(_flatten(item) for item in non_field)
        if set(data) == {"detail"} and isinstance(exc, exceptions.APIException):
            data["code"] = getattr(exc.detail, "code", None) or exc.default_code
    return response


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"
