from datetime import time, timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from core.exports import ColumnsExportForm, stream_csv_response, stream_xlsx_response
from core.json_safety import JSON_FORMFIELD_OVERRIDES
from core.local_time import format_local, zone
from core.paginator import EstimatedCountPaginator
from core.search import PeopleSearchMixin
from crm import appointment_calendar, selectors, services
from crm.admin_scoping import OrganizationScopedAdminMixin, ScopedRelatedFieldListFilter
from crm.contact_sections import contact_page_sections
from crm.forms import (
    AppointmentAdminForm,
    BulkTagForm,
    ContactChoiceField,
    ContactConfirmImportForm,
    ContactEmailForm,
    ContactImportForm,
    ContactNoteForm,
    ContactTaskForm,
    TagChoiceField,
    TaskAdminForm,
    contact_label,
    email_templates,
    tag_label,
)
from crm.import_files import REFUSED as REFUSED_IMPORT
from crm.import_files import (
    ImportFileGone,
    checked_storage,
    sign_import_key,
    unsign_import_file,
)
from crm.models import (
    Appointment,
    AppointmentReminder,
    Contact,
    ContactIntegration,
    ContactNote,
    ContactTag,
    Message,
    Organization,
    Tag,
    Task,
)
from crm.resources import ContactResource
from crm.scoping import organization_ids_for
from crm.services.reminders import APPOINTMENT_REMINDER_ORIGIN, lead_time_words
from crm.services.tags import contacts_add_tag, contacts_remove_tag
from crm.timeline import contact_timeline_lines
from crm.widgets import CustomFieldsField
from exports.admin_mixins import BackgroundExportMixin, BackgroundImportMixin
from outbox.models import OutboxEmail

# Autocomplete results --------------------------------------------------------------------------


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete that lets a model admin word its results (``autocomplete_label``)."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


def _labelled_autocomplete_view(request):
    return LabelledAutocompleteJsonView.as_view(admin_site=admin.site)(request)


# Two "Asha Verma" of two organizations must not look alike in a contact picker.
admin.site.autocomplete_view = _labelled_autocomplete_view


# Shared bases ----------------------------------------------------------------------------------


class DisambiguatedPickersMixin:
    """Contact and tag pickers name the organization (and the email) of each choice."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Contact:
            kwargs.setdefault("form_class", ContactChoiceField)
        elif db_field.related_model is Tag:
            kwargs.setdefault("form_class", TagChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class WorkspaceAdmin(OrganizationScopedAdminMixin, DisambiguatedPickersMixin, admin.ModelAdmin):
    """Every CRM and LMS admin: scoped to the staff member's organizations, fast when large."""

    # Big tables: no exact COUNT(*) of the whole table on every page.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Facet counts run one COUNT per filter choice over the whole table.
    show_facets = admin.ShowFacets.NEVER

    class Media:
        css = {"all": ["admin_workspace/lists.css"]}

    # JSON fields refuse too deep nesting, NUL bytes and lone surrogates (core/json_safety.py).
    formfield_overrides = JSON_FORMFIELD_OVERRIDES

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another organization's record (or none at all) is "not found", not a redirect that
        # tells the two apart.
        raise Http404(f"No {opts.verbose_name} with this id.")


class WorkspaceTabularInline(
    OrganizationScopedAdminMixin, DisambiguatedPickersMixin, admin.TabularInline
):
    extra = 0


class ScopedTagListFilter(ScopedRelatedFieldListFilter):
    """The tags filter, each tag named with its organization."""

    def field_choices(self, field, request, model_admin):
        tags = Tag.objects.for_user(request.user).select_related("organization")
        return [(tag.pk, tag_label(tag)) for tag in tags.order_by("name", "organization__name")]


class ParentContactFilter(admin.SimpleListFilter):
    """ "Patients of this clinic": the contacts under one parent (the contact page links here)."""

    title = "parent"
    parameter_name = "parent"
    TOP_LEVEL = "none"

    def lookups(self, request, model_admin):
        # Listing every possible parent would read the whole table: offer the chosen one only.
        choices = [(self.TOP_LEVEL, "No parent (top level)")]
        value = self.value()
        if value and value != self.TOP_LEVEL:
            try:
                parent = (
                    Contact.objects.for_user(request.user)
                    .select_related("organization")
                    .filter(pk=value)
                    .first()
                )
            except ValidationError:
                parent = None
            if parent is not None:
                choices.append((str(parent.pk), contact_label(parent)))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == self.TOP_LEVEL:
            return queryset.filter(parent_contact__isnull=True)
        try:
            return queryset.filter(parent_contact_id=value)
        except ValidationError:
            return queryset.none()


ORGANIZATION_FILTER = ("organization", ScopedRelatedFieldListFilter)


class TimeRangeFilter(admin.SimpleListFilter):
    """Ranges of one timestamp (a range scan on its index); replaces a date hierarchy, whose
    list of years reads every row of the table."""

    field_name = ""
    # (value, label, days from today where the range starts, days where it ends)
    RANGES: list[tuple[str, str, int | None, int | None]] = []

    def lookups(self, request, model_admin):
        return [(value, label) for value, label, _, _ in self.RANGES]

    def queryset(self, request, queryset):
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        for value, _, start, end in self.RANGES:
            if self.value() != value:
                continue
            if start is not None:
                queryset = queryset.filter(
                    **{f"{self.field_name}__gte": today + timedelta(days=start)}
                )
            if end is not None:
                queryset = queryset.filter(
                    **{f"{self.field_name}__lt": today + timedelta(days=end)}
                )
        return queryset


class AppointmentStartFilter(TimeRangeFilter):
    title = "starts"
    parameter_name = "starts"
    field_name = "start_time"
    RANGES = [
        ("today", "Today", 0, 1),
        ("next7", "Next 7 days", 0, 8),
        ("upcoming", "From today on", 0, None),
        ("past30", "Past 30 days", -30, 0),
        ("past", "Before today", None, 0),
    ]


class TaskDueFilter(admin.SimpleListFilter):
    """Open tasks by when they are due ("overdue" is what the dashboard links to)."""

    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue (open)"),
            ("today", "Due today (open)"),
            ("next7", "Due in the next 7 days (open)"),
            ("none", "No due date"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        open_tasks = queryset.filter(status__in=Task.OPEN)
        match self.value():
            case "overdue":
                return open_tasks.filter(due_date__lt=now)
            case "today":
                return open_tasks.filter(due_date__gte=today, due_date__lt=today + timedelta(1))
            case "next7":
                return open_tasks.filter(due_date__gte=now, due_date__lt=today + timedelta(8))
            case "none":
                return queryset.filter(due_date__isnull=True)
        return queryset


class TaskAssigneeFilter(admin.SimpleListFilter):
    """ "Assigned to me" without listing every staff member."""

    title = "assignee"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("nobody", "Unassigned")]

    def queryset(self, request, queryset):
        match self.value():
            case "me":
                return queryset.filter(assignee=request.user)
            case "nobody":
                return queryset.filter(assignee__isnull=True)
        return queryset


class MessageSentFilter(TimeRangeFilter):
    title = "sent"
    parameter_name = "sent"
    field_name = "sent_at"
    RANGES = [
        ("today", "Today", 0, 1),
        ("past7", "Past 7 days", -6, 1),
        ("past30", "Past 30 days", -29, 1),
    ]


# Organizations ---------------------------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(WorkspaceAdmin):
    list_display = ["name", "slug", "type", "created_at"]
    list_filter = ["type"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]

    def has_add_permission(self, request):
        # Members work inside their organizations; only platform staff create new ones.
        return organization_ids_for(request.user) is None and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return organization_ids_for(request.user) is None and super().has_delete_permission(
            request, obj
        )

    def save_model(self, request, obj, form, change):
        # The form has validated; the services write (crm/services/organizations.py).
        if not change:
            organization = services.organization_create(name=obj.name, slug=obj.slug, type=obj.type)
            vars(obj).update(vars(organization))
            return
        data = {
            field: getattr(obj, field)
            for field in form.changed_data
            if field in services.ORGANIZATION_UPDATABLE_FIELDS
        }
        if data:
            services.organization_update(organization=obj, data=data)
        obj.refresh_from_db()


# Contacts --------------------------------------------------------------------------------------


class ContactIntegrationInline(WorkspaceTabularInline):
    model = ContactIntegration
    fields = ["provider", "external_id", "sync_status", "last_sync_at"]
    readonly_fields = ["last_sync_at", "created_at", "updated_at"]


class ContactTagInline(WorkspaceTabularInline):
    model = ContactTag
    fields = ["tag", "created_at"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        # Each row is titled "tag on contact": select both instead of two queries per row.
        return super().get_queryset(request).select_related("tag", "contact")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        organization_id = obj.organization_id if obj is not None else None
        user = request.user

        class TagChoicesOnce(formset):
            """Offer the contact's organization's tags, read once for all the rows."""

            def add_fields(self, form, index):
                super().add_fields(form, index)
                if not hasattr(self, "_tag_choices"):
                    tags = Tag.objects.for_user(user)
                    if organization_id is not None:
                        tags = tags.filter(organization_id=organization_id)
                    field = TagChoiceField(tags.order_by("name"), required=False)
                    self._tag_choices = list(field.choices)
                field = form.fields["tag"]
                field.choices = self._tag_choices
                widget = field.widget
                while hasattr(widget, "widget"):  # the admin's "+ add" wrapper
                    widget.choices = self._tag_choices
                    widget = widget.widget
                widget.choices = self._tag_choices

        return TagChoicesOnce


class OpenTaskInline(WorkspaceTabularInline):
    model = Task
    fields = ["task", "status", "priority", "due_date", "assignee"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "open tasks"
    # Each row's title is its link; Django's copy of the title above the row is left out
    # (contact.css).
    classes = ["open-tasks"]

    @admin.display(description="title")
    def task(self, task: Task) -> str:
        url = reverse("admin:crm_task_change", args=[quote(task.pk)])
        return format_html('<a href="{}">{}</a>', url, task.title)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status__in=Task.OPEN).select_related("assignee")

    def has_add_permission(self, request, obj=None):
        return False


# Other apps add sections to the contact page through crm/contact_sections.py (lms: the
# contact's courses); crm never imports them.


@admin.register(Contact)
class ContactAdmin(
    PeopleSearchMixin,
    BackgroundExportMixin,
    BackgroundImportMixin,
    ImportExportMixin,
    WorkspaceAdmin,
):
    actions = ["add_tag", "remove_tag"]
    list_display = ["name", "contact_type", "email", "phone", "organization", "parent_contact"]
    list_filter = [
        "contact_type",
        ORGANIZATION_FILTER,
        ("tags", ScopedTagListFilter),
        ParentContactFilter,
    ]
    # The list shows each contact's organization and parent: join them instead of N queries.
    list_select_related = ["organization", "parent_contact"]
    # Names, emails and phones match anywhere (trigram indexes, crm 0009 and 0012); a phone
    # also by its digits, whatever the spacing or +91 (core/search.py).
    search_fields = ["name", "email", "phone"]
    search_help_text = "Any part of a name, an email or a phone number (spacing and +91 ignored)."
    autocomplete_fields = ["organization", "parent_contact"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "organization",
        "contact_type",
        "parent_contact",
        "name",
        "email",
        "phone",
        "address",
        "timezone",
        "custom_fields",
        "created_at",
        "updated_at",
    ]
    inlines = [ContactTagInline, OpenTaskInline, ContactIntegrationInline]

    # Import and export (django-import-export): crm.import_contact / crm.export_contact.
    resource_classes = [ContactResource]
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    import_form_class = ContactImportForm
    confirm_form_class = ContactConfirmImportForm
    export_form_class = ColumnsExportForm
    import_template_name = "admin/crm/contact/import.html"

    def autocomplete_label(self, contact: Contact) -> str:
        return contact_label(contact)

    def get_queryset(self, request):
        # The list, the change page, the pickers and autocomplete all name the organization
        # (and the list and page the parent). Set here, as Django skips list_select_related
        # once a queryset selects anything.
        return super().get_queryset(request).select_related("organization", "parent_contact")

    def get_readonly_fields(self, request, obj=None):
        # A contact stays in its organization: its records, tags and parent all live there.
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "organization"] if obj is not None else readonly

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "custom_fields":
            return CustomFieldsField(
                required=False,
                label=db_field.verbose_name.capitalize(),
                help_text="Named values: one per row.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # The form has validated; the services write (normalized input, hierarchy lock).
        if not change:
            contact = services.contact_create(
                organization=obj.organization,
                parent_contact=obj.parent_contact,
                **{field: getattr(obj, field) for field in services.CONTACT_UPDATABLE_FIELDS},
            )
            # The inlines are saved against ``obj``: make it the row the service created.
            vars(obj).update(vars(contact))
            return
        data = {
            field: getattr(obj, field)
            for field in form.changed_data
            if field in services.CONTACT_UPDATABLE_FIELDS
        }
        if data:
            services.contact_update(contact=obj, data=data)
        if "parent_contact" in form.changed_data:
            services.contact_move(contact=obj, parent=obj.parent_contact)
        obj.refresh_from_db()

    # The contact page ----------------------------------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/note/",
                self.admin_site.admin_view(self.add_note_view),
                name=f"{prefix}_add_note",
            ),
            path(
                "<path:object_id>/email/",
                self.admin_site.admin_view(self.send_email_view),
                name=f"{prefix}_send_email",
            ),
            path(
                "<path:object_id>/task/",
                self.admin_site.admin_view(self.add_task_view),
                name=f"{prefix}_add_task",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["contact_page"] = self._contact_page(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _contact_page(self, request, contact: Contact, *, note_form=None, task_form=None) -> dict:
        """What the contact page shows around the form: family, lead, timeline, quick adds."""
        user = request.user
        children = Contact.objects.filter(parent_contact=contact).order_by("name")
        changelist = reverse("admin:crm_contact_changelist")
        leads = []
        if user.has_perm("leads.view_userslead"):
            # The reverse relation of UsersLead.converted_contact: crm never imports leads.
            for lead in contact.converted_leads.order_by("-converted_at")[:5]:
                leads.append(
                    {
                        "label": f"{lead.name or lead.email} ({lead.email})",
                        "url": reverse("admin:leads_userslead_change", args=[quote(lead.pk)]),
                        "converted_at": lead.converted_at,
                    }
                )
        parent = contact.parent_contact
        return {
            "parent": parent,
            "parent_url": (
                reverse("admin:crm_contact_change", args=[quote(parent.pk)]) if parent else None
            ),
            "children": list(children[:10]),
            "children_count": children.count(),
            "children_url": f"{changelist}?{ParentContactFilter.parameter_name}={contact.pk}",
            "leads": leads,
            # What other apps add below the form (lms: courses), crm/contact_sections.py.
            "sections": contact_page_sections(contact=contact, user=user),
            "timeline": contact_timeline_lines(contact=contact, user=user),
            "note_form": (
                note_form or ContactNoteForm() if user.has_perm("crm.add_contactnote") else None
            ),
            "note_url": reverse("admin:crm_contact_add_note", args=[quote(contact.pk)]),
            "task_form": (
                task_form or ContactTaskForm(contact=contact, user=user)
                if user.has_perm("crm.add_task")
                else None
            ),
            "task_url": reverse("admin:crm_contact_add_task", args=[quote(contact.pk)]),
            "appointment_url": (
                appointment_calendar.contact_appointment_add_url(contact)
                if user.has_perm("crm.add_appointment")
                else None
            ),
            "email_form": (
                ContactEmailForm() if user.has_perm("crm.add_message") and contact.email else None
            ),
            "email_url": reverse("admin:crm_contact_send_email", args=[quote(contact.pk)]),
            "email_templates": sorted(email_templates()),
        }

    def _contact_for_quick_add(self, request, object_id: str, permission: str) -> Contact:
        contact = self.get_object(request, unquote(object_id))
        if contact is None or not self.has_view_or_change_permission(request, contact):
            raise Http404("No such contact.")
        if not request.user.has_perm(permission):
            raise PermissionDenied
        return contact

    def _quick_add_response(self, request, contact, form, title, status):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "contact": contact,
            "form": form,
            "contact_url": reverse("admin:crm_contact_change", args=[quote(contact.pk)]),
        }
        return TemplateResponse(request, "admin/crm/contact/quick_add.html", context, status=status)

    def add_note_view(self, request, object_id):
        """Add a note from the contact page; the signed-in user is its author, always."""
        contact = self._contact_for_quick_add(request, object_id, "crm.add_contactnote")
        form = ContactNoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.contact_note_create(
                    contact=contact, content=form.cleaned_data["content"], author=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, "Note added.", messages.SUCCESS)
                url = reverse("admin:crm_contact_change", args=[quote(contact.pk)])
                return HttpResponseRedirect(f"{url}#timeline")
        status = 400 if request.method == "POST" else 200
        return self._quick_add_response(request, contact, form, f"Add a note to {contact}", status)

    def send_email_view(self, request, object_id):
        """Write an email to the contact (optionally from a template); it goes through the outbox."""
        contact = self._contact_for_quick_add(request, object_id, "crm.add_message")
        initial = {}
        template = email_templates().get(request.GET.get("template", ""))
        if template:
            initial = {"subject": template[0], "body": template[1]}
        form = ContactEmailForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.message_send_email(contact=contact, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    "Email queued: it shows as sent once the mail server takes it.",
                    messages.SUCCESS,
                )
                url = reverse("admin:crm_contact_change", args=[quote(contact.pk)])
                return HttpResponseRedirect(f"{url}#timeline")
        status = 400 if request.method == "POST" else 200
        return self._quick_add_response(request, contact, form, f"Email {contact}", status)

    def add_task_view(self, request, object_id):
        """Create a task about the contact from its page."""
        contact = self._contact_for_quick_add(request, object_id, "crm.add_task")
        form = ContactTaskForm(request.POST or None, contact=contact, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                services.task_create(contact=contact, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, "Task created.", messages.SUCCESS)
                url = reverse("admin:crm_contact_change", args=[quote(contact.pk)])
                return HttpResponseRedirect(f"{url}#timeline")
        status = 400 if request.method == "POST" else 200
        return self._quick_add_response(request, contact, form, f"Add a task for {contact}", status)

    # Import and export ---------------------------------------------------------------------

    def import_action(self, request, **kwargs):
        """Step one (preview), keeping the file for another try when the preview fails.

        A failed preview (bad rows, another organization to choose) offers the same stored
        file again as a signed token bound to its uploader: the person fixes the form and
        submits without choosing the file again, or chooses a corrected one.
        """
        kept = None
        if request.method == "POST" and not request.FILES.get("import_file"):
            kept = self._kept_import_file(request)
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        if request.method != "POST" or context is None or context.get("confirm_form"):
            if kept is not None:
                kept.remove()  # read again and stored under a new key by the preview
            return response
        # The upload (the kept file put back, or a new one) names where the preview stored it,
        # even when a form error took it out of cleaned_data.
        upload = request.FILES.get("import_file")
        key = getattr(upload, "tmp_storage_name", None)
        if key:
            if kept is not None:
                kept.remove()
            context["kept_file_token"] = sign_import_key(key, request.user, file_name=upload.name)
            context["kept_file_name"] = upload.name
        elif kept is not None:
            context["kept_file_token"] = request.POST["kept_file"]
            context["kept_file_name"] = kept.uploaded_name
        return response

    def _kept_import_file(self, request):
        """The stored file the form's ``kept_file`` token names, put back as the upload."""
        token = request.POST.get("kept_file")
        if not token:
            return None
        try:
            key, name = unsign_import_file(token, request.user)
            storage = self.get_tmp_storage_class()(name=key, read_mode="rb")
            data = storage.read()
        except (ValidationError, ImportFileGone):
            self.message_user(request, REFUSED_IMPORT, messages.ERROR)
            return None
        if isinstance(data, str):
            data = data.encode(self.from_encoding or "utf-8")
        request._files = request.FILES.copy()
        request._files["import_file"] = SimpleUploadedFile(name, data)
        storage.uploaded_name = name
        return storage

    def get_import_form_kwargs(self, request):
        kwargs = super().get_import_form_kwargs(request)
        kwargs["organizations"] = Organization.objects.for_user(request.user)
        return kwargs

    def get_confirm_form_kwargs(self, request, import_form=None):
        kwargs = super().get_confirm_form_kwargs(request, import_form)
        kwargs["organizations"] = Organization.objects.for_user(request.user)
        kwargs["user"] = request.user
        return kwargs

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["organization"] = import_form.cleaned_data["organization"].pk
            # The stored file travels as a token bound to its uploader (crm/import_files.py).
            initial["import_file_name"] = sign_import_key(initial["import_file_name"], request.user)
        return initial

    def get_tmp_storage_class(self):
        # Keys of import-export's own shape only; a missing file says so instead of a 500.
        return checked_storage(super().get_tmp_storage_class())

    def process_import(self, request, **kwargs):
        # A tampered, foreign or unknown token, or a file already imported: 400, nothing
        # read, written or deleted.
        try:
            response = super().process_import(request, **kwargs)
        except ImportFileGone:
            response = self._import_refused(request)
        else:
            confirm_errors = getattr(response, "context_data", None) or {}
            if confirm_errors.get("errors"):
                response.status_code = 400
        return response

    def _import_refused(self, request):
        form = self.create_confirm_form(request)
        form.is_valid()
        form.add_error(None, REFUSED_IMPORT)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import",
            "confirm_form": form,
            "opts": self.model._meta,
            "errors": form.errors,
        }
        return TemplateResponse(request, [self.import_template_name], context, status=400)

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", None) or {}
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "organization": cleaned.get("organization"),
        }

    def get_import_data_kwargs(self, **kwargs):
        # One bad row and nothing is written, not even the good rows.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        # ``queryset`` is what the list shows (filters, search, scoping); it is streamed in
        # chunks instead of built into one dataset in memory.
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource = ContactResource()
        # Exactly the columns ticked on the export page, in its order.
        selected = self.get_export_resource_fields_from_form(export_form)
        header = resource.get_export_headers(selected_fields=selected)
        rows = resource.export_rows(queryset, selected)
        filename = self.get_export_filename(request, queryset, file_format)
        if isinstance(file_format, XLSX):
            return stream_xlsx_response(filename=filename, header=header, rows=rows)
        return stream_csv_response(filename=filename, header=header, rows=rows)

    # Tags and integrations -------------------------------------------------------------------------

    # Bulk work on the selected contacts: one tag on or off, through the tag services.

    @admin.action(description="Add a tag to selected contacts", permissions=["change"])
    def add_tag(self, request, queryset):
        return self._tag_action(request, queryset, adding=True)

    @admin.action(description="Remove a tag from selected contacts", permissions=["change"])
    def remove_tag(self, request, queryset):
        return self._tag_action(request, queryset, adding=False)

    def _tag_action(self, request, queryset, *, adding: bool):
        form = BulkTagForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            name = form.cleaned_data["name"]
            service = contacts_add_tag if adding else contacts_remove_tag
            try:
                count = service(contacts=queryset.select_related("organization"), name=name)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            noun = "contact" if count == 1 else "contacts"
            done = f"tagged “{name}”" if adding else f"no longer tagged “{name}”"
            self.message_user(request, f"{count} {noun} {done}.", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/crm/contact/bulk_tag.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Add a tag" if adding else "Remove a tag",
                "form": form,
                "contacts": list(queryset[:50]),
                "count": queryset.count(),
                "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
                "action": "add_tag" if adding else "remove_tag",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Tag)
class TagAdmin(WorkspaceAdmin):
    list_display = ["name", "organization", "created_at"]
    list_filter = [ORGANIZATION_FILTER]
    list_select_related = ["organization"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]

    def autocomplete_label(self, tag: Tag) -> str:
        return tag_label(tag)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")


@admin.register(ContactIntegration)
class ContactIntegrationAdmin(WorkspaceAdmin):
    list_display = ["provider", "external_id", "contact", "sync_status", "last_sync_at"]
    list_filter = ["provider", "sync_status"]
    list_select_related = ["contact"]
    search_fields = ["external_id", "contact__name", "contact__email"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A contact's record at a provider stays that contact's, at that provider.
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "contact", "provider"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        # The form has validated; the services write (crm/services/integrations.py).
        fields = services.INTEGRATION_UPDATABLE_FIELDS
        if not change:
            integration = services.contact_integration_create(
                contact=obj.contact,
                provider=obj.provider,
                **{field: getattr(obj, field) for field in fields},
            )
            vars(obj).update(vars(integration))
            return
        data = {field: getattr(obj, field) for field in form.changed_data if field in fields}
        if data:
            services.contact_integration_update(integration=obj, data=data)
        obj.refresh_from_db()


# Notes, appointments, messages, tasks ----------------------------------------------------------


class ContactRecordAdmin(WorkspaceAdmin):
    """The organization is always the contact's; it is shown, never typed."""

    list_select_related = ["contact", "organization"]
    list_filter = [ORGANIZATION_FILTER]
    autocomplete_fields = ["contact"]
    readonly_fields = ["organization", "created_at", "updated_at"]
    search_fields = ["contact__name", "contact__email"]

    def save_model(self, request, obj, form, change):
        obj.organization_id = obj.contact.organization_id
        super().save_model(request, obj, form, change)


def _run_service(modeladmin, request, queryset, service, argument: str, done: str) -> None:
    succeeded, failed = 0, []
    for obj in queryset:
        try:
            service(**{argument: obj})
            succeeded += 1
        except ValidationError as exc:
            failed.append(f"{obj}: {' '.join(exc.messages)}")
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)
    for message in failed:
        modeladmin.message_user(request, message, messages.ERROR)


@admin.register(ContactNote)
class ContactNoteAdmin(ContactRecordAdmin):
    list_display = ["__str__", "contact", "author", "created_at"]
    list_select_related = ["contact", "organization", "author"]
    search_fields = ["content", "contact__name"]
    # The author is whoever wrote the note: never typed.
    readonly_fields = ["organization", "author", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        note = services.contact_note_create(
            contact=obj.contact, content=obj.content, author=request.user
        )
        vars(obj).update(vars(note))


class AppointmentOwnerFilter(admin.SimpleListFilter):
    """ "My appointments" without listing every staff member."""

    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("me", "Mine"), ("nobody", "No owner")]

    def queryset(self, request, queryset):
        match self.value():
            case "me":
                return queryset.filter(owner=request.user)
            case "nobody":
                return queryset.filter(owner__isnull=True)
        return queryset


class StaffPickerAdminMixin:
    """The staff picker of a record (``staff_picker_field``) offers who may work for any of the
    signed-in member's organizations (the task assignee rule, ``selectors.task_assignees``);
    the form narrows it to the record's organization. The add page picks the member."""

    staff_picker_field = ""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.staff_picker_field:
            kwargs["queryset"] = selectors.task_assignees(
                organization_ids=organization_ids_for(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        field = self.staff_picker_field
        assignees = selectors.task_assignees(organization_ids=organization_ids_for(request.user))
        if field not in initial and assignees.filter(pk=request.user.pk).exists():
            initial[field] = request.user.pk
        return initial


def _reminder_outcome(reminder: AppointmentReminder, statuses: set[str]) -> str:
    """In words: what became of a reminder (``statuses``: its outbox emails' statuses)."""
    if reminder.status == AppointmentReminder.Status.PENDING:
        return ""
    if reminder.status == AppointmentReminder.Status.SKIPPED:
        return reminder.note
    states = []
    if OutboxEmail.Status.SENT in statuses:
        states.append("taken by the mail server")
    if OutboxEmail.Status.FAILED in statuses:
        states.append("refused for an address (see the email outbox)")
    if statuses & {OutboxEmail.Status.PENDING, OutboxEmail.Status.SENDING}:
        states.append("waiting in the email outbox")
    return f"To {reminder.recipients}: {', '.join(states) or 'no email left in the outbox'}."


def appointment_reminders_table(appointment: Appointment) -> str:
    """The appointment's reminders, upcoming and sent, as a small read-only table (two
    queries: the reminders, then their emails' statuses in the outbox)."""
    reminders = list(AppointmentReminder.objects.filter(appointment=appointment))
    if not reminders:
        return "None: reminders are armed for an upcoming appointment when it is saved."
    statuses: dict[str, set[str]] = {}
    for origin_id, status in OutboxEmail.objects.filter(
        origin_label=APPOINTMENT_REMINDER_ORIGIN,
        origin_id__in=[str(reminder.pk) for reminder in reminders],
    ).values_list("origin_id", "status"):
        statuses.setdefault(origin_id, set()).add(status)
    tz = zone(appointment.timezone, appointment.contact.timezone)
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                lead_time_words(reminder.minutes_before),
                format_local(reminder.due_at, tz),
                reminder.get_status_display(),
                format_local(reminder.sent_at, tz) if reminder.sent_at else "",
                _reminder_outcome(reminder, statuses.get(str(reminder.pk), set())),
            )
            for reminder in reminders
        ),
    )
    return format_html(
        '<table class="appointment-reminders"><thead><tr><th>When</th><th>Due</th>'
        "<th>Status</th><th>Sent at</th><th>Outcome</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


@admin.register(Appointment)
class AppointmentAdmin(StaffPickerAdminMixin, ContactRecordAdmin):
    list_display = ["title", "contact", "start_time", "end_time", "status", "owner", "location"]
    list_filter = [
        AppointmentStartFilter,
        "status",
        AppointmentOwnerFilter,
        ORGANIZATION_FILTER,
        "calendar_provider",
    ]
    list_select_related = ["contact", "organization", "owner"]
    search_fields = ["title", "location", "contact__name", "contact__email"]
    # Status moves only through the actions (the services know the allowed transitions);
    # reminder_sent only by the reminders themselves.
    readonly_fields = [
        "organization",
        "status",
        "reminder_sent",
        "reminder_list",
        "created_at",
        "updated_at",
    ]
    actions = ["confirm", "cancel", "complete"]
    form = AppointmentAdminForm
    staff_picker_field = "owner"

    @admin.display(description="reminders")
    def reminder_list(self, appointment: Appointment) -> str:
        # A read-only field, not an inline: nothing of it is posted with the form.
        if appointment._state.adding:
            return "Armed when the appointment is saved (APPOINTMENT_REMINDER_MINUTES)."
        return appointment_reminders_table(appointment)

    def get_urls(self):
        return [
            path(
                "calendar/",
                self.admin_site.admin_view(self.calendar_view),
                name="crm_appointment_calendar",
            ),
            *super().get_urls(),
        ]

    def get_changeform_initial_data(self, request):
        # The calendar's and the contact page's "add appointment" links prefill the start (with
        # its UTC offset), the duration, the contact and its time zone; a value that is not
        # understood, or a contact the user may not see, is left out rather than failing.
        initial = super().get_changeform_initial_data(request)
        initial.pop("start_time", None)
        initial.pop("end_time", None)
        initial.pop("duration", None)
        initial.update(appointment_calendar.prefilled_times(request.GET))
        contact_id = initial.pop("contact", None)
        if contact_id:
            contact = self._visible_contact(request, contact_id)
            if contact is not None:
                initial["contact"] = contact.pk
        if "timezone" in initial and not appointment_calendar.known_zone(initial["timezone"]):
            del initial["timezone"]
        return initial

    def _visible_contact(self, request, contact_id) -> Contact | None:
        try:
            return Contact.objects.for_user(request.user).filter(pk=contact_id).first()
        except (ValidationError, ValueError):
            return None

    def add_view(self, request, form_url="", extra_context=None):
        if request.method == "GET":
            self._explain_prefilled_start(request)
        return super().add_view(request, form_url, extra_context)

    def _explain_prefilled_start(self, request) -> None:
        """Say on which clocks a start prefilled for another time zone was 09:00."""
        zone = appointment_calendar.known_zone(request.GET.get("timezone", ""))
        start = appointment_calendar.prefilled_times(request.GET).get("start_time")
        here = timezone.get_current_timezone()
        if zone is None or start is None or zone.key == timezone.get_current_timezone_name():
            return
        there = timezone.localtime(start, zone)
        self.message_user(
            request,
            f"The start is {there:%H:%M} on {there:%a} {there.day} {there:%b %Y} in {zone.key} (the contact's "
            f"time zone), shown below on this admin's clocks ({here.key}): "
            f"{timezone.localtime(start, here):%H:%M}.",
            messages.INFO,
        )

    def calendar_view(self, request):
        """A week or a month of appointments, by owner and organization, in the user's scope."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        user = request.user
        zone = timezone.get_current_timezone()
        today = timezone.localdate()
        owners = list(
            selectors.task_assignees(organization_ids=organization_ids_for(user)).only(
                "pk", "username", "first_name", "last_name"
            )
        )
        organizations = list(Organization.objects.for_user(user).order_by("name").only("name"))
        query = appointment_calendar.parse_calendar_query(
            request.GET,
            today=today,
            owner_ids={str(owner.pk) for owner in owners},
            organization_ids={str(organization.pk) for organization in organizations},
        )
        first, end = appointment_calendar.period_days(query.view, query.day)
        owner = query.owner
        if owner == appointment_calendar.ME:
            owner = user.pk
        elif owner not in (selectors.ANY_OWNER, selectors.NO_OWNER):
            owner = int(owner)
        appointments = selectors.appointment_calendar(
            user=user,
            start=appointment_calendar.at(first, time.min, zone),
            end=appointment_calendar.at(end, time.min, zone),
            owner=owner,
            organization_id=query.organization or None,
            limit=selectors.CALENDAR_LIMIT,
        )
        more = len(appointments) > selectors.CALENDAR_LIMIT
        calendar_url = reverse("admin:crm_appointment_calendar")

        def add_url(day):
            start = appointment_calendar.at(day, appointment_calendar.DEFAULT_START, zone)
            return appointment_calendar.appointment_add_url(start=start)

        def week_url(day):
            return calendar_url + query.params(view=appointment_calendar.WEEK, day=day)

        days = appointment_calendar.calendar_days(
            view=query.view,
            day=query.day,
            today=today,
            appointments=appointments[: selectors.CALENDAR_LIMIT],
            zone=zone,
            add_url=add_url if self.has_add_permission(request) else None,
            week_url=week_url,
        )
        previous, following = appointment_calendar.neighbours(query.view, query.day)
        if query.view == appointment_calendar.MONTH:
            title = f"Appointments: {query.day:%B %Y}"
        else:
            title = f"Appointments: week of {first:%a} {first.day} {first:%b %Y}"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "query": query,
            "days": days,
            "weeks": appointment_calendar.weeks(days),
            "weekdays": [day.day for day in days[:7]],
            "is_month": query.view == appointment_calendar.MONTH,
            "zone_name": timezone.get_current_timezone_name(),
            "owners": owners,
            "organizations": organizations,
            "more": more,
            "limit": selectors.CALENDAR_LIMIT,
            "links": {
                "previous": calendar_url + query.params(day=previous)
                if appointment_calendar.in_range(previous)
                else "",
                "next": calendar_url + query.params(day=following)
                if appointment_calendar.in_range(following)
                else "",
                "today": calendar_url + query.params(day=None),
                "week": calendar_url + query.params(view=appointment_calendar.WEEK),
                "month": calendar_url + query.params(view=appointment_calendar.MONTH),
                "list": reverse("admin:crm_appointment_changelist"),
            },
        }
        return TemplateResponse(request, "admin/crm/appointment/calendar.html", context)

    def get_readonly_fields(self, request, obj=None):
        # An appointment stays with its contact (and so its organization and owner rule).
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "contact"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        # The form has run the services' checks; the services write.
        if not change:
            appointment = services.appointment_schedule(
                contact=obj.contact,
                **{
                    field: getattr(obj, field)
                    for field in services.APPOINTMENT_UPDATABLE_FIELDS
                    if field in form.fields
                },
            )
            vars(obj).update(vars(appointment))
            return
        data = {
            field: getattr(obj, field)
            for field in form.changed_data
            if field in services.APPOINTMENT_UPDATABLE_FIELDS
        }
        if data:
            services.appointment_update(appointment=obj, data=data)
        obj.refresh_from_db()

    @admin.action(description="Confirm the selected appointments")
    def confirm(self, request, queryset):
        _run_service(
            self, request, queryset, services.appointment_confirm, "appointment", "confirmed"
        )

    @admin.action(description="Cancel the selected appointments")
    def cancel(self, request, queryset):
        _run_service(
            self, request, queryset, services.appointment_cancel, "appointment", "cancelled"
        )

    @admin.action(description="Mark the selected appointments as completed")
    def complete(self, request, queryset):
        _run_service(
            self, request, queryset, services.appointment_complete, "appointment", "completed"
        )


@admin.register(Message)
class MessageAdmin(ContactRecordAdmin):
    list_display = ["__str__", "contact", "status", "sent_at", "delivered_at", "read_at"]
    list_filter = [MessageSentFilter, "direction", "channel", "status", ORGANIZATION_FILTER]
    search_fields = ["content", "external_id", "contact__name", "contact__email"]
    readonly_fields = [
        "organization",
        "status",
        "delivered_at",
        "read_at",
        "created_at",
        "updated_at",
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "channel" and field is not None:
            # This form only records what happened elsewhere; only email leaves the system.
            field.help_text = MESSAGE_CHANNEL_HELP
        return field


# Where staff log a message by hand (the admin form, the API): nothing is sent from there.
MESSAGE_CHANNEL_HELP = (
    "This records a message; it sends nothing. SMS and chat messages are logged, not sent. "
    "To email the contact, use “Send an email” on the contact's page."
)


@admin.register(Task)
class TaskAdmin(StaffPickerAdminMixin, ContactRecordAdmin):
    list_display = ["title", "contact", "status", "priority", "due_date", "assignee"]
    list_filter = ["status", TaskDueFilter, TaskAssigneeFilter, "priority", ORGANIZATION_FILTER]
    list_select_related = ["contact", "organization", "assignee"]
    search_fields = ["title", "contact__name"]
    readonly_fields = [
        "organization",
        "status",
        "completed_at",
        "due_reminder_for",
        "created_at",
        "updated_at",
    ]
    actions = ["start", "complete", "cancel"]
    form = TaskAdminForm
    staff_picker_field = "assignee"

    @admin.action(description="Mark the selected tasks as in progress")
    def start(self, request, queryset):
        _run_service(self, request, queryset, services.task_start, "task", "started")

    @admin.action(description="Mark the selected tasks as completed")
    def complete(self, request, queryset):
        _run_service(self, request, queryset, services.task_complete, "task", "completed")

    @admin.action(description="Cancel the selected tasks")
    def cancel(self, request, queryset):
        _run_service(self, request, queryset, services.task_cancel, "task", "cancelled")
