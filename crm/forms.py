"""Forms of the staff workspace: disambiguated pickers, notes and tasks from the contact page,
and the contacts import form."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from import_export.forms import ConfirmImportForm, ImportForm

from crm.import_files import unsign_import_key
from crm.models import Contact, Organization, Tag, Task
from crm.selectors import task_assignees_for
from crm.services.appointments import (
    APPOINTMENT_UPDATABLE_FIELDS,
    appointment_check_owner,
    appointment_check_timezone,
    appointment_check_update,
)
from crm.services.tasks import task_check_assignee


def contact_label(contact: Contact) -> str:
    """Return "Asha Verma — Brightsmile Dental (asha@x.com)": two namesakes never look alike.

    Callers select the organization along (``select_related("organization")``).
    """
    label = f"{contact.name} — {contact.organization.name}"
    return f"{label} ({contact.email})" if contact.email else label


def tag_label(tag: Tag) -> str:
    """Return "vip — Brightsmile Dental"; callers select the organization along."""
    return f"{tag.name} — {tag.organization.name}"


class ContactChoiceField(forms.ModelChoiceField):
    """A contact picker whose options name the organization and email."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset.select_related("organization"), **kwargs)

    def label_from_instance(self, obj: Contact) -> str:
        return contact_label(obj)


class TagChoiceField(forms.ModelChoiceField):
    """A tag picker whose options name the organization."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset.select_related("organization"), **kwargs)

    def label_from_instance(self, obj: Tag) -> str:
        return tag_label(obj)


class ContactNoteForm(forms.Form):
    """A note typed on the contact page; its author is whoever is signed in."""

    content = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )


EMAIL_TEMPLATE_DIR = settings.BASE_DIR / "templates" / "crm" / "email"


def email_templates() -> dict[str, tuple[str, str]]:
    """templates/crm/email/*.txt by name: the first line is the subject, the rest the body."""
    found = {}
    for path in sorted(EMAIL_TEMPLATE_DIR.glob("*.txt")):
        subject, _, body = path.read_text(encoding="utf-8").partition("\n")
        found[path.stem] = (subject.strip(), body.strip())
    return found


class ContactEmailForm(forms.Form):
    """An email written on the contact page; it goes out through the outbox."""

    subject = forms.CharField(max_length=255)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=100_000)


class ContactTaskForm(forms.Form):
    """A task created from the contact page."""

    title = forms.CharField(max_length=200)
    due_date = forms.DateTimeField(
        required=False,
        label="Due",
        help_text="e.g. 2026-12-24 17:00",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    priority = forms.ChoiceField(choices=Task.Priority.choices, initial=Task.Priority.MEDIUM)
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Nobody yet"
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
    )

    def __init__(self, *args, contact: Contact, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only who may be given a task of the contact's organization (the service's rule);
        # the signed-in staff member by default, when they are among them.
        assignees = task_assignees_for(organization_id=contact.organization_id)
        self.fields["assignee"].queryset = assignees
        if user is not None and not self.is_bound and assignees.filter(pk=user.pk).exists():
            self.initial.setdefault("assignee", user.pk)


class StaffPickerAdminForm(forms.ModelForm):
    """An admin form with one staff picker (``staff_field``) that offers only who may work for
    the record's organization (``task_assignees``); ``check_staff``, the service's own check,
    decides for the contact picked."""

    staff_field = ""

    def check_staff(self, user, organization_id) -> None:
        raise NotImplementedError

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.staff_field in self.fields and self.instance.organization_id:
            field = self.fields[self.staff_field]
            field.queryset = task_assignees_for(organization_id=self.instance.organization_id)
            widget = field.widget
            while hasattr(widget, "widget"):  # the admin's "+ add" wrapper keeps its own copy
                widget = widget.widget
                widget.choices = field.choices

    def record_organization_id(self, cleaned: dict):
        contact = cleaned.get("contact")
        return contact.organization_id if contact else self.instance.organization_id

    def clean(self):
        cleaned = super().clean()
        organization_id = self.record_organization_id(cleaned)
        field = self.staff_field
        if field in self.fields and organization_id and not self.has_error(field):
            try:
                self.check_staff(cleaned.get(field), organization_id)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class TaskAdminForm(StaffPickerAdminForm):
    """The task admin's form: the assignee picker offers only who may be given the task
    (``task_assignees``), and the service's rule decides for the contact picked."""

    staff_field = "assignee"

    def check_staff(self, user, organization_id) -> None:
        task_check_assignee(assignee=user, organization_id=organization_id)


class AppointmentAdminForm(StaffPickerAdminForm):
    """The appointment admin's form: the owner picker as for task assignees, and the checks of
    the appointment services (time zone, owner, what may be rescheduled) before they write."""

    staff_field = "owner"

    def check_staff(self, user, organization_id) -> None:
        appointment_check_owner(owner=user, organization_id=organization_id)

    def clean(self):
        cleaned = super().clean()
        if "timezone" in cleaned and not self.has_error("timezone"):
            try:
                appointment_check_timezone(timezone=cleaned["timezone"].strip())
            except ValidationError as exc:
                self.add_error(None, exc)
        if not self.instance._state.adding and not self.errors:
            # The instance still holds the stored values here (the form fills it in later).
            data = {
                field: cleaned[field]
                for field in self.changed_data
                if field in APPOINTMENT_UPDATABLE_FIELDS and field in cleaned
            }
            try:
                appointment_check_update(appointment=self.instance, data=data)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class OrganizationChoiceMixin(forms.Form):
    """The one organization an import goes into, among those the staff member works for."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        help_text="Every row is created in, or matched against, this organization.",
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations


class ContactImportForm(OrganizationChoiceMixin, ImportForm):
    """Step one of a contacts import: the file, its format and the organization."""


class ContactConfirmImportForm(OrganizationChoiceMixin, ConfirmImportForm):
    """Step two: the same organization travels with the stored file."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), widget=forms.HiddenInput
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_import_file_name(self):
        # A signed token of the stored file's key and its uploader (crm/import_files.py),
        # never a name or path from the browser.
        return unsign_import_key(self.cleaned_data["import_file_name"], self.user)


class BulkTagForm(forms.Form):
    """The tag a bulk action puts on, or takes off, the selected contacts."""

    name = forms.CharField(label="Tag", max_length=Tag._meta.get_field("name").max_length)
