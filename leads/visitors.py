"""The anonymous visitor id that ties page sessions to the lead who later submits a form."""

import uuid

from django.http import HttpRequest, HttpResponse

VISITOR_COOKIE = "lead_visitor"
_SALT = "leads.visitor"
_MAX_AGE = 60 * 60 * 24 * 90


def visitor_key_from_request(request: HttpRequest) -> str:
    """Return the visitor id from the signed cookie, or "" when there is none (or it is forged)."""
    return request.get_signed_cookie(VISITOR_COOKIE, default="", salt=_SALT)


def visitor_key_for(request: HttpRequest) -> str:
    """Return this request's visitor id, minting one (kept on the request) if it has none."""
    key = getattr(request, "_lead_visitor_key", None) or visitor_key_from_request(request)
    if not key:
        key = uuid.uuid4().hex
    request._lead_visitor_key = key
    return key


def remember_visitor(request: HttpRequest, response: HttpResponse) -> None:
    """Set the visitor cookie when this request minted a new visitor id."""
    key = getattr(request, "_lead_visitor_key", "")
    if key and key != visitor_key_from_request(request):
        response.set_signed_cookie(
            VISITOR_COOKIE,
            key,
            salt=_SALT,
            max_age=_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
