"""The leads' staff REST API (/api/leads/): leads with their submissions, and their events.

Read-only, but for ``POST /api/leads/<id>/convert/`` (``lead_convert_to_contact``).
Leads belong to the platform, not to an organization. As in the admin, staff with the view
permission see the leads still to be converted; a lead converted into another organization's
contact is that organization's, so a staff member who belongs to organizations sees only the
converted leads of their own (``UsersLead.objects.for_user``, the rule the admin and the
dashboard use too). The public form endpoints live in leads/apis.py.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.staff_api import StaffApiMixin, StaffCursorPagination
from crm.models import Contact
from crm.serializers import ContactSerializer
from leads import filters
from leads.models import (
    LeadEvent,
    UsersLead,
)
from leads.pipeline import lead_assign_owner, lead_set_status
from leads.serializers import (
    LeadConversionSerializer,
    LeadConvertInputSerializer,
    LeadDetailSerializer,
    LeadEventSerializer,
    LeadSerializer,
    LeadWorkSerializer,
)
from leads.services import lead_convert_to_contact


class LeadCursorPagination(StaffCursorPagination):
    ordering = "-last_seen_at"


class LeadViewSet(StaffApiMixin, viewsets.ReadOnlyModelViewSet):
    """Leads, newest activity first; one lead's page holds its form submissions.

    ``PATCH`` changes the lead's ``status`` (not CONVERTED: converting does that) and ``owner``
    (a staff member who may change leads, or null); each change leaves a lead event.
    """

    queryset = UsersLead.objects.all()  # the model, for permissions and the schema
    serializer_class = LeadSerializer
    filterset_class = filters.LeadFilter
    pagination_class = LeadCursorPagination
    ordering_fields = ["last_seen_at", "first_seen_at", "email"]
    ordering = ["-last_seen_at"]
    action_permissions = {"convert": ["leads.view_userslead", "leads.convert_userslead"]}

    def get_queryset(self):
        leads = UsersLead.objects.for_user(self.request.user)
        if self.action == "retrieve":
            leads = leads.prefetch_related(
                "choices_responses", "early_access_requests", "contact_messages"
            )
        return leads

    def get_serializer_class(self):
        return LeadDetailSerializer if self.action == "retrieve" else LeadSerializer

    @extend_schema(request=LeadWorkSerializer, responses={200: LeadSerializer})
    def partial_update(self, request: Request, pk=None) -> Response:
        lead = self.get_object()
        serializer = LeadWorkSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        by = request.user.get_username()
        with transaction.atomic():
            if "status" in data:
                self.run_service(lead_set_status, lead=lead, status=data["status"], by=by)
            if "owner" in data:
                self.run_service(lead_assign_owner, lead=lead, owner=data["owner"], by=by)
        lead.refresh_from_db()
        return Response(LeadSerializer(lead).data)

    @extend_schema(request=LeadConvertInputSerializer, responses={200: LeadConversionSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk=None) -> Response:
        """Turn the lead into a contact of one of your organizations (once; a contact of
        that organization with the lead's email is linked instead of duplicated)."""
        lead = self.get_object()
        serializer = LeadConvertInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        contact = self.run_service(
            lead_convert_to_contact,
            lead=lead,
            by=request.user.get_username(),
            **serializer.validated_data,
        )
        lead.refresh_from_db()
        contact = Contact.objects.prefetch_related("tags").get(pk=contact.pk)
        return Response(
            {"lead": LeadSerializer(lead).data, "contact": ContactSerializer(contact).data}
        )


class LeadEventViewSet(StaffApiMixin, viewsets.ReadOnlyModelViewSet):
    """What happened to leads (captures, submissions, staff edits), newest first."""

    queryset = LeadEvent.objects.all()  # the model, for permissions and the schema
    serializer_class = LeadEventSerializer
    filterset_class = filters.LeadEventFilter
    pagination_class = StaffCursorPagination
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return LeadEvent.objects.for_user(self.request.user)
