"""Cross-cutting middleware: the 503 for a lost database, the size limit of JSON bodies."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core.errors import is_api_request, is_unavailable, json_error, service_unavailable


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
