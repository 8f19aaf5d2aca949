"""Lead capture models.

Every visitor who leaves an email is one ``UsersLead`` per (normalized email, environment); each
form submission is a row of its own that points at the lead, and every touch leaves a
``LeadEvent``. The tables and columns follow the rewiring plan's DDL.

Over 400 lines on purpose: one app's tables with their named constraints and querysets (Django's
one models module per app).
"""

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Cast, Lower, Trim, Upper
from django.utils import timezone

from core.search import Fold, phone_digits_expression
from crm.scoping import organization_ids_for
from leads.environment import current_environment

EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 200
PHONE_MAX_LENGTH = 32
SUBJECT_MAX_LENGTH = 200
CITY_MAX_LENGTH = 100
URL_MAX_LENGTH = 2048
UTM_MAX_LENGTH = 200


class Environment(models.TextChoices):
    DEV = "DEV", "Development"
    PROD = "PROD", "Production"


class LeadSource(models.TextChoices):
    CHOICES = "CHOICES", "Choices questionnaire"
    EARLY_ACCESS = "EARLY_ACCESS", "Early access"
    CONTACT = "CONTACT", "Contact us"
    OTHER = "OTHER", "Other"


class IntentLevel(models.TextChoices):
    LOW = "LOW", "Just exploring"
    MEDIUM = "MEDIUM", "In the next 3 months"
    HIGH = "HIGH", "Ready to invest now"


class InvestmentRange(models.TextChoices):
    BELOW_10K = "BELOW_10K", "Below ₹10k"
    TEN_TO_FIFTY_K = "TEN_TO_FIFTY_K", "₹10k-₹50k"
    FIFTY_K_TO_TWO_L = "FIFTY_K_TO_TWO_L", "₹50k-₹2L"
    ABOVE_TWO_L = "ABOVE_TWO_L", "₹2L+"


class PropertyType(models.TextChoices):
    RESIDENTIAL = "RESIDENTIAL", "Residential"
    COMMERCIAL = "COMMERCIAL", "Commercial"
    MIXED_USE = "MIXED_USE", "Mixed use"


class ChoiceIntent(models.TextChoices):
    INVEST = "invest", "I want to invest"
    LIST_PROPERTY = "list-property", "I want to list a property"


class ChoiceKey(models.TextChoices):
    INTENT = "intent", "Intent"
    NPS = "nps", "Score (0-10)"


class LeadEventType(models.TextChoices):
    LEAD_CAPTURED = "LEAD_CAPTURED", "Lead captured"
    CHOICES_SUBMITTED = "CHOICES_SUBMITTED", "Choices submitted"
    EARLY_ACCESS_REQUESTED = "EARLY_ACCESS_REQUESTED", "Early access requested"
    CONTACT_MESSAGE_SENT = "CONTACT_MESSAGE_SENT", "Contact message sent"
    CONTACT_MESSAGE_RESPONDED = "CONTACT_MESSAGE_RESPONDED", "Contact message responded"
    PAGE_SESSION_RECORDED = "PAGE_SESSION_RECORDED", "Page session recorded"
    LEGACY_RECORD_IMPORTED = "LEGACY_RECORD_IMPORTED", "Legacy record imported"
    LEAD_EDITED = "LEAD_EDITED", "Lead edited by staff"
    LEAD_CONVERTED = "LEAD_CONVERTED", "Lead converted to a contact"
    CONTACT_MESSAGE_REOPENED = "CONTACT_MESSAGE_REOPENED", "Contact message marked not responded"
    CONTACT_MESSAGE_REPLIED = "CONTACT_MESSAGE_REPLIED", "Contact message replied to by email"


class LeadStatus(models.TextChoices):
    """Where staff are with a lead. CONVERTED is set only by the conversion service."""

    NEW = "NEW", "New"
    CONTACTED = "CONTACTED", "Contacted"
    QUALIFIED = "QUALIFIED", "Qualified"
    UNQUALIFIED = "UNQUALIFIED", "Unqualified"
    CONVERTED = "CONVERTED", "Converted"


def _environment_field() -> models.CharField:
    # A callable default stamps every insert, services and admin alike; nobody types it.
    return models.CharField(
        max_length=4, choices=Environment.choices, default=current_environment, editable=False
    )


def _lead_scope(user, prefix: str = "") -> models.Q | None:
    """Return the condition on a lead (at ``prefix``) that ``user`` may see, or None for all.

    Leads belong to the platform, not to an organization, until staff convert one into an
    organization's contact: from then on it is that organization's. So a staff member confined
    to organizations (crm/scoping.py) sees the leads not converted yet and those converted into
    their own organizations; superusers and platform staff see every lead. Anyone else (an
    anonymous or inactive user) sees none (``Q(pk__in=[])``).
    """
    scope = organization_ids_for(user)
    if scope is None:
        return None
    if not scope:
        return models.Q(pk__in=[])
    return models.Q(**{f"{prefix}converted_at__isnull": True}) | models.Q(
        **{f"{prefix}converted_contact__organization_id__in": scope}
    )


class LeadQuerySet(models.QuerySet):
    def for_user(self, user) -> "LeadQuerySet":
        """Return the leads ``user`` may see (the rule is ``_lead_scope``'s)."""
        condition = _lead_scope(user)
        return self if condition is None else self.filter(condition)


class LeadChildQuerySet(models.QuerySet):
    """Rows that hang off a lead: events, submissions and visits."""

    def for_user(self, user) -> "LeadChildQuerySet":
        """Return the rows of the leads ``user`` may see. A row without a lead (an anonymous
        visit, a legacy answer, an event of a deleted lead) is nobody's organization's; only
        unconfined staff see it."""
        condition = _lead_scope(user, "lead__")
        if condition is None:
            return self
        return self.filter(models.Q(lead__isnull=False) & condition)


def _environment_check(table: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(environment__in=Environment.values), name=f"{table}_environment_valid"
    )


class UsersLead(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Stored normalized (trimmed, lower-cased); the unique constraint below dedups on it.
    email = models.CharField(max_length=EMAIL_MAX_LENGTH)
    phone = models.CharField(max_length=PHONE_MAX_LENGTH, blank=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    # The phone's digits, kept by the database itself (core/search.py): search by any fragment.
    phone_digits = models.GeneratedField(
        expression=phone_digits_expression("phone"),
        output_field=models.CharField(max_length=PHONE_MAX_LENGTH),
        db_persist=True,
    )
    source = models.CharField(max_length=16, choices=LeadSource.choices, editable=False)
    first_seen_at = models.DateTimeField(default=timezone.now, editable=False)
    last_seen_at = models.DateTimeField(default=timezone.now, editable=False)
    environment = _environment_field()
    # Set once, by the conversion service, when staff turn the lead into a CRM contact. The
    # contact may later be deleted; converted_at then still says the lead was converted.
    converted_contact = models.ForeignKey(
        "crm.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="converted_leads",
        # Indexed concurrently in the next migration: users_leads is a live table.
        db_index=False,
    )
    converted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Staff's work on the lead, changed only through the lead services (each change leaves a
    # LEAD_EDITED event). The database default keeps inserts by code that predates the column
    # working during a deploy.
    status = models.CharField(
        max_length=16,
        choices=LeadStatus.choices,
        default=LeadStatus.NEW,
        db_default=LeadStatus.NEW,
        editable=False,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="owned_leads",
        # Indexed concurrently in a later migration, with the status: users_leads is live.
        db_index=False,
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        db_table = "users_leads"
        verbose_name = "lead"
        ordering = ["-last_seen_at"]
        permissions = [
            ("convert_userslead", "Can convert a lead into a contact"),
            ("export_userslead", "Can export leads"),
        ]
        constraints = [
            # Also serves the plan's idx_users_leads_email: email is its leading column.
            models.UniqueConstraint(
                fields=["email", "environment"], name="users_leads_email_environment_uniq"
            ),
            models.CheckConstraint(
                condition=models.Q(email=Lower(Trim("email"))) & ~models.Q(email=""),
                name="users_leads_email_normalized",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=LeadSource.values), name="users_leads_source_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(last_seen_at__gte=models.F("first_seen_at")),
                name="users_leads_seen_in_order",
            ),
            _environment_check("users_leads"),
            models.CheckConstraint(
                condition=models.Q(converted_contact__isnull=True)
                | models.Q(converted_at__isnull=False),
                name="users_leads_converted_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=LeadStatus.values), name="users_leads_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=LeadStatus.CONVERTED)
                | models.Q(converted_at__isnull=False),
                name="users_leads_status_converted_has_time",
                violation_error_message="Only converting a lead marks it converted.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["converted_contact"],
                condition=models.Q(converted_contact__isnull=False),
                name="users_leads_converted_idx",
            ),
            # The admin's default ordering (with the pk Django appends) and its date drill-down.
            models.Index(fields=["-last_seen_at", "-id"], name="users_leads_last_seen_idx"),
            # "My leads" and "unowned" (owner IS NULL) queues, newest activity first.
            models.Index(fields=["owner", "-last_seen_at"], name="users_leads_owner_seen_idx"),
            models.Index(fields=["status", "-last_seen_at"], name="users_leads_status_seen_idx"),
            models.Index(fields=["first_seen_at"], name="users_leads_first_seen_idx"),
            # Admin search: email and phone by prefix (UPPER(..) LIKE 'X%'), names by any part
            # (a trigram index; on SQLite a plain expression index of the same name).
            models.Index(
                OpClass(Upper("email"), name="text_pattern_ops"),
                name="users_leads_email_prefix_idx",
            ),
            models.Index(
                OpClass(Upper("phone"), name="text_pattern_ops"),
                name="users_leads_phone_prefix_idx",
            ),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="users_leads_name_trgm_idx"),
            # Any part of an email (icontains compares UPPER(email::text)), any run of digits.
            GinIndex(
                OpClass(Upper(Cast("email", models.TextField())), name="gin_trgm_ops"),
                name="users_leads_email_trgm_idx",
            ),
            GinIndex(
                OpClass("phone_digits", name="gin_trgm_ops"),
                name="users_leads_digits_trgm_idx",
            ),
            # A name whatever its case and accents (core.search.Fold, core 0004).
            GinIndex(OpClass(Fold("name"), name="gin_trgm_ops"), name="users_leads_fold_trgm_idx"),
        ]

    def __str__(self) -> str:
        return self.email


class LeadEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey(
        UsersLead,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
    )
    event_type = models.CharField(max_length=32, choices=LeadEventType.choices)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    environment = _environment_field()

    objects = LeadChildQuerySet.as_manager()

    class Meta:
        db_table = "lead_events"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["lead"], name="idx_lead_events_lead_id"),
            models.Index(fields=["event_type", "created_at"], name="idx_lead_events_type_created"),
            models.Index(fields=["-created_at", "-id"], name="lead_events_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(event_type__in=LeadEventType.values),
                name="lead_events_event_type_valid",
            ),
            _environment_check("lead_events"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class ChoicesResponse(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Null only for legacy answers that were given without an email.
    lead = models.ForeignKey(
        UsersLead,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="choices_responses",
        db_index=False,
    )
    # Text, not a short varchar: legacy answers carry free-form meta keys and values.
    choice_key = models.TextField()
    choice_value = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    environment = _environment_field()

    objects = LeadChildQuerySet.as_manager()

    class Meta:
        db_table = "choices_responses"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["lead"], name="idx_choices_responses_lead_id"),
            models.Index(fields=["-created_at", "-id"], name="choices_responses_created_idx"),
        ]
        constraints = [_environment_check("choices_responses")]

    def __str__(self) -> str:
        return f"{self.choice_key}={self.choice_value}"


class EarlyAccessRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey(
        UsersLead,
        on_delete=models.CASCADE,
        related_name="early_access_requests",
        db_index=False,
    )
    investment_range = models.CharField(max_length=32, choices=InvestmentRange.choices)
    city = models.CharField(max_length=CITY_MAX_LENGTH, blank=True)
    intent_level = models.CharField(max_length=8, choices=IntentLevel.choices)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    environment = _environment_field()

    objects = LeadChildQuerySet.as_manager()

    class Meta:
        db_table = "early_access_requests"
        ordering = ["-created_at"]
        # The plan calls it idx_early_access_requests_lead_id; Django caps index names at 30.
        indexes = [
            models.Index(fields=["lead"], name="idx_early_access_req_lead_id"),
            models.Index(fields=["-created_at", "-id"], name="early_access_req_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(intent_level__in=IntentLevel.values),
                name="early_access_requests_intent_level_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(investment_range__in=InvestmentRange.values),
                name="early_access_requests_investment_range_valid",
            ),
            _environment_check("early_access_requests"),
        ]

    def __str__(self) -> str:
        return f"{self.get_intent_level_display()}, {self.get_investment_range_display()}"


class ContactMessage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey(
        UsersLead,
        on_delete=models.CASCADE,
        related_name="contact_messages",
        db_index=False,
    )
    subject = models.CharField(max_length=SUBJECT_MAX_LENGTH, blank=True)
    message = models.TextField()
    responded = models.BooleanField(default=False)
    # Who marked it responded (or replied) and when; empty for messages answered before these
    # columns existed and for those put back in the queue.
    responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        # Never searched by; deleting a staff user (rare) may scan the table to clear it.
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    environment = _environment_field()

    objects = LeadChildQuerySet.as_manager()

    class Meta:
        db_table = "contact_messages"
        ordering = ["-created_at"]
        permissions = [("mark_responded_contactmessage", "Can mark contact messages responded")]
        indexes = [
            models.Index(fields=["lead"], name="idx_contact_messages_lead_id"),
            models.Index(fields=["-created_at", "-id"], name="contact_messages_created_idx"),
            # The "awaiting a reply" queue, newest first.
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(responded=False),
                name="contact_messages_awaiting_idx",
            ),
            # The global search's messages group: any part of the subject or the text.
            GinIndex(
                OpClass(Upper(Cast("subject", models.TextField())), name="gin_trgm_ops"),
                name="contact_msg_subject_trgm_idx",
            ),
            GinIndex(
                OpClass(Upper("message"), name="gin_trgm_ops"),
                name="contact_msg_text_trgm_idx",
            ),
        ]
        constraints = [_environment_check("contact_messages")]

    def __str__(self) -> str:
        return self.subject or self.message[:60]


class PageSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Filled in when the visitor later submits a form; a visit outlives its lead's deletion.
    lead = models.ForeignKey(
        UsersLead,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="page_sessions",
        db_index=False,
    )
    # The visitor's cookie id, so that a later submission can claim its earlier visits.
    visitor_key = models.CharField(max_length=64, blank=True, editable=False)
    page = models.CharField(max_length=URL_MAX_LENGTH)
    referrer = models.CharField(max_length=URL_MAX_LENGTH, blank=True)
    utm_source = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    utm_campaign = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    environment = _environment_field()

    objects = LeadChildQuerySet.as_manager()

    class Meta:
        db_table = "page_sessions"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["lead"], name="idx_page_sessions_lead_id"),
            models.Index(fields=["visitor_key"], name="idx_page_sessions_visitor_key"),
            models.Index(fields=["-created_at", "-id"], name="page_sessions_created_idx"),
        ]
        constraints = [_environment_check("page_sessions")]

    def __str__(self) -> str:
        return f"{self.page} ({self.utm_source or self.referrer or 'direct'})"
