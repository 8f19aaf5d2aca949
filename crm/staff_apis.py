"""The CRM's staff REST API (/api/crm/): reads scoped to the caller, writes through services.

Authentication, permissions, scoping and the error format come from core/staff_api.py.

Over 400 lines on purpose: one router's viewsets, each thin (services write, selectors read).
"""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.staff_api import StaffApiMixin, StaffCursorPagination
from crm import filters
from crm import serializers as s
from crm.models import (
    Appointment,
    Contact,
    ContactIntegration,
    ContactNote,
    Message,
    Organization,
    Tag,
    Task,
)
from crm.scoping import organization_ids_for
from crm.services import (
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
    appointment_schedule,
    appointment_update,
    contact_add_tags,
    contact_create,
    contact_integration_create,
    contact_integration_update,
    contact_move,
    contact_note_create,
    contact_set_tags,
    contact_update,
    message_log,
    message_resend_email,
    message_send_email,
    message_update_status,
    organization_create,
    organization_update,
    tag_get_or_create,
    task_assign,
    task_cancel,
    task_complete,
    task_create,
    task_start,
)


def _validated(serializer_class, request: Request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class NewestFirstCursorPagination(StaffCursorPagination):
    ordering = "-created_at"


class MessageCursorPagination(StaffCursorPagination):
    ordering = "-sent_at"


@extend_schema_view(
    create=extend_schema(
        request=s.OrganizationInputSerializer,
        responses={201: s.OrganizationSerializer},
        description="Platform staff only: a member of organizations works inside them (403).",
    ),
    partial_update=extend_schema(
        request=s.OrganizationUpdateSerializer, responses={200: s.OrganizationSerializer}
    ),
)
class OrganizationViewSet(
    StaffApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The organizations the caller works for (platform staff: all of them); platform staff
    create them, and whoever may change them changes those they work for."""

    queryset = Organization.objects.all()
    serializer_class = s.OrganizationSerializer
    filterset_class = filters.OrganizationFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request) -> Response:
        # As the admin's add button (OrganizationAdmin.has_add_permission).
        if organization_ids_for(request.user) is not None:
            raise PermissionDenied("Only platform staff create organizations.")
        data = _validated(s.OrganizationInputSerializer, request)
        organization = self.run_service(organization_create, **data)
        return Response(self.get_serializer(organization).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        organization = self.get_object()
        data = _validated(s.OrganizationUpdateSerializer, request, partial=True)
        organization = self.run_service(organization_update, organization=organization, data=data)
        return Response(self.get_serializer(organization).data)


@extend_schema_view(
    create=extend_schema(request=s.ContactInputSerializer, responses={201: s.ContactSerializer}),
    partial_update=extend_schema(
        request=s.ContactUpdateSerializer, responses={200: s.ContactSerializer}
    ),
)
class ContactViewSet(
    StaffApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Contacts: filter, create, change (hierarchy, tags, custom fields), delete."""

    queryset = Contact.objects.prefetch_related("tags")
    serializer_class = s.ContactSerializer
    filterset_class = filters.ContactFilter
    pagination_class = NewestFirstCursorPagination
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {"email": ["crm.add_message"]}

    def _answer(self, contact: Contact, code: int = status.HTTP_200_OK) -> Response:
        contact = self.get_queryset().get(pk=contact.pk)
        return Response(self.get_serializer(contact).data, status=code)

    def create(self, request: Request) -> Response:
        data = _validated(s.ContactInputSerializer, request)
        tags = data.pop("tags", None)
        with transaction.atomic():
            contact = self.run_service(contact_create, **data)
            if tags:
                self.run_service(contact_add_tags, contact=contact, names=tags)
        return self._answer(contact, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        contact = self.get_object()
        data = _validated(s.ContactUpdateSerializer, request)
        tags = data.pop("tags", None)
        moves = "parent_contact" in data
        parent = data.pop("parent_contact", None)
        with transaction.atomic():
            if data:
                contact = self.run_service(contact_update, contact=contact, data=data)
            if moves:
                contact = self.run_service(contact_move, contact=contact, parent=parent)
            if tags is not None:
                self.run_service(contact_set_tags, contact=contact, names=tags)
        return self._answer(contact)

    @extend_schema(request=s.EmailInputSerializer, responses={202: s.EmailQueuedSerializer})
    @action(detail=True, methods=["post"])
    def email(self, request: Request, pk=None) -> Response:
        """Send an email to the contact through the outbox: 202 with the Message's id and status."""
        contact = self.get_object()
        data = _validated(s.EmailInputSerializer, request)
        message = self.run_service(message_send_email, contact=contact, user=request.user, **data)
        return Response({"id": message.pk, "status": message.status}, status.HTTP_202_ACCEPTED)


@extend_schema_view(
    create=extend_schema(
        request=s.ContactNoteInputSerializer, responses={201: s.ContactNoteSerializer}
    )
)
class ContactNoteViewSet(
    StaffApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Notes on contacts' files; the author is the caller."""

    queryset = ContactNote.objects.all()
    serializer_class = s.ContactNoteSerializer
    filterset_class = filters.ContactNoteFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "id"]

    def create(self, request: Request) -> Response:
        data = _validated(s.ContactNoteInputSerializer, request)
        note = self.run_service(contact_note_create, author=request.user, **data)
        return Response(self.get_serializer(note).data, status=status.HTTP_201_CREATED)


APPOINTMENT_TRANSITIONS = {
    "confirm": appointment_confirm,
    "cancel": appointment_cancel,
    "complete": appointment_complete,
    "no_show": appointment_mark_no_show,
}
_transition_schema = extend_schema(
    request=None,
    responses={
        200: s.AppointmentSerializer,
        400: OpenApiResponse(description="The appointment cannot make this change."),
    },
)


@extend_schema_view(
    create=extend_schema(
        request=s.AppointmentInputSerializer, responses={201: s.AppointmentSerializer}
    ),
    partial_update=extend_schema(
        request=s.AppointmentUpdateSerializer, responses={200: s.AppointmentSerializer}
    ),
)
class AppointmentViewSet(
    StaffApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Appointments: schedule one, change or reschedule it, then confirm, cancel, complete or
    mark a no-show."""

    queryset = Appointment.objects.prefetch_related("reminders")
    serializer_class = s.AppointmentSerializer
    filterset_class = filters.AppointmentFilter
    ordering_fields = ["start_time", "created_at"]
    ordering = ["start_time", "id"]
    action_permissions = {name: ["crm.change_appointment"] for name in APPOINTMENT_TRANSITIONS}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request) -> Response:
        data = _validated(s.AppointmentInputSerializer, request)
        appointment = self.run_service(appointment_schedule, **data)
        return Response(self.get_serializer(appointment).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        appointment = self.get_object()
        data = _validated(s.AppointmentUpdateSerializer, request, partial=True)
        appointment = self.run_service(appointment_update, appointment=appointment, data=data)
        return Response(self.get_serializer(appointment).data)

    def _transition(self, name: str) -> Response:
        appointment = self.run_service(APPOINTMENT_TRANSITIONS[name], appointment=self.get_object())
        return Response(self.get_serializer(appointment).data)

    @_transition_schema
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk=None) -> Response:
        return self._transition("confirm")

    @_transition_schema
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk=None) -> Response:
        return self._transition("cancel")

    @_transition_schema
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk=None) -> Response:
        return self._transition("complete")

    @_transition_schema
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request: Request, pk=None) -> Response:
        return self._transition("no_show")


@extend_schema_view(
    create=extend_schema(request=s.MessageInputSerializer, responses={201: s.MessageSerializer})
)
class MessageViewSet(
    StaffApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Messages to and from contacts: log one, then record its delivery reports."""

    queryset = Message.objects.all()
    serializer_class = s.MessageSerializer
    filterset_class = filters.MessageFilter
    pagination_class = MessageCursorPagination
    ordering_fields = ["sent_at", "created_at"]
    ordering = ["-sent_at"]
    action_permissions = {"status": ["crm.change_message"], "resend": ["crm.add_message"]}

    def create(self, request: Request) -> Response:
        data = _validated(s.MessageInputSerializer, request)
        message = self.run_service(message_log, **data)
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: s.EmailQueuedSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk=None) -> Response:
        """Send a FAILED email again."""
        message = self.run_service(message_resend_email, message=self.get_object())
        return Response({"id": message.pk, "status": message.status}, status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.MessageStatusInputSerializer, responses={200: s.MessageSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk=None) -> Response:
        message = self.get_object()
        data = _validated(s.MessageStatusInputSerializer, request)
        message = self.run_service(message_update_status, message=message, **data)
        return Response(self.get_serializer(message).data)


TASK_ACTIONS = ("start", "complete", "cancel", "assign")


@extend_schema_view(
    create=extend_schema(request=s.TaskInputSerializer, responses={201: s.TaskSerializer})
)
class TaskViewSet(
    StaffApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Tasks about contacts: create, assign, start, complete, cancel."""

    queryset = Task.objects.all()
    serializer_class = s.TaskSerializer
    filterset_class = filters.TaskFilter
    ordering_fields = ["due_date", "created_at", "priority", "status"]
    ordering = ["due_date", "-created_at", "id"]
    action_permissions = {name: ["crm.change_task"] for name in TASK_ACTIONS}

    def create(self, request: Request) -> Response:
        # The assignee rule is the service's (task_check_assignee).
        data = _validated(s.TaskInputSerializer, request)
        task = self.run_service(task_create, **data)
        return Response(self.get_serializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.TaskSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk=None) -> Response:
        task = self.run_service(task_start, task=self.get_object())
        return Response(self.get_serializer(task).data)

    @extend_schema(request=s.TaskCompleteInputSerializer, responses={200: s.TaskSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk=None) -> Response:
        task = self.get_object()
        data = _validated(s.TaskCompleteInputSerializer, request)
        task = self.run_service(task_complete, task=task, **data)
        return Response(self.get_serializer(task).data)

    @extend_schema(request=None, responses={200: s.TaskSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk=None) -> Response:
        task = self.run_service(task_cancel, task=self.get_object())
        return Response(self.get_serializer(task).data)

    @extend_schema(request=s.TaskAssignInputSerializer, responses={200: s.TaskSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk=None) -> Response:
        task = self.get_object()
        data = _validated(s.TaskAssignInputSerializer, request)
        task = self.run_service(task_assign, task=task, **data)
        return Response(self.get_serializer(task).data)


@extend_schema_view(
    create=extend_schema(
        request=s.TagInputSerializer,
        responses={201: s.TagSerializer, 200: s.TagSerializer},
        description="Return the organization's tag of that name (any case), created if new.",
    )
)
class TagViewSet(
    StaffApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Each organization's tags."""

    queryset = Tag.objects.all()
    serializer_class = s.TagSerializer
    filterset_class = filters.TagFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "id"]

    def create(self, request: Request) -> Response:
        data = _validated(s.TagInputSerializer, request)
        tag, created = self.run_service(tag_get_or_create, field_map={"tags": "name"}, **data)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(tag).data, status=code)


@extend_schema_view(
    create=extend_schema(
        request=s.ContactIntegrationInputSerializer,
        responses={201: s.ContactIntegrationSerializer},
    ),
    partial_update=extend_schema(
        request=s.ContactIntegrationUpdateSerializer,
        responses={200: s.ContactIntegrationSerializer},
    ),
)
class ContactIntegrationViewSet(
    StaffApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Contacts' records in outside systems: link a contact to one, then update its id, data
    and sync state (a provider's id belongs to one contact)."""

    queryset = ContactIntegration.objects.all()
    serializer_class = s.ContactIntegrationSerializer
    filterset_class = filters.ContactIntegrationFilter
    ordering_fields = ["created_at", "last_sync_at"]
    ordering = ["-created_at", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request) -> Response:
        data = _validated(s.ContactIntegrationInputSerializer, request)
        integration = self.run_service(contact_integration_create, **data)
        return Response(self.get_serializer(integration).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        integration = self.get_object()
        data = _validated(s.ContactIntegrationUpdateSerializer, request, partial=True)
        integration = self.run_service(
            contact_integration_update, integration=integration, data=data
        )
        return Response(self.get_serializer(integration).data)
