import uuid

from django.db import models
from django.utils import timezone


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
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
