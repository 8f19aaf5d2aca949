"""Cross-cutting middleware: the 503 for a lost database, the size limit of JSON bodies."""

import logging

from django.conf import settings
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from core.errors import (
    is_api_request,
    is_unavailable,
    json_error,
    service_unavailable,
)

logger = logging.getLogger(__name__)


class ServiceUnavailableMiddleware:
    """Answer 503 with Retry-After, not Django's 500 page, when a view loses its database.

    Faults raised outside views (another middleware's) reach ``core.errors.server_error``,
    which answers the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if is_unavailable(exception):
            return service_unavailable(request, exception)
        return None


class BadInputMiddleware:
    """Answer 400, not 500, for an exception that only a malformed request can cause.

    A changelist filter or an export given a value its column cannot hold (a year past 9999, a
    40-digit id, a date that is not one) ends in one of these; so does a value PostgreSQL
    refuses outright (DataError). The admin's own changelist turns most bad lookups into its
    "?e=1" page; this catches the rest, the export views and third-party admins included.
    """

    BAD_INPUT = (OverflowError, IncorrectLookupParameters, ValidationError, DataError)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        # A ValueError in the admin is a filter value its field cannot parse (an IP address
        # filter of a third-party admin, on PostgreSQL); elsewhere it stays a 500.
        admin_value_error = isinstance(exception, ValueError) and request.path.startswith("/admin/")
        if not isinstance(exception, self.BAD_INPUT) and not admin_value_error:
            return None
        logger.warning("Bad input on %s: %r", request.path, exception)
        detail = "A value in the request is not valid here."
        if is_api_request(request):
            return json_error(400, detail=detail)
        return HttpResponseBadRequest(detail, content_type="text/plain")


class ApiBodySizeLimitMiddleware:
    """Refuse an /api/ body over DATA_UPLOAD_MAX_MEMORY_SIZE with a JSON 413.

    DRF's parsers read the request as a stream, past Django's own check of that setting.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and is_api_request(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return json_error(400, detail="Content-Length is not a number.")
            if length > limit:
                return json_error(413)
        return self.get_response(request)


GUARDED_PREFIXES = ("/admin/", "/api/")


class RefuseNulInQueryMiddleware:
    """Answer 400 for a NUL character in an admin or API path or query string, before any view.

    Every filter, search box (``?q=``) and autocomplete ``term`` reaches the database; a NUL
    there is an error from PostgreSQL, never a match.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(GUARDED_PREFIXES):
            # Visitors' pages: a NUL in a campaign tag is dropped there, never a lost landing.
            return self.get_response(request)
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            detail = "The address may not contain NUL characters."
            if is_api_request(request):
                return json_error(400, detail=detail)
            return HttpResponseBadRequest(detail, content_type="text/plain")
        return self.get_response(request)
