from contextlib import contextmanager
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from factory.django import DjangoModelFactory

from core.emails import normalize_email
from crm.models import (
    Appointment,
    Contact,
    ContactIntegration,
    ContactNote,
    Message,
    Organization,
    OrganizationMembership,
    Tag,
    Task,
)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Faker("company")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    type = Organization.Type.AGENCY


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    contact_type = Contact.Type.INDIVIDUAL
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    phone = factory.Faker("numerify", text="+91 98### #####")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Stored as every writer stores it (core/emails.py; the database checks it).
        if kwargs.get("email"):
            kwargs["email"] = normalize_email(kwargs["email"])
        return super()._create(model_class, *args, **kwargs)

    address = factory.Faker("street_address")
    timezone = "Asia/Kolkata"


class ClinicFactory(ContactFactory):
    contact_type = Contact.Type.CLINIC
    name = factory.Sequence(lambda n: f"Clinic {n}")


class ContactIntegrationFactory(DjangoModelFactory):
    class Meta:
        model = ContactIntegration

    contact = factory.SubFactory(ContactFactory)
    provider = "ghl"
    external_id = factory.Sequence(lambda n: f"ghl-{n:06d}")
    external_data = factory.LazyFunction(lambda: {"stage": "Active"})


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"tag-{n}")


class ContactNoteFactory(DjangoModelFactory):
    class Meta:
        model = ContactNote

    contact = factory.SubFactory(ContactFactory)
    organization = factory.SelfAttribute("contact.organization")
    content = factory.Faker("sentence")


class AppointmentFactory(DjangoModelFactory):
    class Meta:
        model = Appointment

    contact = factory.SubFactory(ContactFactory)
    organization = factory.SelfAttribute("contact.organization")
    title = "Check-up"
    start_time = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    end_time = factory.LazyAttribute(lambda o: o.start_time + timedelta(minutes=30))


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    contact = factory.SubFactory(ContactFactory)
    organization = factory.SelfAttribute("contact.organization")
    direction = Message.Direction.OUTBOUND
    channel = Message.Channel.EMAIL
    content = factory.Faker("sentence")


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    contact = factory.SubFactory(ContactFactory)
    organization = factory.SelfAttribute("contact.organization")
    title = factory.Faker("sentence", nb_words=4)


def add_permissions(user, permissions) -> None:
    """Give ``user`` these permissions: ``"app_label.codename"`` strings, or Permission rows."""
    permissions = list(permissions)
    if all(isinstance(item, str) for item in permissions):
        wanted = Q(pk__in=[])
        for permission in permissions:
            app_label, codename = permission.split(".", 1)
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        found = list(Permission.objects.filter(wanted))
        assert len(found) == len(set(permissions)), f"unknown permission in {permissions}"
        permissions = found
    user.user_permissions.add(*permissions)


class StaffUserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        # Permissions are a many-to-many: nothing to save again after them.
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True
    password = factory.django.Password("staff-password")

    @factory.post_generation
    def permissions(user, create, extracted, **kwargs):
        """``StaffUserFactory(permissions=["crm.view_contact", ...])``: see add_permissions."""
        if create and extracted:
            add_permissions(user, extracted)


class OrganizationMembershipFactory(DjangoModelFactory):
    class Meta:
        model = OrganizationMembership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(StaffUserFactory)


@contextmanager
def unnormalized_emails_allowed():
    """Let a test write contacts as crm 0013 may have left them: one address in two cases.

    Only inside a test's transaction: on PostgreSQL the check is dropped and comes back with the
    rollback; SQLite is told to ignore CHECK constraints until the block ends.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
        else:
            cursor.execute("ALTER TABLE crm_contact DROP CONSTRAINT crm_contact_email_normalized")
            yield
