"""Serializers of the leads' staff API (leads/staff_apis.py)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.staff_api import ScopedRelatedField
from crm.models import Contact, Organization
from crm.serializers import ContactSerializer
from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    UsersLead,
)
from leads.pipeline import STAFF_STATUSES, lead_owner_candidates


class ChoicesResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChoicesResponse
        fields = ["id", "choice_key", "choice_value", "created_at"]
        read_only_fields = fields


class EarlyAccessRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = EarlyAccessRequest
        fields = ["id", "investment_range", "city", "intent_level", "notes", "created_at"]
        read_only_fields = fields


class ContactMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactMessage
        fields = ["id", "subject", "message", "responded", "created_at"]
        read_only_fields = fields


class LeadSerializer(serializers.ModelSerializer):
    class Meta:
        model = UsersLead
        fields = [
            "id",
            "email",
            "name",
            "phone",
            "source",
            "environment",
            "first_seen_at",
            "last_seen_at",
            "converted_contact",
            "converted_at",
            "status",
            "owner",
        ]
        read_only_fields = fields


class LeadWorkSerializer(serializers.Serializer):
    """What staff may change on a lead over the API: its status and its owner."""

    status = serializers.ChoiceField(choices=STAFF_STATUSES, required=False)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=lead_owner_candidates(),
        required=False,
        allow_null=True,
        error_messages={
            "does_not_exist": "Choose an active staff member who works on leads.",
            "incorrect_type": "Choose an active staff member who works on leads.",
        },
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["owner"].queryset = lead_owner_candidates()  # evaluated per request
        return fields


class LeadSubmissionsSerializer(serializers.Serializer):
    choices = ChoicesResponseSerializer(many=True, source="choices_responses")
    early_access = EarlyAccessRequestSerializer(many=True, source="early_access_requests")
    contact_messages = ContactMessageSerializer(many=True)


class LeadDetailSerializer(LeadSerializer):
    submissions = serializers.SerializerMethodField()

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "submissions"]
        read_only_fields = fields

    @extend_schema_field(LeadSubmissionsSerializer)
    def get_submissions(self, lead: UsersLead) -> dict:
        return LeadSubmissionsSerializer(lead).data


class LeadEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadEvent
        fields = ["id", "lead", "event_type", "metadata", "environment", "created_at"]
        read_only_fields = fields


class LeadConvertInputSerializer(serializers.Serializer):
    organization = ScopedRelatedField(queryset=Organization.objects.all())
    contact_type = serializers.ChoiceField(choices=Contact.Type.choices, required=False)


class LeadConversionSerializer(serializers.Serializer):
    lead = LeadSerializer()
    contact = ContactSerializer()
