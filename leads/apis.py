"""JSON endpoints for the public lead forms; they call the same services as the HTML pages.

Anonymous callers may only POST here; no endpoint lists or reveals leads. Each endpoint also
takes the bodies the live front-end sends (``CLIENT-CONTRACT.md``): the choices and contact
bodies are the project's own with fewer fields; early access comes in camelCase with the
legacy enum values and gets the answers that front-end reads.
"""

import math

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from core import json_safety
from core.errors import json_error
from leads import services
from leads.forms import (
    HONEYPOT_FIELD,
    LEGACY_INTENT_LEVELS,
    ChoicesApiForm,
    ContactApiForm,
    EarlyAccessClientForm,
    EarlyAccessForm,
    PageSessionApiForm,
    json_clean,
)
from leads.throttling import (
    CHOICES_SCOPE,
    CONTACT_SCOPE,
    EARLY_ACCESS_SCOPE,
    PAGE_SESSIONS_SCOPE,
    rate_limit_check,
)
from leads.visitors import remember_visitor, visitor_key_for, visitor_key_from_request

# The same body for a new and a known email, so the answer reveals nothing about leads.
RECEIVED = {"status": "received"}

# The live front-end's early-access answers (it needs "success": true, and shows "error").
CLIENT_ACCEPTED = {"success": True}

JSON_MEDIA_TYPE = "application/json"


def first_error(detail) -> str:
    """Return one readable sentence from error messages per field, e.g. "email: Enter a
    valid ..."."""
    if isinstance(detail, dict):
        field, errors = next(iter(detail.items()))
        message = first_error(errors)
        return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(detail, list):
        return first_error(detail[0]) if detail else "Invalid input."
    return str(detail)


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """``{"field": ["message", ...]}``: the answer to a body that failed validation."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}


def request_body(request: HttpRequest):
    """The parsed JSON body, ``{}`` when there is none; raise UnsupportedMediaType for a body
    that is not JSON, BodyNotJSON or UnsafeStrings for one that is unreadable.

    The staff API's rules (``core.json_safety.body_load``); core.middleware refuses a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE before any view.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return {}
    if request.content_type.lower() != JSON_MEDIA_TYPE:
        raise UnsupportedMediaType(request.content_type)
    return json_safety.body_load(
        request,
        limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        encoding=request.encoding or settings.DEFAULT_CHARSET,
    )


class UnsupportedMediaType(ValueError):
    """The body is not ``application/json``; the message is its content type."""


@method_decorator(csrf_exempt, name="dispatch")
class PublicFormApi(View):
    """Base for the anonymous POST endpoints: JSON in, 201 out, rate limited per client.

    Plain Django views, not DRF: they take one body and give one small answer, and DRF's
    request wrapping, negotiation and rendering cost more per submission than the write
    itself (issue 21). The answers keep DRF's shapes, which the live front-end and the tests
    read: ``{"field": ["message"]}`` for a body that fails validation, ``{"detail": ...,
    "code": ...}`` for the rest (400 unreadable JSON, 405, 415, 429 with Retry-After).

    The body is validated by the public forms' own fields (``leads.forms.json_clean``): one
    rule set for the HTML pages and the JSON endpoints. The rate limit counts only POSTs whose
    body parsed, so a preflight, a wrong method or a wrong content type never uses it up.
    """

    http_method_names = ["post", "options"]
    throttle_scope: str
    InputForm: type[forms.Form]
    # Only the page-session endpoint gives a new visitor an id; a submission only uses the
    # cookie a visitor already has, so a visitor without one costs no page-session query.
    mints_visitor = False

    def input_form_class(self, body) -> type[forms.Form]:
        return self.InputForm

    def submit(self, data: dict, *, visitor_key: str) -> None:
        raise NotImplementedError

    def accepted(self) -> HttpResponse:
        return JsonResponse(RECEIVED, status=201)

    def refused(self, errors: dict[str, list[str]]) -> HttpResponse:
        return JsonResponse(errors, status=400)

    def throttled(self, wait: float) -> HttpResponse:
        seconds = math.ceil(wait)
        unit = "second" if seconds == 1 else "seconds"
        return json_error(
            429,
            detail=f"Request was throttled. Expected available in {seconds} {unit}.",
            headers={"Retry-After": str(seconds)},
        )

    def http_method_not_allowed(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return json_error(
            405,
            detail=f'Method "{request.method}" not allowed.',
            headers={"Allow": ", ".join(self._allowed_methods())},
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        try:  # parse first: a 400 or 415 body does not count against the limit
            body = request_body(request)
        except UnsupportedMediaType as exc:
            return json_error(415, detail=f'Unsupported media type "{exc}" in request.')
        except json_safety.BodyNotJSON as exc:
            return json_error(400, detail=str(exc), code="parse_error")
        except json_safety.UnsafeStrings as exc:
            return JsonResponse(exc.errors, status=400)
        form_class = self.input_form_class(body)
        limit = rate_limit_check(request, scope=self.throttle_scope)
        if not limit.allowed:
            return self.throttled(limit.wait)
        try:
            data = json_clean(form_class, body)
            if data.pop(HONEYPOT_FIELD, ""):
                return self.accepted()
            if self.mints_visitor:
                visitor_key = visitor_key_for(request)
            else:
                visitor_key = visitor_key_from_request(request)
            self.submit(data, visitor_key=visitor_key)
        except ValidationError as exc:
            return self.refused(field_errors(exc))
        response = self.accepted()
        if self.mints_visitor:
            remember_visitor(request, response)
        return response


class ChoicesSubmitApi(PublicFormApi):
    throttle_scope = CHOICES_SCOPE
    InputForm = ChoicesApiForm

    def submit(self, data: dict, *, visitor_key: str) -> None:
        services.choices_submit(
            email=data["email"],
            intent=data["intent"],
            nps=data["nps"],
            name=data["name"],
            client_source=data["source"],
            visitor_key=visitor_key,
        )


class EarlyAccessRequestApi(PublicFormApi):
    """Early access in two shapes: the project's own and the live front-end's camelCase.

    A body with any of the project's keys (``intent_level``, ``investment_range``, ``city``)
    is the project's own (the page's form) and gets its answers; any other body is read as the
    front-end's and answered as it expects: 201 ``{"success": true}`` or 400 ``{"success":
    false, "error": "..."}``.
    """

    throttle_scope = EARLY_ACCESS_SCOPE
    PROJECT_KEYS = ("intent_level", "investment_range", "city")
    InputForm = EarlyAccessForm

    def is_client_body(self, body) -> bool:
        return not (isinstance(body, dict) and any(key in body for key in self.PROJECT_KEYS))

    def input_form_class(self, body) -> type[forms.Form]:
        self.client_body = self.is_client_body(body)
        return EarlyAccessClientForm if self.client_body else self.InputForm

    def accepted(self) -> HttpResponse:
        if self.client_body:
            return JsonResponse(CLIENT_ACCEPTED, status=201)
        return super().accepted()

    def refused(self, errors: dict[str, list[str]]) -> HttpResponse:
        if not self.client_body:
            return super().refused(errors)
        return JsonResponse({"success": False, "error": first_error(errors)}, status=400)

    def throttled(self, wait: float) -> HttpResponse:
        if not self.client_body:
            return super().throttled(wait)
        seconds = max(1, math.ceil(wait))
        return JsonResponse(
            {
                "success": False,
                "error": f"Too many requests. Please try again in {seconds} seconds.",
            },
            status=429,
            headers={"Retry-After": str(seconds)},
        )

    def submit(self, data: dict, *, visitor_key: str) -> None:
        if self.client_body:
            data = {
                "email": data["email"],
                "name": data["name"],
                "intent_level": LEGACY_INTENT_LEVELS[data["investmentIntent"]],
                "investment_range": data["expectedInvestmentRange"],
                "preferred_property_type": data["preferredPropertyType"],
                "client_source": data["source"],
            }
        services.early_access_request_create(**data, visitor_key=visitor_key)


class ContactMessageApi(PublicFormApi):
    throttle_scope = CONTACT_SCOPE
    InputForm = ContactApiForm

    def submit(self, data: dict, *, visitor_key: str) -> None:
        services.contact_message_create(**data, visitor_key=visitor_key)


class PageSessionRecordApi(PublicFormApi):
    throttle_scope = PAGE_SESSIONS_SCOPE
    mints_visitor = True
    InputForm = PageSessionApiForm

    def submit(self, data: dict, *, visitor_key: str) -> None:
        services.page_session_record(**data, visitor_key=visitor_key)
