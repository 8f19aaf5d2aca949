"""JSON endpoints for the public lead forms; they call the same services as the HTML pages.

Anonymous callers may only POST here; no endpoint lists or reveals leads.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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
    ClientScopedRateThrottle,
)
from leads.visitors import remember_visitor, visitor_key_for

# The same body for a new and a known email, so the answer reveals nothing about leads.
RECEIVED = {"status": "received"}


class HoneypotSerializer(serializers.Serializer):
    website = serializers.CharField(required=False, allow_blank=True, max_length=NAME_MAX_LENGTH)


class PublicFormApi(APIView):
    """Base for the anonymous POST endpoints: JSON in, 201 out, throttled per client."""

    # No authentication: these endpoints treat everyone as an anonymous visitor.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    throttle_classes = [ClientScopedRateThrottle]
    InputSerializer: type[serializers.Serializer]

    def submit(self, data: dict, *, visitor_key: str) -> None:
        raise NotImplementedError

    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        response = Response(RECEIVED, status=status.HTTP_201_CREATED)
        if data.pop(HONEYPOT_FIELD, ""):
            return response
        try:
            self.submit(data, visitor_key=visitor_key_for(request))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        remember_visitor(request, response)
        return response


class ChoicesSubmitApi(PublicFormApi):
    throttle_scope = CHOICES_SCOPE

    class InputSerializer(HoneypotSerializer):
        intent = serializers.ChoiceField(choices=ChoiceIntent.choices)
        nps = serializers.IntegerField(min_value=NPS_MIN, max_value=NPS_MAX)
        name = serializers.CharField(
            required=False, allow_blank=True, max_length=NAME_MAX_LENGTH, default=""
        )
        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)

    def submit(self, data: dict, *, visitor_key: str) -> None:
        services.choices_submit(**data, visitor_key=visitor_key)


class EarlyAccessRequestApi(PublicFormApi):
    throttle_scope = EARLY_ACCESS_SCOPE

    class InputSerializer(HoneypotSerializer):
        email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
        name = serializers.CharField(
            required=False, allow_blank=True, max_length=NAME_MAX_LENGTH, default=""
        )
        intent_level = serializers.ChoiceField(choices=IntentLevel.choices)
        investment_range = serializers.ChoiceField(choices=InvestmentRange.choices)
        city = serializers.CharField(max_length=CITY_MAX_LENGTH)
        preferred_property_type = serializers.ChoiceField(
            choices=PropertyType.choices, required=False, allow_blank=True, default=""
        )
        notes = serializers.CharField(
            required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH, default=""
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
        subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH)
        message = serializers.CharField(
            min_length=CONTACT_MESSAGE_MIN_LENGTH, max_length=MESSAGE_MAX_LENGTH
        )

    def submit(self, data: dict, *, visitor_key: str) -> None:
        services.contact_message_create(**data, visitor_key=visitor_key)


class PageSessionRecordApi(PublicFormApi):
    throttle_scope = PAGE_SESSIONS_SCOPE

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
