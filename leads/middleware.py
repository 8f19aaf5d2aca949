"""Record campaign and referral landings as page sessions, on any public page."""

import logging
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from leads.models import URL_MAX_LENGTH, UTM_MAX_LENGTH
from leads.services import page_session_record
from leads.throttling import PAGE_SESSIONS_SCOPE, rate_limit_allows
from leads.visitors import remember_visitor, visitor_key_for

logger = logging.getLogger("leads.page_sessions")

_SKIPPED_PREFIXES = ("/admin/", "/api/", "/static/", "/favicon", "/healthz")


def _clean(value: str, max_length: int) -> str:
    # Query strings are visitor input: PostgreSQL text cannot hold NUL, columns have a length.
    return value.replace("\x00", "").strip()[:max_length]


def landing_details(request: HttpRequest) -> dict[str, str] | None:
    """Return the page session fields for a campaign or outside-referral landing, else None."""
    utm_source = _clean(request.GET.get("utm_source", ""), UTM_MAX_LENGTH)
    utm_campaign = _clean(request.GET.get("utm_campaign", ""), UTM_MAX_LENGTH)
    referrer = _clean(request.META.get("HTTP_REFERER", ""), URL_MAX_LENGTH)
    # Moving between our own pages is not a landing.
    if referrer and urlsplit(referrer).netloc == request.get_host():
        referrer = ""
    if not (utm_source or utm_campaign or referrer):
        return None
    return {
        "page": _clean(request.get_full_path(), URL_MAX_LENGTH),
        "referrer": referrer,
        "utm_source": utm_source,
        "utm_campaign": utm_campaign,
    }


class PageSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method == "GET"
            and response.status_code == 200
            and not request.path.startswith(_SKIPPED_PREFIXES)
        ):
            details = landing_details(request)
            if details:
                self.record(request, response, details)
        return response

    def record(self, request: HttpRequest, response: HttpResponse, details: dict) -> None:
        """Record the landing; the page is already rendered, so a failure only costs the visit."""
        try:
            # Over the rate the page still renders; the visit just goes unrecorded.
            if not rate_limit_allows(request, scope=PAGE_SESSIONS_SCOPE):
                return
            # Its own transaction (a savepoint inside one), so a failed write is rolled back
            # alone and never poisons a transaction the request may still be in.
            with transaction.atomic():
                page_session_record(**details, visitor_key=visitor_key_for(request))
        except Exception:  # a lost database or cache must not turn the page into an error
            logger.warning("page session not recorded for %s", request.path, exc_info=True)
            return
        remember_visitor(request, response)
