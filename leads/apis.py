"""JSON endpoints for the public lead forms; they call the same services as the HTML pages.

Anonymous callers may only POST here; no endpoint lists or reveals leads. Each endpoint also
takes the bodies the live front-end sends (``CLIENT-CONTRACT.md``): the choices and contact
bodies are the project's own with fewer fields; early access comes in camelCase with the
legacy enum values and gets the answers that front-end reads.
"""

import math

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import SafeJSONParser
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


def first_error(detail) -> str:
    """Return one readable sentence from DRF's error detail, e.g. "email: Enter a valid ..."."""
    if isinstance(detail, dict):
        field, errors = next(iter(detail.items()))
        message = first_error(errors)
        return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(detail, list):
        return first_error(detail[0]) if detail else "Invalid input."
    return str(detail)


class PublicFormApi(APIView):
    """Base for the anonymous POST endpoints: JSON in, 201 out, rate limited per client.

    The body is validated by the public forms' own fields (``leads.forms.json_clean``): one
    rule set for the HTML pages and the JSON endpoints, and no serializer built per request.
    The rate limit counts only POSTs whose body parsed, so a preflight, a wrong method or a
    wrong content type never uses it up; it is checked here rather than by DRF's throttles,
    which run before parsing and for every method.
    """

    # No authentication: these endpoints treat everyone as an anonymous visitor.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [SafeJSONParser]
    throttle_classes: list = []
    throttle_scope: str
    InputForm: type[forms.Form]
    # Only the page-session endpoint gives a new visitor an id; a submission only uses the
    # cookie a visitor already has, so a visitor without one costs no page-session query.
    mints_visitor = False

    def input_form_class(self, body) -> type[forms.Form]:
        return self.InputForm

    def submit(self, data: dict, *, visitor_key: str) -> None:
        raise NotImplementedError

    def accepted(self) -> Response:
        return Response(RECEIVED, status=status.HTTP_201_CREATED)

    def refused(self, exc: serializers.ValidationError) -> Response:
        raise exc

    def throttled(self, wait: float) -> Response:
        raise Throttled(wait=wait)

    def post(self, request: Request) -> Response:
        body = request.data  # parse first: a 400 or 415 body does not count against the limit
        form_class = self.input_form_class(body)
        limit = rate_limit_check(request, scope=self.throttle_scope)
        if not limit.allowed:
            return self.throttled(limit.wait)
        try:
            try:
                data = json_clean(form_class, body)
                if data.pop(HONEYPOT_FIELD, ""):
                    return self.accepted()
                if self.mints_visitor:
                    visitor_key = visitor_key_for(request)
                else:
                    visitor_key = visitor_key_from_request(request)
                self.submit(data, visitor_key=visitor_key)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.message_dict) from exc
        except serializers.ValidationError as exc:
            return self.refused(exc)
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

    def accepted(self) -> Response:
        if self.client_body:
            return Response(CLIENT_ACCEPTED, status=status.HTTP_201_CREATED)
        return super().accepted()

    def refused(self, exc: serializers.ValidationError) -> Response:
        if not self.client_body:
            raise exc
        return Response(
            {"success": False, "error": first_error(exc.detail)},
            status=status.HTTP_400_BAD_REQUEST,
        )

    def throttled(self, wait: float) -> Response:
        if not self.client_body:
            return super().throttled(wait)
        seconds = max(1, math.ceil(wait))
        return Response(
            {
                "success": False,
                "error": f"Too many requests. Please try again in {seconds} seconds.",
            },
            status=status.HTTP_429_TOO_MANY_REQUESTS,
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
