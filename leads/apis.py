"""JSON endpoints for the public lead forms; they call the same services as the HTML pages.

Anonymous callers may only POST here; no endpoint lists or reveals leads. Each endpoint also
takes the bodies the live front-end sends (``CLIENT-CONTRACT.md``): the choices and contact
bodies are the project's own with fewer fields; early access comes in camelCase with the
legacy enum values and gets the answers that front-end reads.
"""

import math

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import SafeJSONParser
from leads import services
from leads.forms import HONEYPOT_FIELD, MESSAGE_MAX_LENGTH, NOTES_MAX_LENGTH
from leads.models import (
    CITY_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PHONE_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    URL_MAX_LENGTH,
    UTM_MAX_LENGTH,
    ChoiceIntent,
    IntentLevel,
    InvestmentRange,
    PropertyType,
)
from leads.services import CONTACT_MESSAGE_MIN_LENGTH, NPS_MAX, NPS_MIN
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

# The old site's investment intents, mapped as the legacy backfill maps them.
LEGACY_INTENT_LEVELS = {
    "JUST_EXPLORING": IntentLevel.LOW,
    "INVEST_WITHIN_3_MONTHS": IntentLevel.MEDIUM,
    "READY_TO_INVEST": IntentLevel.HIGH,
}


class OptionalTextField(serializers.CharField):
    """Optional text: left out, blank or null all mean ""."""

    def __init__(self, *, max_length: int) -> None:
        super().__init__(
            required=False, allow_blank=True, allow_null=True, max_length=max_length, default=""
        )

    def validate_empty_values(self, data):
        is_empty, value = super().validate_empty_values(data)
        return is_empty, "" if value is None else value


def first_error(detail) -> str:
    """Return one readable sentence from DRF's error detail, e.g. "email: Enter a valid ..."."""
    if isinstance(detail, dict):
        field, errors = next(iter(detail.items()))
        message = first_error(errors)
        return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(detail, list):
        return first_error(detail[0]) if detail else "Invalid input."
    return str(detail)


class HoneypotSerializer(serializers.Serializer):
    website = serializers.CharField(required=False, allow_blank=True, max_length=NAME_MAX_LENGTH)


class PublicFormApi(APIView):
    """Base for the anonymous POST endpoints: JSON in, 201 out, rate limited per client.

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
    InputSerializer: type[serializers.Serializer]
    # Only the page-session endpoint gives a new visitor an id; a submission only uses the
    # cookie a visitor already has, so a visitor without one costs no page-session query.
    mints_visitor = False

    def input_serializer_class(self, body) -> type[serializers.Serializer]:
        return self.InputSerializer

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
        serializer_class = self.input_serializer_class(body)
        limit = rate_limit_check(request, scope=self.throttle_scope)
        if not limit.allowed:
            return self.throttled(limit.wait)
        try:
            serializer = serializer_class(data=body)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            if data.pop(HONEYPOT_FIELD, ""):
                return self.accepted()
            if self.mints_visitor:
                visitor_key = visitor_key_for(request)
            else:
                visitor_key = visitor_key_from_request(request)
            try:
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

    class InputSerializer(HoneypotSerializer):
        intent = serializers.ChoiceField(choices=ChoiceIntent.choices)
        # Optional: the live front-end may leave the score out.
        nps = serializers.IntegerField(
            min_value=NPS_MIN, max_value=NPS_MAX, required=False, allow_null=True, default=None
        )
        name = OptionalTextField(max_length=NAME_MAX_LENGTH)
        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
        source = OptionalTextField(max_length=UTM_MAX_LENGTH)

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
    is the project's own and gets its answers; any other body is read as the front-end's and
    answered as it expects: 201 ``{"success": true}`` or 400 ``{"success": false, "error":
    "..."}``.
    """

    throttle_scope = EARLY_ACCESS_SCOPE
    PROJECT_KEYS = ("intent_level", "investment_range", "city")

    class InputSerializer(HoneypotSerializer):
        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
        name = OptionalTextField(max_length=NAME_MAX_LENGTH)
        intent_level = serializers.ChoiceField(choices=IntentLevel.choices)
        investment_range = serializers.ChoiceField(choices=InvestmentRange.choices)
        city = serializers.CharField(max_length=CITY_MAX_LENGTH)
        preferred_property_type = serializers.ChoiceField(
            choices=PropertyType.choices, required=False, allow_blank=True, default=""
        )
        notes = OptionalTextField(max_length=NOTES_MAX_LENGTH)

    class ClientInputSerializer(HoneypotSerializer):
        """The live front-end's body (CLIENT-CONTRACT.md): camelCase, legacy intent values."""

        # Field names are the front-end's JSON keys, hence camelCase.

        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
        name = OptionalTextField(max_length=NAME_MAX_LENGTH)
        investmentIntent = serializers.ChoiceField(choices=list(LEGACY_INTENT_LEVELS))
        expectedInvestmentRange = serializers.ChoiceField(choices=InvestmentRange.values)
        preferredPropertyType = serializers.ChoiceField(
            choices=PropertyType.values, required=False, allow_blank=True, allow_null=True
        )
        source = OptionalTextField(max_length=UTM_MAX_LENGTH)

        def to_internal_value(self, data) -> dict:
            values = super().to_internal_value(data)
            return {
                "email": values["email"],
                "name": values["name"],
                "intent_level": LEGACY_INTENT_LEVELS[values["investmentIntent"]],
                "investment_range": values["expectedInvestmentRange"],
                "preferred_property_type": values.get("preferredPropertyType") or "",
                "client_source": values["source"],
                HONEYPOT_FIELD: values.get(HONEYPOT_FIELD, ""),
            }

    def is_client_body(self, body) -> bool:
        return not (isinstance(body, dict) and any(key in body for key in self.PROJECT_KEYS))

    def input_serializer_class(self, body) -> type[serializers.Serializer]:
        self.client_body = self.is_client_body(body)
        return self.ClientInputSerializer if self.client_body else self.InputSerializer

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
        services.early_access_request_create(**data, visitor_key=visitor_key)


class ContactMessageApi(PublicFormApi):
    throttle_scope = CONTACT_SCOPE

    class InputSerializer(HoneypotSerializer):
        name = serializers.CharField(max_length=NAME_MAX_LENGTH)
        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
        phone = serializers.RegexField(
            r"^\+?[0-9][0-9 ()./-]{5,}\Z",
            max_length=PHONE_MAX_LENGTH,
            required=False,
            allow_blank=True,
            default="",
            error_messages={"invalid": "Enter a phone number, e.g. +91 98765 43210."},
        )
        # Optional: the live front-end's contact form has no subject.
        subject = OptionalTextField(max_length=SUBJECT_MAX_LENGTH)
        message = serializers.CharField(
            min_length=CONTACT_MESSAGE_MIN_LENGTH, max_length=MESSAGE_MAX_LENGTH
        )

    def submit(self, data: dict, *, visitor_key: str) -> None:
        services.contact_message_create(**data, visitor_key=visitor_key)


class PageSessionRecordApi(PublicFormApi):
    throttle_scope = PAGE_SESSIONS_SCOPE
    mints_visitor = True

    class InputSerializer(serializers.Serializer):
        page = serializers.CharField(max_length=URL_MAX_LENGTH)
        referrer = serializers.CharField(
            required=False, allow_blank=True, max_length=URL_MAX_LENGTH, default=""
        )
        utm_source = serializers.CharField(
            required=False, allow_blank=True, max_length=UTM_MAX_LENGTH, default=""
        )
        utm_campaign = serializers.CharField(
            required=False, allow_blank=True, max_length=UTM_MAX_LENGTH, default=""
        )

        def validate(self, attrs: dict) -> dict:
            if not (attrs["referrer"] or attrs["utm_source"] or attrs["utm_campaign"]):
                raise serializers.ValidationError(
                    "A page session needs a referrer, utm_source or utm_campaign."
                )
            return attrs

    def submit(self, data: dict, *, visitor_key: str) -> None:
        services.page_session_record(**data, visitor_key=visitor_key)
