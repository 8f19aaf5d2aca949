"""Error answers for the whole site: JSON under /api/, friendly pages elsewhere.

One piece that every part of the project reuses:

- ``bad_request``, ``permission_denied``, ``page_not_found``, ``server_error``: Django's
  ``handler400/403/404/500`` (config/urls.py). Under /api/ they answer JSON; elsewhere
  Django's own views render templates/400.html ... 500.html.
- ``api_exception_handler``: DRF's ``EXCEPTION_HANDLER``. DRF's own answers (400, 401, 403,
  404, 405, 415, 429) stay as they are; a lost database becomes a 503.
- ``service_unavailable``: the 503 (with ``Retry-After``) for a request whose database or
  cache went away; ``core.middleware.ServiceUnavailableMiddleware`` and ``server_error`` use it
  so that a fault never shows Django's 500 page.

A JSON error body is always ``{"detail": "<readable message>", "code": "<machine code>"}``,
the shape DRF gives its own errors.
"""

import logging
import re
import sys

import redis.exceptions
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, InternalError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from rest_framework.exceptions import APIException
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("core.errors")

API_PREFIX = "/api/"
# Seconds a client should wait before retrying after a 503: a dropped connection is replaced
# at once, a restarting database takes a few seconds.
RETRY_AFTER_SECONDS = 5

# Faults that mean "the database (or the cache) is not there right now", not a bug in the
# request. Code that can carry on without the cache (the rate limit) should; this is the net.
UNAVAILABLE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)

# Behind a transaction-mode pooler, a server connection killed under a transaction reaches
# psycopg as one command with two answers (the command's own, then the server's "terminating
# connection"): psycopg raises InternalError("received 2 results from command 'BEGIN'") (or
# 'COMMIT'). The database went away as surely as with an OperationalError.
LOST_POOLED_CONNECTION = re.compile(r"received \d+ results from command")

MESSAGES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "You do not have permission to do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    413: ("request_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send the request body as application/json."),
    429: ("throttled", "Too many requests. Please try again in a minute."),
    500: ("server_error", "Something went wrong on our side. Please try again later."),
    503: (
        "service_unavailable",
        "The service is briefly unavailable. Please try again in a few seconds.",
    ),
}


def is_api_request(request: HttpRequest) -> bool:
    """Return whether ``request`` went to a JSON endpoint (anything under /api/)."""
    return request.path.startswith(API_PREFIX)


def json_error(
    status: int,
    *,
    detail: str | None = None,
    code: str | None = None,
    headers: dict | None = None,
) -> JsonResponse:
    """Return the JSON error answer for ``status``: ``{"detail": ..., "code": ...}``."""
    default_code, default_detail = MESSAGES.get(status, ("error", "Request failed."))
    return JsonResponse(
        {"detail": detail or default_detail, "code": code or default_code},
        status=status,
        headers=headers,
    )


def is_lost_pooled_connection(exception: BaseException | None) -> bool:
    """Return whether ``exception`` is psycopg's answer to a pooler's killed server connection."""
    return isinstance(exception, InternalError) and bool(
        LOST_POOLED_CONNECTION.match(str(exception))
    )


def is_unavailable(exception: BaseException | None) -> bool:
    """Return whether ``exception`` means the database went away (a 503, not a 500)."""
    return isinstance(exception, UNAVAILABLE_EXCEPTIONS) or is_lost_pooled_connection(exception)


def close_failed_connections() -> None:
    """Close every connection that raised a database error and is not inside a transaction.

    The next request opens a new one instead of reusing one whose protocol state is unknown
    (a persistent connection behind a pooler keeps its socket between requests). Inside a
    transaction (a test's, ``ATOMIC_REQUESTS``) Django closes it when the block ends.
    """
    for connection in connections.all(initialized_only=True):
        if connection.errors_occurred and not connection.in_atomic_block:
            try:
                connection.close()
            except DatabaseError:  # already broken: dropped all the same
                logger.warning("closing a failed %s connection failed", connection.alias)


def service_unavailable(request: HttpRequest, exception: BaseException | None = None):
    """Return the 503 for ``request``: JSON under /api/, the friendly page elsewhere."""
    close_failed_connections()
    logger.warning(
        "503 for %s %s: %s: %s",
        request.method,
        request.path,
        type(exception).__name__ if exception else "unavailable",
        exception,
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if is_api_request(request):
        return json_error(503, headers=headers)
    body = loader.render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    return HttpResponse(body, status=503, headers=headers)


def bad_request(request: HttpRequest, exception: Exception, **kwargs) -> HttpResponse:
    """handler400: a request Django refused before any view (bad host, body too large ...)."""
    status = 413 if isinstance(exception, RequestDataTooBig) else 400
    if is_api_request(request):
        return json_error(status)
    if status == 413:
        return HttpResponse(
            loader.render_to_string("413.html"), status=413, content_type="text/html"
        )
    return defaults.bad_request(request, exception, **kwargs)


def permission_denied(request: HttpRequest, exception: Exception, **kwargs) -> HttpResponse:
    """handler403."""
    if is_api_request(request):
        return json_error(403)
    return defaults.permission_denied(request, exception, **kwargs)


def page_not_found(request: HttpRequest, exception: Exception, **kwargs) -> HttpResponse:
    """handler404."""
    if is_api_request(request):
        return json_error(404)
    return defaults.page_not_found(request, exception, **kwargs)


def server_error(request: HttpRequest, **kwargs) -> HttpResponse:
    """handler500: a 503 when the database went away (raised anywhere, middleware too)."""
    # Django calls handler500 inside the ``except`` that caught the exception.
    exception = sys.exc_info()[1]
    if is_unavailable(exception):
        return service_unavailable(request, exception)
    if is_api_request(request):
        return json_error(500)
    return defaults.server_error(request, **kwargs)


def api_exception_handler(exc: Exception, context: dict):
    """DRF's EXCEPTION_HANDLER: DRF's answers, plus a 503 for a lost database.

    Anything else unexpected is re-raised by DRF and answered by ``server_error`` (JSON 500).
    """
    response = drf_exception_handler(exc, context)
    if response is not None:
        # DRF's single-message errors get the machine code beside the message; field errors
        # (a dict of lists) stay DRF's.
        if isinstance(exc, APIException) and set(response.data) == {"detail"}:
            response.data["code"] = getattr(exc.detail, "code", None) or exc.default_code
        return response
    request = context.get("request")
    if is_unavailable(exc) and request is not None:
        return service_unavailable(request._request, exc)
    if isinstance(exc, RequestDataTooBig):
        return json_error(413)
    return None
