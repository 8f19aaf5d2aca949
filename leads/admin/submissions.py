"""What visitors sent, read-only: events, answers, early-access requests, contact messages (with replies), page sessions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from leads.admin.bases import SubmissionAdmin
from leads.admin.filters import ChoiceKeyFilter, PreferredPropertyTypeFilter
from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    PageSession,
    PropertyType,
)
from leads.replies import (
    REPLY_BODY_MAX_LENGTH,
    REPLY_SUBJECT_MAX_LENGTH,
    contact_message_reply,
    reply_subject,
    reply_text,
)
from leads.selectors import (
    contact_message_replies,
    early_access_requests_with_property_type,
)
from leads.services import (
    contact_message_mark_not_responded,
    contact_message_mark_responded,
)


@admin.register(LeadEvent)
class LeadEventAdmin(SubmissionAdmin):
    list_display = ["event_type", "lead_email", "created_at"]
    list_filter = ["event_type", "environment"]
    search_fields = ["^lead__email"]
    search_help_text = "Lead email starting with…"


@admin.register(ChoicesResponse)
class ChoicesResponseAdmin(SubmissionAdmin):
    list_display = ["choice_key", "choice_value", "lead_email", "created_at"]
    list_filter = [ChoiceKeyFilter, "environment"]
    search_fields = ["^lead__email", "=choice_value"]
    search_help_text = "Lead email starting with…, or an exact answer."


@admin.register(EarlyAccessRequest)
class EarlyAccessRequestAdmin(SubmissionAdmin):
    list_display = [
        "lead_email",
        "intent_level",
        "investment_range",
        "property_type",
        "city",
        "created_at",
    ]
    list_filter = ["intent_level", "investment_range", PreferredPropertyTypeFilter, "environment"]
    search_fields = ["^lead__email", "lead__name", "^city"]
    search_help_text = "Lead email or city starting with…, or part of the lead's name."
    readonly_fields = ["property_type"]

    def get_queryset(self, request):
        return early_access_requests_with_property_type(super().get_queryset(request))

    @admin.display(description="preferred property type")
    def property_type(self, request_row: EarlyAccessRequest) -> str:
        value = getattr(request_row, "preferred_property_type", "")
        try:
            return PropertyType(value).label
        except ValueError:
            return value or "—"


class ContactMessageReplyForm(forms.Form):
    """A reply to a visitor, typed on the contact message's page."""

    subject = forms.CharField(max_length=REPLY_SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label="Reply",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=REPLY_BODY_MAX_LENGTH,
        help_text="The visitor's message is quoted below your reply.",
    )


@admin.register(ContactMessage)
class ContactMessageAdmin(SubmissionAdmin):
    list_display = ["subject_or_start", "lead_email", "responded", "created_at", "reply"]
    list_filter = ["responded", "environment"]
    search_fields = ["^lead__email", "lead__name", "subject"]
    search_help_text = "Lead email starting with…, or part of the lead's name or the subject."
    actions = ["mark_responded", "mark_not_responded"]

    def has_mark_responded_permission(self, request) -> bool:
        # Support (and Managers): mark messages responded and reply to them.
        return request.user.has_perm("leads.mark_responded_contactmessage")

    def get_list_display(self, request):
        if self.has_mark_responded_permission(request):
            return self.list_display
        return [name for name in self.list_display if name != "reply"]

    @admin.display(description="subject", ordering="subject")
    def subject_or_start(self, message: ContactMessage) -> str:
        return message.subject or message.message[:60]

    @admin.display(description="reply")
    def reply(self, message: ContactMessage) -> str:
        return format_html(
            '<a href="{}">Reply</a>', reverse("admin:leads_contactmessage_reply", args=[message.pk])
        )

    def _set_responded(self, request, queryset, responded: bool) -> int:
        by = request.user.get_username()
        changed = 0
        for message in queryset.filter(responded=not responded):
            if responded:
                contact_message_mark_responded(message=message, by=by, user=request.user)
            else:
                contact_message_mark_not_responded(message=message, by=by)
            changed += 1
        return changed

    @admin.action(description="Mark selected messages as responded", permissions=["mark_responded"])
    def mark_responded(self, request: HttpRequest, queryset: QuerySet[ContactMessage]) -> None:
        count = self._set_responded(request, queryset, True)
        self.message_user(request, f"{count} message(s) marked as responded.", messages.SUCCESS)

    @admin.action(
        description="Mark selected messages as not responded", permissions=["mark_responded"]
    )
    def mark_not_responded(self, request: HttpRequest, queryset: QuerySet[ContactMessage]) -> None:
        count = self._set_responded(request, queryset, False)
        self.message_user(request, f"{count} message(s) marked as not responded.", messages.SUCCESS)

    def _reply_form(self, message: ContactMessage, data=None) -> ContactMessageReplyForm:
        return ContactMessageReplyForm(data, initial={"subject": reply_subject(message)})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_mark_responded"] = self.has_mark_responded_permission(request)
        if obj is not None:
            context["replies"] = contact_message_replies(message=obj)
            if context["can_mark_responded"]:
                context["reply_form"] = self._reply_form(obj)
                context["reply_url"] = reverse("admin:leads_contactmessage_reply", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/responded/",
                self.admin_site.admin_view(self.responded_view),
                name="leads_contactmessage_responded",
            ),
            path(
                "<path:object_id>/reply/",
                self.admin_site.admin_view(self.reply_view),
                name="leads_contactmessage_reply",
            ),
            *super().get_urls(),
        ]

    def responded_view(self, request: HttpRequest, object_id: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_mark_responded_permission(request):
            raise PermissionDenied
        message = get_object_or_404(self.get_queryset(request), pk=object_id)
        responded = request.POST.get("responded") == "1"
        self._set_responded(request, ContactMessage.objects.filter(pk=message.pk), responded)
        self.message_user(
            request,
            "Marked as responded." if responded else "Marked as not responded.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:leads_contactmessage_change", args=[message.pk]))

    def reply_view(self, request: HttpRequest, object_id: str):
        """Answer the visitor by email (leads.replies): the form, then the outbox."""
        if not self.has_mark_responded_permission(request):
            raise PermissionDenied
        # Scoped like every page of the lead admin: another organization's lead is not found.
        message = self.get_object(request, unquote(object_id))
        if message is None:
            raise Http404("No such contact message.")
        form = self._reply_form(message, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                contact_message_reply(message=message, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(
                    request,
                    f"Reply to {message.lead.email} queued: the lead's timeline shows it as sent "
                    "once the mail server takes it.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:leads_contactmessage_change", args=[message.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Reply to {message.lead.email}",
            "original": message,
            "form": form,
            "quoted": reply_text(body="", message=message).strip(),
            "message_url": reverse("admin:leads_contactmessage_change", args=[message.pk]),
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request, "admin/leads/contactmessage/reply.html", context, status=status
        )


@admin.register(PageSession)
class PageSessionAdmin(SubmissionAdmin):
    list_display = ["page", "utm_source", "utm_campaign", "referrer", "lead_email", "created_at"]
    list_filter = ["environment"]
    search_fields = ["^page", "^utm_source", "^utm_campaign", "^lead__email"]
    search_help_text = "Page, UTM source or campaign, or lead email starting with…"
