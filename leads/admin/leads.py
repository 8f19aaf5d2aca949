"""The lead list and the lead page: status, owner, conversion, exports.

Over 400 lines on purpose: one page family, UsersLeadAdmin with its views, forms and actions.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX

from core.admin_dates import with_probed_dates
from core.exports import (
    ColumnsExportForm,
    StreamedExportMixin,
    stream_queryset,
)
from core.search import PeopleSearchMixin
from crm.models import Contact, Organization
from exports.admin_mixins import BackgroundExportMixin
from leads.admin.bases import BigTableAdmin
from leads.admin.filters import ConvertedFilter, FirstSeenFilter, OwnerFilter
from leads.models import (
    LeadStatus,
    UsersLead,
)
from leads.pipeline import (
    STAFF_STATUSES,
    lead_assign_owner,
    lead_owner_candidates,
    lead_set_status,
    leads_assign_owner,
    leads_assign_round_robin,
    leads_set_status,
)
from leads.resources import LeadResource
from leads.selectors import (
    lead_timeline,
    leads_attach_submission_counts,
    leads_with_submission_counts,
)
from leads.services import (
    lead_convert_to_contact,
    lead_update,
)

# Streamed CSV exports read the table this many rows at a time.
EXPORT_CHUNK_SIZE = 2000
# A workbook is built in memory; above this many rows the export must be CSV.
XLSX_MAX_ROWS = 20_000


def _leads(count: int) -> str:
    return f"{count} lead" if count == 1 else f"{count} leads"


def compact_time(value) -> str:
    """Return a short date for a list column, the full time on hover (fits a 1366 px list)."""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        local.strftime("%d %b %Y %H:%M"),
        local.strftime("%d %b %Y"),
    )


class ConvertLeadForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none())
    contact_type = forms.ChoiceField(choices=Contact.Type.choices, initial=Contact.Type.INDIVIDUAL)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the organizations this staff member works for.
        self.fields["organization"].queryset = Organization.objects.for_user(user).order_by("name")


class LeadForm(forms.ModelForm):
    """Name and phone, plus the lead's status and owner, each saved through its service.

    Status and owner are the model's non-editable fields (only the services change them), so
    the form carries them under names of its own.
    """

    work_status = forms.ChoiceField(
        label="Status",
        choices=[(value, LeadStatus(value).label) for value in STAFF_STATUSES],
        required=False,  # left out: the status stays as it is
    )
    work_owner = forms.ModelChoiceField(
        label="Owner", queryset=UsersLead.objects.none(), required=False, empty_label="Nobody"
    )

    class Meta:
        model = UsersLead
        fields = ["name", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_owner"].queryset = lead_owner_candidates()
        lead = self.instance
        if lead.pk is None:
            return
        self.initial.setdefault("work_owner", lead.owner_id)
        self.initial.setdefault("work_status", lead.status)
        if lead.status == LeadStatus.CONVERTED:
            # Final: set by the conversion, shown but not changeable.
            status = self.fields["work_status"]
            status.choices = [(LeadStatus.CONVERTED, LeadStatus.CONVERTED.label)]
            status.disabled = True


class LeadActionForm(admin.helpers.ActionForm):
    """The action bar with an owner beside the action: "Assign selected leads to the owner
    chosen" gives every selected lead to them in one go (issue 19 item 5)."""

    owner = forms.ModelChoiceField(
        label="Owner", queryset=lead_owner_candidates(), required=False, empty_label="(owner)"
    )


class LeadChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # The page's submission counts, in one query once the page is known.
        self.result_list = leads_attach_submission_counts(list(self.result_list))


@admin.register(UsersLead)
class UsersLeadAdmin(
    PeopleSearchMixin, StreamedExportMixin, BackgroundExportMixin, ExportMixin, BigTableAdmin
):
    list_display = [
        "email",
        "name",
        "phone",
        "source",
        "submissions",
        "status",
        "owner",
        "first_seen",
        "last_seen",
    ]
    list_select_related = ["owner"]
    list_filter = [FirstSeenFilter, OwnerFilter, "status", "source", "environment", ConvertedFilter]
    # Any part of an email or name, a phone by any run of its digits (core/search.py); trigram
    # indexes serve each on PostgreSQL (leads 0010, 0015).
    search_fields = ["email", "name", "phone"]
    search_help_text = (
        "Any part of an email or a name, or of a phone number (spacing and +91 ignored)."
    )
    date_hierarchy = "first_seen_at"
    readonly_fields = [
        "email",
        "source",
        "environment",
        "first_seen_at",
        "last_seen_at",
        "converted_to",
    ]
    form = LeadForm
    fields = ["email", "name", "phone", "work_status", "work_owner", *readonly_fields[1:]]
    action_form = LeadActionForm
    actions = [
        "convert_to_contact",
        "assign_to_chosen_owner",
        "assign_to_me",
        "assign_round_robin",
        "unassign",
        "mark_contacted",
        "mark_qualified",
        "mark_unqualified",
        "mark_new",
    ]
    resource_classes = [LeadResource]
    export_form_class = ColumnsExportForm
    formats = [CSV, XLSX]

    def has_add_permission(self, request) -> bool:
        return False

    def has_convert_permission(self, request) -> bool:
        return request.user.has_perm("leads.convert_userslead")

    def get_queryset(self, request):
        # Every page, search, action, export and the convert view read the leads the signed-in
        # staff member may see (``LeadQuerySet.for_user``): another organization's converted
        # lead is absent from the list and answers "doesn't exist" on its pages.
        return with_probed_dates(super().get_queryset(request).for_user(request.user))

    def get_changelist(self, request, **kwargs):
        return LeadChangeList

    def get_object(self, request, object_id, from_field=None):
        # The page names the contact the lead became: joined, not a query per access.
        queryset = self.get_queryset(request).select_related("converted_contact__organization")
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (UsersLead.DoesNotExist, ValidationError, ValueError):
            return None

    def get_search_results(self, request, queryset, search_term):
        # Emails are stored lower-cased; match the index exactly however staff type it.
        return super().get_search_results(request, queryset, search_term.strip())

    @admin.display(description="first seen", ordering="first_seen_at")
    def first_seen(self, lead: UsersLead) -> str:
        return compact_time(lead.first_seen_at)

    @admin.display(description="last seen", ordering="last_seen_at")
    def last_seen(self, lead: UsersLead) -> str:
        return compact_time(lead.last_seen_at)

    @admin.display(description="forms")
    def submissions(self, lead: UsersLead) -> int:
        return lead.choices_count + lead.early_access_count + lead.contact_message_count

    @admin.display(description="converted", boolean=True, ordering="converted_at")
    def converted(self, lead: UsersLead) -> bool:
        return lead.converted_at is not None

    @admin.display(description="converted to")
    def converted_to(self, lead: UsersLead) -> str:
        if lead.converted_at is None:
            return "Not converted"
        contact = lead.converted_contact
        when = timezone.localtime(lead.converted_at).strftime("%d %b %Y %H:%M")
        if contact is None:
            return f"A contact since deleted (converted {when})"
        return format_html(
            '<a href="{}">{}</a> of {} (converted {})',
            reverse("admin:crm_contact_change", args=[contact.pk]),
            contact.name,
            contact.organization.name,
            when,
        )

    def save_model(self, request, obj, form, change) -> None:
        # Staff correct name and phone, and set status and owner, through the services that
        # record who did.
        by = request.user.get_username()
        lead_update(lead=obj, name=obj.name, phone=obj.phone, by=by)
        if "work_status" in form.changed_data and form.cleaned_data["work_status"]:
            lead_set_status(lead=obj, status=form.cleaned_data["work_status"], by=by)
        if "work_owner" in form.changed_data:
            lead_assign_owner(lead=obj, owner=form.cleaned_data["work_owner"], by=by)

    # Bulk work on the selected leads: each through the pipeline services, one message each.

    @admin.action(description="Assign selected leads to me", permissions=["change"])
    def assign_to_me(self, request, queryset: QuerySet[UsersLead]) -> None:
        try:
            count = leads_assign_owner(
                leads=queryset, owner=request.user, by=request.user.get_username()
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(request, f"{_leads(count)} assigned to you.", messages.SUCCESS)

    @admin.action(
        description="Assign selected leads to the owner chosen beside", permissions=["change"]
    )
    def assign_to_chosen_owner(self, request, queryset: QuerySet[UsersLead]) -> None:
        # The action form has validated the owner (one of lead_owner_candidates, or none).
        try:
            owner = LeadActionForm.base_fields["owner"].clean(request.POST.get("owner"))
        except ValidationError:
            owner = None
        if owner is None:
            self.message_user(
                request, "Choose the owner beside the action, then Go.", messages.ERROR
            )
            return
        try:
            count = leads_assign_owner(leads=queryset, owner=owner, by=request.user.get_username())
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        name = owner.get_full_name() or owner.get_username()
        self.message_user(request, f"{_leads(count)} assigned to {name}.", messages.SUCCESS)

    @admin.action(
        description="Assign selected leads round-robin among Sales", permissions=["change"]
    )
    def assign_round_robin(self, request, queryset: QuerySet[UsersLead]) -> None:
        try:
            given = leads_assign_round_robin(leads=queryset, by=request.user.get_username())
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        if not given:
            self.message_user(request, "The selected leads all have an owner already.")
            return
        shares = ", ".join(f"{_leads(count)} to {member}" for member, count in given.items())
        self.message_user(request, f"Assigned {shares}.", messages.SUCCESS)

    @admin.action(description="Unassign selected leads", permissions=["change"])
    def unassign(self, request, queryset: QuerySet[UsersLead]) -> None:
        count = leads_assign_owner(leads=queryset, owner=None, by=request.user.get_username())
        self.message_user(request, f"{_leads(count)} unassigned.", messages.SUCCESS)

    def _set_status(self, request, queryset, status: str) -> None:
        count = leads_set_status(leads=queryset, status=status, by=request.user.get_username())
        label = LeadStatus(status).label
        self.message_user(request, f"{_leads(count)} marked {label}.", messages.SUCCESS)

    @admin.action(description="Mark selected leads Contacted", permissions=["change"])
    def mark_contacted(self, request, queryset: QuerySet[UsersLead]) -> None:
        self._set_status(request, queryset, LeadStatus.CONTACTED)

    @admin.action(description="Mark selected leads Qualified", permissions=["change"])
    def mark_qualified(self, request, queryset: QuerySet[UsersLead]) -> None:
        self._set_status(request, queryset, LeadStatus.QUALIFIED)

    @admin.action(description="Mark selected leads Unqualified", permissions=["change"])
    def mark_unqualified(self, request, queryset: QuerySet[UsersLead]) -> None:
        self._set_status(request, queryset, LeadStatus.UNQUALIFIED)

    @admin.action(description="Mark selected leads New", permissions=["change"])
    def mark_new(self, request, queryset: QuerySet[UsersLead]) -> None:
        self._set_status(request, queryset, LeadStatus.NEW)

    # The lead page: one timeline instead of a table per form.

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["timeline"] = lead_timeline(lead=obj)
            context["can_convert"] = (
                self.has_convert_permission(request) and obj.converted_at is None
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/convert/",
                self.admin_site.admin_view(self.convert_view),
                name="leads_userslead_convert",
            ),
            *super().get_urls(),
        ]

    def _convert(self, request, leads, organization, contact_type) -> None:
        by = request.user.get_username()
        for lead in leads:
            try:
                contact = lead_convert_to_contact(
                    lead=lead, organization=organization, contact_type=contact_type, by=by
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                continue
            self.message_user(
                request,
                format_html(
                    'Converted {} to <a href="{}">{}</a> of {}.',
                    lead.email,
                    reverse("admin:crm_contact_change", args=[contact.pk]),
                    contact.name,
                    organization.name,
                ),
                messages.SUCCESS,
            )

    def _convert_page(self, request, *, form, leads, selected_action: bool):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Convert to contact",
            "form": form,
            "leads": leads,
            "selected_action": selected_action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/leads/userslead/convert.html", context)

    def convert_view(self, request: HttpRequest, object_id: str):
        if not self.has_convert_permission(request):
            raise PermissionDenied
        lead = self.get_object(request, object_id)  # None for a malformed or foreign id
        if lead is None:
            raise Http404("No such lead.")
        if lead.converted_at is not None:
            # Converted once, for good: say where it went instead of offering the form again.
            self.message_user(request, "This lead is already converted.", messages.INFO)
            return HttpResponseRedirect(reverse("admin:leads_userslead_change", args=[lead.pk]))
        form = ConvertLeadForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            self._convert(
                request,
                [lead],
                form.cleaned_data["organization"],
                form.cleaned_data["contact_type"],
            )
            return HttpResponseRedirect(reverse("admin:leads_userslead_change", args=[lead.pk]))
        return self._convert_page(request, form=form, leads=[lead], selected_action=False)

    @admin.action(description="Convert selected leads to contacts", permissions=["convert"])
    def convert_to_contact(self, request, queryset: QuerySet[UsersLead]):
        form = ConvertLeadForm(request.POST if "apply" in request.POST else None, user=request.user)
        if "apply" in request.POST and form.is_valid():
            self._convert(
                request,
                list(queryset),
                form.cleaned_data["organization"],
                form.cleaned_data["contact_type"],
            )
            return None
        return self._convert_page(request, form=form, leads=list(queryset), selected_action=True)

    # Exports: what the changelist shows (filters and search), CSV streamed in chunks.

    def get_export_queryset(self, request):
        # Counted per row here: an export reads every row anyway, along the lead_id indexes.
        queryset = super().get_export_queryset(request).order_by("-last_seen_at", "-pk")
        return leads_with_submission_counts(queryset)

    # Export: streamed (core.exports.StreamedExportMixin), one lead per row.
    def export_resource(self):
        return LeadResource()

    def export_rows(self, resource, queryset, selected):
        row = resource.row_exporter(selected)
        return (row(lead) for lead in stream_queryset(queryset, chunk_size=EXPORT_CHUNK_SIZE))

    def export_refusal(self, request, queryset, file_format):
        if isinstance(file_format, CSV) or queryset.count() <= XLSX_MAX_ROWS:
            return None
        # A workbook this size belongs in the streamed CSV.
        self.message_user(
            request,
            f"More than {XLSX_MAX_ROWS:,} leads match: filter the list further, or "
            "export them as CSV.",
            messages.ERROR,
        )
        return HttpResponseRedirect(reverse("admin:leads_userslead_changelist"))
