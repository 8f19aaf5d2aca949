"""Serializers of the CRM's staff API (crm/staff_apis.py): outputs, and inputs for the services."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.staff_api import ScopedRelatedField
from crm.custom_fields import MAX_FIELDS
from crm.models import (
    Appointment,
    AppointmentReminder,
    Contact,
    ContactIntegration,
    ContactNote,
    Message,
    Organization,
    Tag,
    Task,
)
from crm.services.appointments import OWNER_ERROR
from crm.services.tags import MAX_TAG_LENGTH
from crm.services.tasks import ASSIGNEE_ERROR

# --- Outputs ---------------------------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "type", "created_at", "updated_at"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "organization",
            "contact_type",
            "parent_contact",
            "name",
            "email",
            "phone",
            "address",
            "timezone",
            "custom_fields",
            "tags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, contact: Contact) -> list[str]:
        # The list views prefetch the tags: no query per contact.
        return sorted(tag.name for tag in contact.tags.all())


class ContactNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactNote
        fields = ["id", "organization", "contact", "content", "author", "created_at", "updated_at"]
        read_only_fields = fields


class AppointmentReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppointmentReminder
        fields = ["minutes_before", "due_at", "status", "sent_at", "recipients", "note"]
        read_only_fields = fields


class AppointmentSerializer(serializers.ModelSerializer):
    reminders = AppointmentReminderSerializer(many=True, read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "organization",
            "contact",
            "title",
            "description",
            "start_time",
            "end_time",
            "timezone",
            "status",
            "location",
            "calendar_provider",
            "external_event_id",
            "owner",
            "reminder_sent",
            "reminders",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = [
            "id",
            "organization",
            "contact",
            "direction",
            "channel",
            "subject",
            "content",
            "status",
            "failure_reason",
            "sent_at",
            "delivered_at",
            "read_at",
            "provider",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = [
            "id",
            "organization",
            "contact",
            "title",
            "description",
            "due_date",
            "status",
            "priority",
            "assignee",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "organization", "name", "created_at"]
        read_only_fields = fields


class ContactIntegrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactIntegration
        fields = [
            "id",
            "contact",
            "provider",
            "external_id",
            "external_data",
            "last_sync_at",
            "sync_status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- Inputs (validated here for shape; the services check the rules) -----------------------


def _contacts():
    return Contact.objects.all()


class CustomFieldsField(serializers.DictField):
    """A JSON object of named values (text, number, true/false or null); crm/custom_fields.py."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.JSONField(), **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(value) > MAX_FIELDS:
            raise serializers.ValidationError(f"At most {MAX_FIELDS} custom fields are allowed.")
        return value


class TagNamesField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(max_length=MAX_TAG_LENGTH),
            max_length=50,
            **kwargs,
        )


class ContactInputSerializer(serializers.Serializer):
    organization = ScopedRelatedField(queryset=Organization.objects.all())
    name = serializers.CharField(max_length=200)
    contact_type = serializers.ChoiceField(
        choices=Contact.Type.choices, default=Contact.Type.INDIVIDUAL
    )
    email = serializers.EmailField(
        max_length=254, required=False, allow_null=True, allow_blank=True
    )
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    parent_contact = ScopedRelatedField(queryset=_contacts(), required=False, allow_null=True)
    custom_fields = CustomFieldsField(required=False)
    tags = TagNamesField(required=False, help_text="Tag names; unknown names become new tags.")


class ContactUpdateSerializer(ContactInputSerializer):
    """PATCH: any of the fields; the organization is fixed once a contact exists."""

    organization = None
    contact_type = serializers.ChoiceField(choices=Contact.Type.choices, required=False)
    name = serializers.CharField(max_length=200, required=False)
    tags = TagNamesField(required=False, help_text="The contact's tags from now on (all of them).")


class ContactNoteInputSerializer(serializers.Serializer):
    contact = ScopedRelatedField(queryset=_contacts())
    content = serializers.CharField(max_length=20_000)


class AssigneeField(serializers.PrimaryKeyRelatedField):
    """A user id; whether they may be given the task is the service's rule
    (``task_check_assignee``), which answers an unknown id with the same message."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "does_not_exist": ASSIGNEE_ERROR,
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=get_user_model().objects.all(), **kwargs)


class OwnerField(AssigneeField):
    """A user id; the appointment services apply the same rule (``appointment_check_owner``)."""

    default_error_messages = {**AssigneeField.default_error_messages, "does_not_exist": OWNER_ERROR}


class AppointmentInputSerializer(serializers.Serializer):
    contact = ScopedRelatedField(queryset=_contacts())
    title = serializers.CharField(max_length=200)
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()
    timezone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    calendar_provider = serializers.CharField(max_length=50, required=False, allow_blank=True)
    external_event_id = serializers.CharField(max_length=255, required=False, allow_blank=True)
    owner = OwnerField(required=False, allow_null=True)


class AppointmentUpdateSerializer(AppointmentInputSerializer):
    """PATCH: any of the fields; new times reschedule it (re-arming its reminders). The contact
    is fixed once an appointment exists; the status moves through the actions."""

    contact = None
    title = serializers.CharField(max_length=200, required=False)
    start_time = serializers.DateTimeField(required=False)
    end_time = serializers.DateTimeField(required=False)


class MessageInputSerializer(serializers.Serializer):
    contact = ScopedRelatedField(queryset=_contacts())
    direction = serializers.ChoiceField(choices=Message.Direction.choices)
    channel = serializers.ChoiceField(
        choices=Message.Channel.choices,
        help_text=(
            "Logging records a message; it sends nothing (SMS and chat are logged, not sent). "
            "To email a contact, POST /api/crm/contacts/{id}/email/."
        ),
    )
    content = serializers.CharField(max_length=100_000)
    sent_at = serializers.DateTimeField(required=False)
    provider = serializers.CharField(max_length=50, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=255, required=False, allow_blank=True)


class EmailInputSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=255)
    body = serializers.CharField(max_length=100_000)


class EmailQueuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class MessageStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Message.Status.choices)
    at = serializers.DateTimeField(required=False, help_text="When it happened (default: now).")


class TaskInputSerializer(serializers.Serializer):
    contact = ScopedRelatedField(queryset=_contacts())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    due_date = serializers.DateTimeField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Task.Priority.choices, default=Task.Priority.MEDIUM)
    assignee = AssigneeField(required=False, allow_null=True)


class TaskAssignInputSerializer(serializers.Serializer):
    assignee = AssigneeField(allow_null=True)


class TaskCompleteInputSerializer(serializers.Serializer):
    completed_at = serializers.DateTimeField(required=False, help_text="Default: now.")


class TagInputSerializer(serializers.Serializer):
    organization = ScopedRelatedField(queryset=Organization.objects.all())
    name = serializers.CharField(max_length=MAX_TAG_LENGTH)


class OrganizationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=100)
    type = serializers.ChoiceField(
        choices=Organization.Type.choices, default=Organization.Type.AGENCY
    )


class OrganizationUpdateSerializer(OrganizationInputSerializer):
    """PATCH: any of the fields."""

    name = serializers.CharField(max_length=200, required=False)
    slug = serializers.SlugField(max_length=100, required=False)
    type = serializers.ChoiceField(choices=Organization.Type.choices, required=False)


class ContactIntegrationInputSerializer(serializers.Serializer):
    contact = ScopedRelatedField(queryset=_contacts())
    provider = serializers.CharField(max_length=50)
    external_id = serializers.CharField(max_length=255)
    external_data = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="The outside system's record."
    )
    sync_status = serializers.CharField(max_length=32, default="active")
    last_sync_at = serializers.DateTimeField(required=False, allow_null=True)


class ContactIntegrationUpdateSerializer(serializers.Serializer):
    """PATCH: the outside record's id, data and sync state; contact and provider stay."""

    external_id = serializers.CharField(max_length=255, required=False)
    external_data = serializers.DictField(child=serializers.JSONField(), required=False)
    sync_status = serializers.CharField(max_length=32, required=False)
    last_sync_at = serializers.DateTimeField(required=False, allow_null=True)
