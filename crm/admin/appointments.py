"""Appointments: the list, the page with its reminders, and the calendar."""

from datetime import time

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.local_time import format_local, zone
from crm import appointment_calendar, selectors, services
from crm.admin.bases import ContactRecordAdmin, StaffPickerAdminMixin, run_service_on_each
from crm.admin.filters import ORGANIZATION_FILTER, AppointmentOwnerFilter, AppointmentStartFilter
from crm.forms import (
    AppointmentAdminForm,
)
from crm.models import (
    Appointment,
    AppointmentReminder,
    Contact,
    Organization,
)
from crm.scoping import organization_ids_for
from crm.services.reminders import APPOINTMENT_REMINDER_ORIGIN, lead_time_words
from outbox.models import OutboxEmail


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
        run_service_on_each(
            self, request, queryset, services.appointment_confirm, "appointment", "confirmed"
        )

    @admin.action(description="Cancel the selected appointments")
    def cancel(self, request, queryset):
        run_service_on_each(
            self, request, queryset, services.appointment_cancel, "appointment", "cancelled"
        )

    @admin.action(description="Mark the selected appointments as completed")
    def complete(self, request, queryset):
        run_service_on_each(
            self, request, queryset, services.appointment_complete, "appointment", "completed"
        )
