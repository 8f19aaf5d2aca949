"""Appointment reminders: rows armed by the services, claimed once by the one-minute task,
emailed through the outbox to the contact and the owner in the appointment's time zone."""

import threading
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from crm import services
from crm.models import Appointment, AppointmentReminder
from crm.services.reminders import (
    APPOINTMENT_REMINDER_ORIGIN,
    appointment_reminder_times,
    appointment_reminders_send_due,
)
from crm.tasks import send_due_reminders
from outbox.models import OutboxEmail
from outbox.selectors import due_email_ids
from outbox.tasks import send_outbox_email
from tests.crm.factories import ContactFactory, OrganizationMembershipFactory
from tests.outbox.test_outbox import broker

Status = AppointmentReminder.Status


@contextmanager
def clock(moment):
    """The reminders' clock at ``moment`` (the outbox keeps real time)."""
    with mock.patch("crm.services.reminders.now", return_value=moment):
        yield


def deliver_outbox() -> list[str]:
    """Send every due outbox row as a worker would; return the statuses."""
    return [send_outbox_email(email_id) for email_id in due_email_ids()]


def reminder_emails():
    return OutboxEmail.objects.filter(origin_label=APPOINTMENT_REMINDER_ORIGIN).order_by("id")


def make_appointment(*, start, owner=True, email="asha@example.com", **kwargs):
    contact = ContactFactory(name="Asha Verma", email=email, timezone="Asia/Kolkata")
    staff = None
    if owner:
        staff = OrganizationMembershipFactory(
            organization=contact.organization, user__username="priya", user__email="priya@x.com"
        ).user
    return services.appointment_schedule(
        contact=contact,
        title="Check-up",
        start_time=start,
        end_time=start + timedelta(minutes=30),
        owner=staff,
        **kwargs,
    )


@pytest.fixture
def start():
    # 09:30 in Kolkata, two days ahead, on the minute.
    moment = timezone.now().replace(second=0, microsecond=0) + timedelta(days=2)
    return moment.replace(hour=4, minute=0)


# --- Arming ------------------------------------------------------------------------------------


def test_lead_times_ahead_are_due_at_their_time_and_only_the_last_passed_one_at_once():
    current = timezone.now()
    start = current + timedelta(days=2)
    assert appointment_reminder_times(start_time=start, current=current, minutes=(1440, 60)) == [
        (1440, start - timedelta(minutes=1440)),
        (60, start - timedelta(minutes=60)),
    ]
    soon = current + timedelta(minutes=50)
    assert appointment_reminder_times(start_time=soon, current=current, minutes=(1440, 60)) == [
        (60, current)
    ]
    tomorrow = current + timedelta(hours=5)
    assert appointment_reminder_times(start_time=tomorrow, current=current, minutes=(1440, 60)) == [
        (1440, current),
        (60, tomorrow - timedelta(minutes=60)),
    ]
    assert appointment_reminder_times(start_time=current, current=current, minutes=(60,)) == []


@pytest.mark.django_db
def test_scheduling_arms_one_row_per_lead_time(start, settings):
    appointment = make_appointment(start=start)

    rows = list(
        appointment.reminders.order_by("-minutes_before").values_list(
            "minutes_before", "due_at", "status"
        )
    )
    assert rows == [
        (1440, start - timedelta(days=1), Status.PENDING),
        (60, start - timedelta(hours=1), Status.PENDING),
    ]
    settings.APPOINTMENT_REMINDER_MINUTES = ()
    assert not make_appointment(start=start, owner=False, email="b@example.com").reminders.exists()


@pytest.mark.django_db
def test_the_setting_reads_lead_times_from_the_environment(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import config.settings.base as base

    try:
        monkeypatch.setenv("APPOINTMENT_REMINDER_MINUTES", "30, 2880,30")
        assert importlib.reload(base).APPOINTMENT_REMINDER_MINUTES == (2880, 30)
        monkeypatch.setenv("APPOINTMENT_REMINDER_MINUTES", "")
        assert importlib.reload(base).APPOINTMENT_REMINDER_MINUTES == ()
        for bad in ("an hour", "60,0", "-5"):
            monkeypatch.setenv("APPOINTMENT_REMINDER_MINUTES", bad)
            with pytest.raises(ImproperlyConfigured):
                importlib.reload(base)
    finally:
        monkeypatch.delenv("APPOINTMENT_REMINDER_MINUTES")
        importlib.reload(base)
    assert base.APPOINTMENT_REMINDER_MINUTES == (1440, 60)


# --- Sending once at the lead time -------------------------------------------------------------


@pytest.mark.django_db
def test_each_reminder_goes_once_at_its_lead_time_to_the_contact_and_the_owner(start, mailoutbox):
    appointment = make_appointment(start=start, location="Clinic, room 2")

    for minutes_before in (1441, 1440, 1439, 61, 60, 59, 1):
        with clock(start - timedelta(minutes=minutes_before)):
            appointment_reminders_send_due()
            appointment_reminders_send_due()  # a second tick of the same minute
        if minutes_before == 1441:
            assert not reminder_emails().exists()

    emails = list(reminder_emails().values_list("to", flat=True))
    assert emails == ["asha@example.com", "priya@x.com", "asha@example.com", "priya@x.com"]
    assert {r.minutes_before: r.status for r in appointment.reminders.all()} == {
        1440: Status.SENT,
        60: Status.SENT,
    }
    day_before = appointment.reminders.get(minutes_before=1440)
    assert day_before.sent_at == start - timedelta(minutes=1440)
    assert day_before.recipients == "asha@example.com, priya@x.com"

    deliver_outbox()
    contact_mail = next(m for m in mailoutbox if m.to == ["asha@example.com"])
    owner_mail = next(m for m in mailoutbox if m.to == ["priya@x.com"])
    # 04:00 UTC is 09:30 in Kolkata: the appointment's (here the contact's) time zone.
    assert "09:30 (Asia/Kolkata)" in contact_mail.subject
    assert "Hello Asha Verma" in contact_mail.body
    assert "Location: Clinic, room 2" in contact_mail.body
    assert "starts in 1 day" in contact_mail.body
    assert "with Asha Verma" in owner_mail.subject and "asha@example.com" in owner_mail.body
    assert "&amp;" not in contact_mail.body


@pytest.mark.django_db
def test_times_are_shown_in_the_appointments_own_time_zone(start, mailoutbox):
    appointment = make_appointment(start=start, owner=False, timezone="Europe/London")

    with clock(start - timedelta(minutes=60)):
        appointment_reminders_send_due()
    deliver_outbox()

    assert appointment.timezone == "Europe/London"
    assert [mail.to for mail in mailoutbox] == [["asha@example.com"]]
    local = timezone.localtime(start, timezone=__import__("zoneinfo").ZoneInfo("Europe/London"))
    assert f"{local:%H:%M} (Europe/London)" in mailoutbox[0].subject


@pytest.mark.django_db
def test_a_late_scheduler_sends_only_the_reminder_closest_to_the_start(start):
    appointment = make_appointment(start=start, owner=False)

    with clock(start - timedelta(minutes=30)):  # the workers were down for a day
        assert appointment_reminders_send_due() == 2

    rows = {r.minutes_before: r for r in appointment.reminders.all()}
    assert rows[60].status == Status.SENT
    assert rows[1440].status == Status.SKIPPED
    assert "later reminder" in rows[1440].note
    assert reminder_emails().count() == 1


@pytest.mark.django_db
def test_nobody_to_remind_is_recorded_not_sent(start):
    appointment = make_appointment(start=start, owner=False, email=None)

    with clock(start - timedelta(minutes=60)):
        appointment_reminders_send_due()

    reminder = appointment.reminders.get(minutes_before=60)
    assert reminder.status == Status.SKIPPED
    assert reminder.note.startswith("Nobody to remind")
    assert not reminder_emails().exists()
    appointment.refresh_from_db()
    assert appointment.reminder_sent is False


# --- reminder_sent tells the truth -------------------------------------------------------------


@pytest.mark.django_db
def test_reminder_sent_turns_true_only_when_the_last_reminder_is_taken_by_the_mail_server(start):
    appointment = make_appointment(start=start)

    with clock(start - timedelta(days=1)):
        appointment_reminders_send_due()
    deliver_outbox()
    appointment.refresh_from_db()
    assert appointment.reminder_sent is False  # only the first of two

    with clock(start - timedelta(hours=1)):
        appointment_reminders_send_due()
    appointment.refresh_from_db()
    assert appointment.reminder_sent is False  # written to the outbox, not sent yet
    assert deliver_outbox() == ["sent", "sent"]
    appointment.refresh_from_db()
    assert appointment.reminder_sent is True


@pytest.mark.django_db
def test_reminder_sent_stays_false_when_the_mail_server_refuses_the_last_reminder(start, smtp):
    appointment = make_appointment(start=start, owner=False)
    smtp.replies = ["550 5.1.1 No such mailbox"]

    with clock(start - timedelta(hours=1)):
        appointment_reminders_send_due()
    assert deliver_outbox() == ["failed"]

    appointment.refresh_from_db()
    assert appointment.reminder_sent is False
    assert appointment.reminders.get(minutes_before=60).status == Status.SENT  # it was tried


# --- Reschedule re-arms, cancel stops ----------------------------------------------------------


@pytest.mark.django_db
def test_rescheduling_re_arms_and_withdraws_emails_of_the_old_time(start):
    appointment = make_appointment(start=start)
    with clock(start - timedelta(hours=1)):
        appointment_reminders_send_due()
    assert reminder_emails().filter(status=OutboxEmail.Status.PENDING).count() == 2
    later = start + timedelta(days=3)

    services.appointment_update(
        appointment=appointment, data={"start_time": later, "end_time": later + timedelta(hours=1)}
    )

    assert not reminder_emails().exists()  # the old time's emails never go out
    assert sorted(appointment.reminders.values_list("minutes_before", "due_at", "status")) == [
        (60, later - timedelta(hours=1), Status.PENDING),
        (1440, later - timedelta(days=1), Status.PENDING),
    ]
    appointment.refresh_from_db()
    assert appointment.reminder_sent is False
    with clock(start - timedelta(minutes=30)):
        assert appointment_reminders_send_due() == 0
    with clock(later - timedelta(days=1)):
        assert appointment_reminders_send_due() == 1
    with clock(later - timedelta(hours=1)):
        assert appointment_reminders_send_due() == 1
    assert reminder_emails().count() == 4  # both lead times, contact and owner, once each


@pytest.mark.django_db
def test_changing_other_fields_does_not_re_arm(start):
    appointment = make_appointment(start=start)
    before = set(appointment.reminders.values_list("pk", flat=True))

    services.appointment_update(
        appointment=appointment,
        data={"title": "Cleaning", "end_time": start + timedelta(hours=2), "owner": None},
    )

    assert set(appointment.reminders.values_list("pk", flat=True)) == before


@pytest.mark.django_db
def test_cancelling_stops_what_is_still_to_come_and_keeps_what_was_sent(start):
    appointment = make_appointment(start=start)
    with clock(start - timedelta(days=1)):
        appointment_reminders_send_due()
    deliver_outbox()

    services.appointment_cancel(appointment=appointment)

    assert list(appointment.reminders.values_list("minutes_before", "status")) == [
        (1440, Status.SENT)
    ]
    with clock(start - timedelta(hours=1)):
        assert appointment_reminders_send_due() == 0
    assert reminder_emails().count() == 2


@pytest.mark.django_db
def test_a_reminder_of_an_appointment_no_longer_upcoming_is_skipped(start):
    appointment = make_appointment(start=start)
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.NO_SHOW)

    with clock(start - timedelta(hours=1)):
        appointment_reminders_send_due()

    assert set(appointment.reminders.values_list("status", flat=True)) == {Status.SKIPPED}
    assert not reminder_emails().exists()


@pytest.mark.django_db
def test_a_rolled_back_claim_sends_nothing_and_the_reminder_waits(start):
    appointment = make_appointment(start=start)

    with clock(start - timedelta(hours=1)), pytest.raises(RuntimeError), transaction.atomic():
        appointment_reminders_send_due()
        raise RuntimeError("the worker died mid-batch")

    assert not reminder_emails().exists()
    assert appointment.reminders.get(minutes_before=60).status == Status.PENDING
    with clock(start - timedelta(hours=1)):
        assert appointment_reminders_send_due() == 2  # and the day-before one, skipped


# --- The periodic task -------------------------------------------------------------------------


def test_the_scheduler_runs_the_reminders_every_minute(settings):
    app.loader.import_default_modules()
    schedules = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert "crm.send_due_reminders" in schedules
    assert schedules["crm.send_due_reminders"] == settings.REMINDER_CHECK_SECONDS == 60


@pytest.mark.django_db
def test_the_task_twice_sends_each_reminder_once(start):
    for n in range(3):
        make_appointment(start=start + timedelta(minutes=n), owner=False, email=f"c{n}@x.com")

    with clock(start + timedelta(minutes=5) - timedelta(hours=1)):
        first, second = send_due_reminders(), send_due_reminders()

    assert (first, second) == (6, 0)  # three 60-minute reminders and three skipped day-befores
    assert sorted(reminder_emails().values_list("to", flat=True)) == [
        "c0@x.com",
        "c1@x.com",
        "c2@x.com",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claimers_send_each_reminder_once(postgres_only, start):
    appointments = [
        make_appointment(start=start, owner=False, email=f"p{n}@x.com") for n in range(40)
    ]
    AppointmentReminder.objects.filter(minutes_before=1440).delete()
    barrier = threading.Barrier(2)
    claimed = []
    errors = []

    def claimer():
        try:
            barrier.wait(timeout=10)
            claimed.append(appointment_reminders_send_due(batch_size=5))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    with clock(start - timedelta(hours=1)):
        threads = [threading.Thread(target=claimer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert not errors, errors
    assert sum(claimed) == len(appointments)  # each claimed by exactly one of the two
    recipients = list(reminder_emails().values_list("to", flat=True))
    assert sorted(recipients) == sorted(f"p{n}@x.com" for n in range(40))
    assert not AppointmentReminder.objects.filter(status=Status.PENDING).exists()


# --- Staff see them ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_appointment_page_shows_upcoming_and_sent_reminders(start, admin_client):
    appointment = make_appointment(start=start)
    with clock(start - timedelta(days=1)):
        appointment_reminders_send_due()
    deliver_outbox()

    page = admin_client.get(reverse("admin:crm_appointment_change", args=[appointment.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "1 day before" in html and "1 hour before" in html
    assert "Upcoming" in html and "Sent" in html
    assert "To asha@example.com, priya@x.com: taken by the mail server." in html
    # Read-only: nothing of them is posted with the form.
    assert 'name="reminders-TOTAL_FORMS"' not in html


@pytest.mark.django_db
def test_the_api_shows_the_reminders(start, admin_user):
    from tests.api_support import bearer_client

    appointment = make_appointment(start=start)
    answer = bearer_client(admin_user).get(f"/api/crm/appointments/{appointment.pk}/")

    assert answer.status_code == 200
    assert [(r["minutes_before"], r["status"]) for r in answer.json()["reminders"]] == [
        (1440, "PENDING"),
        (60, "PENDING"),
    ]


# --- End to end: a real SMTP server ------------------------------------------------------------


@pytest.mark.django_db
def test_an_appointment_an_hour_away_reminds_once_over_smtp(
    smtp, django_capture_on_commit_callbacks
):
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=59)
    appointment = make_appointment(start=start, location="Video call")

    with broker("memory://", eager=True), django_capture_on_commit_callbacks(execute=True):
        send_due_reminders.delay()
        send_due_reminders.delay()

    assert sorted(smtp.recipients()) == ["asha@example.com", "priya@x.com"]
    data = "\n".join(message["data"] for message in smtp.messages)
    assert "Asia/Kolkata" in data and "Video call" in data
    appointment.refresh_from_db()
    assert appointment.reminder_sent is True
    assert appointment.reminders.get().minutes_before == 60


@pytest.mark.django_db
def test_staff_who_may_view_the_appointment_see_its_reminders(start, client):
    from tests.api_support import grant

    appointment = make_appointment(start=start)
    sales = OrganizationMembershipFactory(organization=appointment.organization).user
    client.force_login(grant(sales, "crm.view_appointment", "crm.change_appointment"))

    page = client.get(reverse("admin:crm_appointment_change", args=[appointment.pk]))

    assert page.status_code == 200
    assert "1 hour before" in page.content.decode()
