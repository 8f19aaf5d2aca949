"""The leads' staff REST API (/api/leads/): leads with their submissions, and their events.

Read-only. Leads belong to the platform, not to an organization: platform staff see them all;
a staff member who belongs to organizations sees only the leads converted into contacts of
those organizations (``leads_for``). The public form endpoints live in leads/apis.py.
"""

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from core.staff_api import StaffApiMixin, StaffCursorPagination
from crm.scoping import organization_ids_for
from leads import filters
from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    UsersLead,
)


def leads_for(user) -> QuerySet[UsersLead]:
    """Return the leads ``user`` may see: all for platform staff, else their organizations'."""
    scope = organization_ids_for(user)
    leads = UsersLead.objects.all()
    if scope is None:
        return leads
    return leads.filter(converted_contact__organization_id__in=scope)


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
        ]
        read_only_fields = fields


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


class LeadCursorPagination(StaffCursorPagination):
    ordering = "-last_seen_at"


class LeadViewSet(StaffApiMixin, viewsets.ReadOnlyModelViewSet):
    """Leads, newest activity first; one lead's page holds its form submissions."""

    queryset = UsersLead.objects.all()  # the model, for permissions and the schema
    serializer_class = LeadSerializer
    filterset_class = filters.LeadFilter
    pagination_class = LeadCursorPagination
    ordering_fields = ["last_seen_at", "first_seen_at", "email"]
    ordering = ["-last_seen_at"]

    def get_queryset(self):
        leads = leads_for(self.request.user)
        if self.action == "retrieve":
            leads = leads.prefetch_related(
                "choices_responses", "early_access_requests", "contact_messages"
            )
        return leads

    def get_serializer_class(self):
        return LeadDetailSerializer if self.action == "retrieve" else LeadSerializer


class LeadEventViewSet(StaffApiMixin, viewsets.ReadOnlyModelViewSet):
    """What happened to leads (captures, submissions, staff edits), newest first."""

    queryset = LeadEvent.objects.all()  # the model, for permissions and the schema
    serializer_class = LeadEventSerializer
    filterset_class = filters.LeadEventFilter
    pagination_class = StaffCursorPagination
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        events = LeadEvent.objects.all()
        if organization_ids_for(self.request.user) is None:
            return events
        return events.filter(Q(lead__in=leads_for(self.request.user)))
