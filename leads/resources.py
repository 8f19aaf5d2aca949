"""Spreadsheet exports of leads (django-import-export)."""

from collections.abc import Callable
from typing import Any

from import_export import fields, resources

from leads.models import UsersLead


class LeadResource(resources.ModelResource):
    """One row per lead; the counts come from the admin queryset's annotations."""

    email = fields.Field(attribute="email", column_name="Email")
    name = fields.Field(attribute="name", column_name="Name")
    phone = fields.Field(attribute="phone", column_name="Phone")
    source = fields.Field(attribute="source", column_name="Source")
    environment = fields.Field(attribute="environment", column_name="Environment")
    first_seen_at = fields.Field(attribute="first_seen_at", column_name="First seen")
    last_seen_at = fields.Field(attribute="last_seen_at", column_name="Last seen")
    questionnaires = fields.Field(attribute="choices_count", column_name="Questionnaires")
    early_access_requests = fields.Field(
        attribute="early_access_count", column_name="Early-access requests"
    )
    contact_messages = fields.Field(
        attribute="contact_message_count", column_name="Contact messages"
    )
    submissions = fields.Field(column_name="Submissions")
    converted = fields.Field(column_name="Converted")
    converted_at = fields.Field(attribute="converted_at", column_name="Converted at")

    class Meta:
        model = UsersLead
        fields = (
            "email",
            "name",
            "phone",
            "source",
            "environment",
            "first_seen_at",
            "last_seen_at",
            "questionnaires",
            "early_access_requests",
            "contact_messages",
            "submissions",
            "converted",
            "converted_at",
        )
        export_order = fields
        # Rows are read in chunks through a server-side cursor, never all at once.
        chunk_size = 2000

    def dehydrate_source(self, lead: UsersLead) -> str:
        return lead.get_source_display()

    def dehydrate_submissions(self, lead: UsersLead) -> int:
        return (
            getattr(lead, "choices_count", 0)
            + getattr(lead, "early_access_count", 0)
            + getattr(lead, "contact_message_count", 0)
        )

    def dehydrate_converted(self, lead: UsersLead) -> str:
        return "yes" if lead.converted_at else "no"

    def row_exporter(self, selected_fields=None) -> Callable[[UsersLead], list[Any]]:
        """Return a function giving one lead's cells as typed values (counts are numbers,
        times are datetimes), for core/exports.py's CSV and XLSX writers, which neutralize
        formulas in CSV and keep the types in XLSX.

        The fields and their dehydrate methods are looked up once, not once per row, so a
        streamed export of many rows spends its time on the rows.
        """
        getters = []
        for export_field in self.get_export_fields(selected_fields):
            method = export_field.get_dehydrate_method(self.get_field_name(export_field))
            method = method if callable(method) else getattr(self, method, None)
            getters.append(method or export_field.get_value)
        return lambda lead: [get(lead) for get in getters]
