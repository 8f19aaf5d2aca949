"""The CRM's tables: organizations, contacts, their records (notes, appointments, messages,
tasks, reminders), tags and integrations.

Over 400 lines on purpose: one app's tables with their named constraints and querysets (Django's
one models module per app).
"""

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast, Lower, Trim, Upper
from django.utils.timezone import now

from core.constraints import ConstraintFieldErrorsMixin
from core.search import Fold, phone_digits_expression
from crm.custom_fields import validate_custom_fields
from crm.hierarchy import check_parent
from crm.lookups import JSONType
from crm.scoping import OrganizationScopedManager

# `custom_fields__json_type="object"` in a check constraint, on SQLite and PostgreSQL alike.
models.JSONField.register_lookup(JSONType)


def trigram_index(field: str, name: str) -> GinIndex:
    """A PostgreSQL trigram index on the expression admin search (``icontains``) compares.

    Django searches ``UPPER("field"::text) LIKE UPPER('%term%')``; an index on exactly that
    expression with ``gin_trgm_ops`` serves "contains" and "starts with" alike (crm 0008 enables
    pg_trgm; SQLite gets a plain index on the expression, see crm 0009).
    """
    return GinIndex(OpClass(Upper(Cast(field, models.TextField())), name="gin_trgm_ops"), name=name)


class Organization(models.Model):
    """The agency that owns contacts and courses."""

    class Type(models.TextChoices):
        PLATFORM = "PLATFORM", "Platform"
        AGENCY = "AGENCY", "Agency"
        ENTERPRISE = "ENTERPRISE", "Enterprise"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.AGENCY)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationScopedManager()
    organization_path = "pk"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationMembership(ConstraintFieldErrorsMixin, models.Model):
    """A staff member who works for an organization, and so sees only its records.

    Staff with no membership are platform staff and see every organization (crm/scoping.py).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organization_memberships",
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    objects = OrganizationScopedManager()

    class Meta:
        ordering = ["organization", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="crm_membership_unique_user_organization"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"


class Contact(ConstraintFieldErrorsMixin, models.Model):
    """A person or clinic an organization works with; formerly the LMS `Learner`."""

    class Type(models.TextChoices):
        CLINIC = "CLINIC", "Clinic"
        PATIENT = "PATIENT", "Patient"
        EMPLOYEE = "EMPLOYEE", "Employee"
        INDIVIDUAL = "INDIVIDUAL", "Individual"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contacts"
    )
    # Rows that existed before the CRM (the learners) became CLINIC in the migration; a contact
    # created since is an INDIVIDUAL unless told otherwise.
    contact_type = models.CharField(
        "type", max_length=16, choices=Type.choices, default=Type.INDIVIDUAL
    )
    parent_contact = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="parent",
    )
    name = models.CharField(max_length=200)
    # NULL, not "", so that many contacts without an email fit the per-organization unique rule.
    email = models.EmailField(max_length=254, null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    # The phone's digits, kept by the database itself (core/search.py): search by any fragment.
    phone_digits = models.GeneratedField(
        expression=phone_digits_expression("phone"),
        output_field=models.CharField(max_length=32),
        db_persist=True,
    )
    address = models.CharField(max_length=500, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    custom_fields = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_custom_fields],
        help_text='A JSON object of named values, e.g. {"chairs": 4, "insurer": "Acme"}.',
    )
    tags = models.ManyToManyField("Tag", through="ContactTag", related_name="contacts", blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationScopedManager()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("import_contact", "Can import contacts"),
            ("export_contact", "Can export contacts"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"], name="crm_contact_unique_organization_email"
            ),
            # One rule for emails (core/emails.py): with it, the unique rule above holds in any
            # letter case. Existing pairs that differ only in case were left as they were
            # (crm 0013; `manage.py contact_email_collisions` lists them).
            models.CheckConstraint(
                condition=models.Q(email__isnull=True) | models.Q(email=Lower(Trim("email"))),
                name="crm_contact_email_normalized",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent_contact=models.F("id")),
                name="crm_contact_not_own_parent",
            ),
            models.CheckConstraint(
                condition=models.Q(custom_fields__json_type="object"),
                name="crm_contact_custom_fields_is_object",
            ),
        ]
        # Admin lists: by name (Django adds -id to make the order total), for everyone and per
        # organization (members); search by any part of the name, the start of email or phone.
        indexes = [
            models.Index(fields=["name", "-id"], name="crm_contact_name_idx"),
            models.Index(fields=["organization", "name", "-id"], name="crm_contact_org_name_idx"),
            trigram_index("name", "crm_contact_name_trgm_idx"),
            trigram_index("email", "crm_contact_email_trgm_idx"),
            trigram_index("phone", "crm_contact_phone_trgm_idx"),
            GinIndex(
                OpClass("phone_digits", name="gin_trgm_ops"),
                name="crm_contact_digits_trgm_idx",
            ),
            # A name whatever its case and accents (core.search.Fold, core 0004).
            GinIndex(OpClass(Fold("name"), name="gin_trgm_ops"), name="crm_contact_fold_trgm_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.organization_id is not None:
            check_parent(contact=self, parent=self.parent_contact)


class ContactIntegration(ConstraintFieldErrorsMixin, models.Model):
    """A contact's record in an outside system (for example GoHighLevel)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="integrations")
    provider = models.CharField(max_length=50)
    external_id = models.CharField(max_length=255)
    external_data = models.JSONField(default=dict, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    sync_status = models.CharField(max_length=32, default="active")
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationScopedManager()
    organization_path = "contact__organization"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"],
                name="crm_contactintegration_unique_provider_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.external_id}"


class Tag(ConstraintFieldErrorsMixin, models.Model):
    """A label an organization puts on its contacts ("vip", "new patient")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)
    created_at = models.DateTimeField(default=now, editable=False)

    objects = OrganizationScopedManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="crm_tag_unique_organization_name_ci"
            ),
        ]
        indexes = [models.Index(fields=["name", "-id"], name="crm_tag_name_idx")]

    def __str__(self) -> str:
        return self.name


class ContactTag(ConstraintFieldErrorsMixin, models.Model):
    """One tag on one contact."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="contact_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="contact_tags")
    created_at = models.DateTimeField(default=now, editable=False)

    objects = OrganizationScopedManager()
    organization_path = "contact__organization"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "tag"], name="crm_contacttag_unique_contact_tag"
            ),
        ]

    def __str__(self) -> str:
        # Lists that show these rows select the tag and contact along (no query per row).
        return f"{self.tag.name} on {self.contact.name}"

    def clean(self) -> None:
        super().clean()
        if (
            self.contact_id
            and self.tag_id
            and self.tag.organization_id != self.contact.organization_id
        ):
            raise ValidationError({"tag": "This tag belongs to another organization."})


class ContactRecord(ConstraintFieldErrorsMixin, models.Model):
    """Fields every CRM record shares: it belongs to a contact and to that contact's organization."""

    # Subclasses add `organization` and `contact`; the organization is always the contact's
    # (the services copy it from the contact, clean() checks it).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if not self.contact_id:
            return
        if self.organization_id is None:
            self.organization_id = self.contact.organization_id
        elif self.organization_id != self.contact.organization_id:
            raise ValidationError(
                {"contact": "The contact belongs to another organization than this record."}
            )


class ContactNote(ContactRecord):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contact_notes"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    content = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_notes",
    )

    objects = OrganizationScopedManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["contact", "-created_at"], name="crm_note_contact_created_idx"),
            # The admin list, newest first: for everyone and per organization.
            models.Index(fields=["-created_at", "-id"], name="crm_note_created_idx"),
            models.Index(
                fields=["organization", "-created_at", "-id"], name="crm_note_org_created_idx"
            ),
            # The global search's notes group: any part of the text (workspace/global_search.py).
            GinIndex(
                OpClass(Upper("content"), name="gin_trgm_ops"), name="crm_note_content_trgm_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.content[:60]


class Appointment(ContactRecord):
    class Status(models.TextChoices):
        SCHEDULED = "SCHEDULED", "Scheduled"
        CONFIRMED = "CONFIRMED", "Confirmed"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"
        NO_SHOW = "NO_SHOW", "No-show"

    UPCOMING = (Status.SCHEDULED, Status.CONFIRMED)

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="appointments"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="appointments")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    timezone = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    location = models.CharField(max_length=300, blank=True)
    calendar_provider = models.CharField(max_length=50, blank=True)
    external_event_id = models.CharField(max_length=255, blank=True)
    # The staff member who runs it (reminded with the contact); who may own one is the task
    # assignee rule (crm.selectors.task_assignees), checked by the appointment services.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="crm_appointments",
    )
    reminder_sent = models.BooleanField(default=False)

    objects = OrganizationScopedManager()

    class Meta:
        ordering = ["start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="crm_appointment_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["calendar_provider", "external_event_id"],
                condition=~models.Q(external_event_id=""),
                name="crm_appointment_unique_provider_external_event",
            ),
        ]
        indexes = [
            models.Index(fields=["contact", "-start_time"], name="crm_appt_contact_start_idx"),
            # An organization's calendar only ever looks at what is still to happen.
            models.Index(
                fields=["organization", "start_time"],
                condition=models.Q(status__in=["SCHEDULED", "CONFIRMED"]),
                name="crm_appt_org_upcoming_idx",
            ),
            # The admin list in time order: for everyone and per organization.
            models.Index(fields=["start_time", "-id"], name="crm_appt_start_idx"),
            models.Index(
                fields=["organization", "start_time", "-id"], name="crm_appt_org_start_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AppointmentReminder(ConstraintFieldErrorsMixin, models.Model):
    """One reminder of an appointment, ``minutes_before`` its start: due at ``due_at``, sent once.

    Armed by the appointment services when it is scheduled or moved (one row per lead time of
    APPOINTMENT_REMINDER_MINUTES), dropped when it is cancelled; the one-minute task
    ``crm.send_due_reminders`` claims the due rows (crm/services/reminders.py).
    """

    class Status(models.TextChoices):
        PENDING = "PENDING", "Upcoming"
        SENT = "SENT", "Sent"
        SKIPPED = "SKIPPED", "Not sent"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    minutes_before = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # When it was claimed: its emails written to the outbox (SENT), or given up (SKIPPED).
    sent_at = models.DateTimeField(null=True, blank=True)
    # The addresses it was sent to; why not, when it was not.
    recipients = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    objects = OrganizationScopedManager()
    organization_path = "appointment__organization"

    class Meta:
        ordering = ["due_at", "-minutes_before"]
        # Part of its appointment, written only by the services: who may view the appointment
        # sees its reminders (the admin inline), and no group needs permissions of its own.
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "minutes_before"],
                name="crm_apptreminder_unique_appointment_minutes",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="PENDING", sent_at__isnull=True)
                    | (~models.Q(status="PENDING") & models.Q(sent_at__isnull=False))
                ),
                name="crm_apptreminder_sent_at_iff_claimed",
            ),
        ]
        # The one-minute claim reads only what is still to send, soonest first.
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="PENDING"),
                name="crm_apptreminder_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes_before} minutes before {self.appointment_id}"


class Message(ContactRecord):
    class Direction(models.TextChoices):
        INBOUND = "INBOUND", "Inbound"
        OUTBOUND = "OUTBOUND", "Outbound"

    class Channel(models.TextChoices):
        EMAIL = "EMAIL", "Email"
        SMS = "SMS", "SMS"
        CHAT = "CHAT", "Chat"
        CALL = "CALL", "Call"
        SOCIAL = "SOCIAL", "Social"

    class Status(models.TextChoices):
        # An email written in the CRM waits in the outbox (outbox app) until SMTP takes it.
        QUEUED = "QUEUED", "Queued"
        SENT = "SENT", "Sent"
        DELIVERED = "DELIVERED", "Delivered"
        READ = "READ", "Read"
        FAILED = "FAILED", "Failed"
        BOUNCED = "BOUNCED", "Bounced"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="messages"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    subject = models.CharField(max_length=255, blank=True, db_default="")
    content = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    # Why an email failed (the SMTP server's answer), shown on the timeline.
    failure_reason = models.TextField(blank=True, db_default="")
    sent_at = models.DateTimeField(default=now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=50, blank=True)
    external_id = models.CharField(max_length=255, blank=True)

    objects = OrganizationScopedManager()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"],
                condition=~models.Q(external_id=""),
                name="crm_message_unique_provider_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["contact", "-sent_at"], name="crm_message_contact_sent_idx"),
            # The admin list, newest first: for everyone and per organization.
            models.Index(fields=["-sent_at", "-id"], name="crm_message_sent_idx"),
            models.Index(
                fields=["organization", "-sent_at", "-id"], name="crm_message_org_sent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_channel_display()}"


class Task(ContactRecord):
    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"

    class Priority(models.TextChoices):
        LOW = "LOW", "Low"
        MEDIUM = "MEDIUM", "Medium"
        HIGH = "HIGH", "High"
        URGENT = "URGENT", "Urgent"

    OPEN = (Status.PENDING, Status.IN_PROGRESS)

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tasks")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_date = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="crm_tasks",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # The due date its assignee was reminded of (crm/services/reminders.py): a task reminds once
    # when it falls due, and again only if its due date moves.
    due_reminder_for = models.DateTimeField(
        "due reminder sent for", null=True, blank=True, editable=False
    )

    objects = OrganizationScopedManager()

    class Meta:
        ordering = ["due_date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="COMPLETED", completed_at__isnull=False)
                    | (~models.Q(status="COMPLETED") & models.Q(completed_at__isnull=True))
                ),
                name="crm_task_completed_at_iff_completed",
            ),
        ]
        indexes = [
            models.Index(fields=["contact", "-created_at"], name="crm_task_contact_created_idx"),
            # "What is due" lists only open tasks.
            models.Index(
                fields=["organization", "due_date"],
                condition=models.Q(status__in=["PENDING", "IN_PROGRESS"]),
                name="crm_task_org_due_open_idx",
            ),
            # The one-minute due reminders read open, assigned tasks that just fell due.
            models.Index(
                fields=["due_date"],
                condition=models.Q(status__in=["PENDING", "IN_PROGRESS"], assignee__isnull=False),
                name="crm_task_due_assigned_open_idx",
            ),
            # The admin list, soonest due first: for everyone and per organization.
            models.Index(fields=["due_date", "-created_at", "-id"], name="crm_task_due_idx"),
            models.Index(
                fields=["organization", "due_date", "-created_at", "-id"],
                name="crm_task_org_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title
