"""Lead capture models.

The five models below are the legacy state carried over from the old site; a later rewiring
moves their rows onto ``users_leads`` and removes them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entry",
    )

    class Meta:
        verbose_name_plural = "waitlist entries"

    def __str__(self) -> str:
        return self.email


class Lead(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, unique=True)
    source = models.CharField(max_length=100, blank=True)
    anonymous = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return self.email


class ChoiceResponse(models.Model):
    class Intent(models.TextChoices):
        INVEST = "invest", "Invest"
        LIST_PROPERTY = "list-property", "List a property"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey(
        Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="choice_responses"
    )
    intent = models.CharField(max_length=16, choices=Intent.choices)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__gte=0, nps__lte=10),
                name="leads_choiceresponse_nps_0_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intent} ({self.nps})"


class ContactUs(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254, db_index=True)
    phone = models.CharField(max_length=32, blank=True)
    message = models.TextField()
    handled = models.BooleanField(default=False)
    source = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        verbose_name = "contact-us message"

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class EarlyAccessUser(models.Model):
    class InvestmentIntent(models.TextChoices):
        JUST_EXPLORING = "JUST_EXPLORING", "Just exploring"
        INVEST_WITHIN_3_MONTHS = "INVEST_WITHIN_3_MONTHS", "In the next 3 months"
        READY_TO_INVEST = "READY_TO_INVEST", "Ready to invest now"

    class InvestmentRange(models.TextChoices):
        BELOW_10K = "BELOW_10K", "Below ₹10k"
        TEN_TO_FIFTY_K = "TEN_TO_FIFTY_K", "₹10k-₹50k"
        FIFTY_K_TO_TWO_L = "FIFTY_K_TO_TWO_L", "₹50k-₹2L"
        ABOVE_TWO_L = "ABOVE_TWO_L", "₹2L+"

    class PropertyType(models.TextChoices):
        RESIDENTIAL = "RESIDENTIAL", "Residential"
        COMMERCIAL = "COMMERCIAL", "Commercial"
        MIXED_USE = "MIXED_USE", "Mixed use"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=200, blank=True)
    investment_intent = models.CharField(max_length=32, choices=InvestmentIntent.choices)
    expected_investment_range = models.CharField(max_length=32, choices=InvestmentRange.choices)
    preferred_property_type = models.CharField(
        max_length=32, choices=PropertyType.choices, blank=True
    )
    source = models.CharField(max_length=100, default="website")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return self.email
