"""The contact page around the form: family, lead, sections, timeline, and the quick adds
(note, email, task) that post from it."""

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from crm import appointment_calendar, services
from crm.admin.filters import ParentContactFilter
from crm.contact_sections import contact_page_sections
from crm.forms import (
    ContactEmailForm,
    ContactNoteForm,
    ContactTaskForm,
    email_templates,
)
from crm.models import (
    Contact,
)
from crm.timeline import contact_timeline_lines


class ContactPageMixin:
    """The contact's change page and its quick-add views (ContactAdmin)."""

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
