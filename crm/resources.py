"""Contacts in and out of spreadsheets (django-import-export).

Import goes into one organization chosen on the form: a row is matched to a contact of that
organization by its normalized email, and created or updated through the contact services.
Export writes what the changelist shows (filters, search and scoping applied).
"""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from import_export import fields, resources

from core.emails import normalize_email as core_normalize_email
from core.exports import stream_queryset, strip_neutralization
from crm import services
from crm.models import Contact, ContactTag, Organization

IMPORT_COLUMNS = ["name", "email", "phone", "address", "timezone", "contact_type"]


def _batched(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def normalize_email(email: Any) -> str | None:
    """Return the email as rows are matched on it: trimmed, lower-cased, None when blank."""
    return core_normalize_email(str(email or "")) or None


def contact_type_code(value: Any) -> Any:
    """The contact type's code for a cell holding its code or its label, in any case
    (``Individual``, ``INDIVIDUAL``, ``individual``); anything else is left as it is."""
    text = str(value or "").strip()
    if not text:
        return ""
    for code, label in Contact.Type.choices:
        if text.casefold() in (code.casefold(), str(label).casefold()):
            return code
    return text


class ContactResource(resources.ModelResource):
    """One contact per row; ``organization`` is where imported rows go."""

    organization_name = fields.Field(
        attribute="organization__name", column_name="organization", readonly=True
    )
    parent = fields.Field(attribute="parent_contact__name", column_name="parent", readonly=True)
    tags = fields.Field(column_name="tags", readonly=True)
    # The contact's id: a file exported and imported back updates the same contacts, even
    # those without an email.
    record_id = fields.Field(attribute="id", column_name="id", readonly=True)

    class Meta:
        model = Contact
        fields = [
            *IMPORT_COLUMNS,
            "organization_name",
            "parent",
            "tags",
            "created_at",
            "record_id",
        ]
        export_order = ["name", "contact_type", "email", "phone", "address", "timezone"]
        import_id_fields = ["email"]
        clean_model_instances = False  # the services validate, with their own messages
        # A row that changes nothing is skipped: a file exported and imported back writes
        # nothing.
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        chunk_size = 2000

    def __init__(self, *, organization: Organization | None = None, **kwargs):
        super().__init__(**kwargs)
        self.organization = organization

    def get_import_fields(self):
        return [self.fields[name] for name in IMPORT_COLUMNS]

    def get_user_visible_fields(self):
        return self.get_import_fields()

    def dehydrate_tags(self, contact: Contact) -> str:
        return ", ".join(sorted(tag.name for tag in contact.tags.all()))

    def export_rows(
        self, queryset, selected_fields=None, *, chunk_size: int = 2000
    ) -> Iterator[list[Any]]:
        """Yield the export's rows (in ``get_export_headers(selected_fields)`` order),
        ``chunk_size`` at a time, as typed values (times, text) for the file's writer.

        Plain column values (no model instances) and one tags query per chunk: a large export
        costs a few queries per 2,000 rows and holds one chunk in memory. The contact type is
        written as its label (``Individual``), which the import reads back.
        """
        export_fields = self.get_export_fields(selected_fields)
        type_labels = dict(Contact.Type.choices)
        paths = ["pk", *(field.attribute for field in export_fields if field.attribute)]
        values = stream_queryset(queryset.values_list(*paths), chunk_size=chunk_size)
        for chunk in _batched(values, chunk_size):
            tags: dict[Any, list[str]] = {}
            for contact_id, name in ContactTag.objects.filter(
                contact_id__in=[row[0] for row in chunk]
            ).values_list("contact_id", "tag__name"):
                tags.setdefault(contact_id, []).append(name)
            for row in chunk:
                by_path = dict(zip(paths, row, strict=True))
                yield [
                    ", ".join(sorted(tags.get(row[0], [])))
                    if field.column_name == "tags"
                    else type_labels.get(by_path["contact_type"], by_path["contact_type"])
                    if field.attribute == "contact_type"
                    else by_path[field.attribute]
                    for field in export_fields
                ]

    # Import ---------------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        if self.organization is None:
            raise ValidationError("Choose the organization the contacts go into.")
        missing = [column for column in ("name", "email") if column not in dataset.headers]
        if missing:
            raise ValidationError(f"The file has no {' or '.join(missing)} column.")

    def before_import_row(self, row, **kwargs):
        # Undo exactly what the export did: the apostrophe before a formula-looking cell
        # (core/exports.py), and the contact type's label.
        for column, value in row.items():
            row[column] = strip_neutralization(value)
        if "contact_type" in row:
            row["contact_type"] = contact_type_code(row["contact_type"])

    def get_instance(self, instance_loader, row):
        contacts = Contact.objects.filter(organization=self.organization)
        record_id = str(row.get("id") or "").strip()
        if record_id:
            try:
                return contacts.get(pk=record_id)
            except (Contact.DoesNotExist, ValidationError, ValueError):
                pass  # another organization's or an unknown id: matched by email instead
        email = normalize_email(row.get("email"))
        if email is None:
            return None
        return contacts.filter(email__iexact=email).order_by("pk").first()

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        instance.email = normalize_email(row.get("email"))
        if not instance.contact_type:
            instance.contact_type = Contact.Type.INDIVIDUAL
        for field in ("name", "phone", "address", "timezone"):
            setattr(instance, field, str(getattr(instance, field) or "").strip())
        errors = {}
        if not instance.name:
            errors["name"] = "Every contact needs a name."
        if instance.contact_type not in Contact.Type.values:
            errors["contact_type"] = (
                f"{instance.contact_type!r} is not a contact type "
                f"({', '.join(Contact.Type.labels)})."
            )
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        data = {
            field: getattr(instance, field)
            for field in IMPORT_COLUMNS
            if field in services.CONTACT_UPDATABLE_FIELDS
        }
        if is_create:
            contact = services.contact_create(organization=self.organization, **data)
        else:
            contact = services.contact_update(contact=instance, data=data)
        # The row result reports the row the service wrote.
        vars(instance).update(vars(contact))
