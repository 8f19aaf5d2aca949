"""The morning digest: at about 07:00 in their own time zone, once a day (the database says
so), only for staff who asked for it; their preferences page; task reminders in their zone."""

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.models import StaffPreference
from accounts.services import staff_preference_set
from config.celery import app
from crm import services
from crm.models import Appointment, Task
from crm.services.reminders import task_reminders_send_due
from outbox.models import OutboxEmail
from tests.api_support import grant
from tests.crm.factories import (
    AppointmentFactory,
    ContactFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
    TaskFactory,
)
from tests.crm.test_reminders import clock, deliver_outbox
from tests.leads.factories import ContactMessageFactory, UsersLeadFactory
from workspace.digest import ORIGIN_LABEL, morning_digests_send
from workspace.models import MorningDigest

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")


def at_kolkata(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=KOLKATA).astimezone(UTC)


def digests():
    return OutboxEmail.objects.filter(origin_label=ORIGIN_LABEL).order_by("id")


@pytest.fixture
def priya():
    membership = OrganizationMembershipFactory(
        user__username="priya", user__email="priya@x.com", user__first_name="Priya"
    )
    user = grant(membership.user, "leads.view_contactmessage")
    staff_preference_set(user=user, morning_digest=True, timezone="Asia/Kolkata")
    return user


@pytest.fixture
def her_day(priya):
    """Priya's work on 7 December 2026 (Kolkata), and what is not hers or not that day."""
    organization = priya.organization_memberships.get().organization
    contact = ContactFactory(organization=organization, name="Asha Verma")
    created = at_kolkata(1, 9)

    def task(title, due, **kwargs):
        return TaskFactory(contact=contact, title=title, due_date=due, created_at=created, **kwargs)

    task("Send the quote", at_kolkata(6, 17), assignee=priya, priority=Task.Priority.HIGH)
    task("Call back", at_kolkata(7, 15, 30), assignee=priya)
    task("Tomorrow's call", at_kolkata(8, 10), assignee=priya)
    task("Someone else's", at_kolkata(6, 17), assignee=StaffUserFactory())
    task("Done already", at_kolkata(6, 17), assignee=priya, status=Task.Status.CANCELLED)
    AppointmentFactory(
        contact=contact,
        title="Check-up",
        start_time=at_kolkata(7, 11),
        end_time=at_kolkata(7, 11, 30),
        location="Room 2",
        owner=priya,
    )
    AppointmentFactory(  # nobody's, in her organization
        contact=contact, title="Walk-in", start_time=at_kolkata(7, 16), end_time=at_kolkata(7, 17)
    )
    AppointmentFactory(  # another organization's
        title="Elsewhere", start_time=at_kolkata(7, 12), end_time=at_kolkata(7, 13)
    )
    AppointmentFactory(
        contact=contact,
        title="Cancelled one",
        start_time=at_kolkata(7, 12),
        end_time=at_kolkata(7, 13),
        owner=priya,
        status=Appointment.Status.CANCELLED,
    )
    ContactMessageFactory(
        lead=UsersLeadFactory(email="meera@example.com", name="Meera Iyer"),
        subject="Pricing",
        created_at=at_kolkata(6, 20),
    )
    return contact


def test_the_digest_goes_once_at_seven_her_time(priya, her_day, mailoutbox):
    assert morning_digests_send(at=at_kolkata(7, 6, 59)) == 0
    assert morning_digests_send(at=at_kolkata(7, 7, 0)) == 1
    assert morning_digests_send(at=at_kolkata(7, 7, 1)) == 0
    assert morning_digests_send(at=at_kolkata(7, 11, 59)) == 0

    assert list(digests().values_list("to", flat=True)) == ["priya@x.com"]
    assert MorningDigest.objects.get().local_date.isoformat() == "2026-12-07"
    deliver_outbox()
    mail = mailoutbox[0]
    assert mail.subject == "Your day, Monday 7 December 2026: 5 items"
    body = mail.body
    assert "Good morning Priya" in body and "(times in Asia/Kolkata)" in body
    assert (
        "Overdue tasks (1):\n  - Send the quote (Asha Verma), due Sunday 6 December 2026, 17:00 (Asia/Kolkata), high priority"
        in body
    )
    assert "Tasks due today (1):\n  - Call back (Asha Verma)" in body
    assert "Today's appointments (2):\n  - 11:00 to 11:30: Check-up with Asha Verma, Room 2" in body
    assert "16:00 to 17:00: Walk-in" in body
    assert (
        "Contact messages awaiting a reply (1):\n  - Meera Iyer <meera@example.com> “Pricing”"
        in body
    )
    for absent in (
        "Tomorrow's call",
        "Someone else's",
        "Done already",
        "Elsewhere",
        "Cancelled one",
    ):
        assert absent not in body
    assert "&lt;" not in body


def test_the_next_day_gets_its_own_digest_and_a_missed_morning_is_skipped(priya, her_day):
    morning_digests_send(at=at_kolkata(7, 7))
    assert morning_digests_send(at=at_kolkata(8, 7, 2)) == 1
    assert morning_digests_send(at=at_kolkata(9, 12, 0)) == 0  # noon: too late for a morning

    assert list(
        MorningDigest.objects.order_by("local_date").values_list("local_date", flat=True)
    ) == [
        datetime(2026, 12, 7).date(),
        datetime(2026, 12, 8).date(),
    ]
    assert digests().count() == 2


def test_each_staff_member_at_seven_in_their_own_time_zone(priya, her_day):
    york = StaffUserFactory(username="york", email="york@x.com")
    staff_preference_set(user=york, morning_digest=True, timezone="America/New_York")
    TaskFactory(assignee=york, due_date=at_kolkata(6, 1), created_at=at_kolkata(1, 1))

    seven_in_kolkata = at_kolkata(7, 7)  # 20:30 the day before in New York
    seven_in_new_york = datetime(2026, 12, 7, 7, tzinfo=ZoneInfo("America/New_York"))

    assert morning_digests_send(at=seven_in_kolkata) == 1
    assert morning_digests_send(at=seven_in_new_york) == 1
    assert list(digests().values_list("to", flat=True)) == ["priya@x.com", "york@x.com"]


def test_only_staff_who_opted_in_get_one(priya, her_day):
    organization = priya.organization_memberships.get().organization
    others = {
        "not asked": StaffUserFactory(username="quiet"),
        "asked, then stopped": StaffUserFactory(username="stopped"),
        "inactive": StaffUserFactory(username="gone", is_active=False),
        "no email": StaffUserFactory(username="mailless", email=""),
        "not staff": StaffUserFactory(username="customer", is_staff=False),
    }
    for user in others.values():
        OrganizationMembershipFactory(organization=organization, user=user)
        TaskFactory(assignee=user, due_date=at_kolkata(6, 9), created_at=at_kolkata(1, 9))
    for name, user in others.items():
        if name != "not asked":
            staff_preference_set(user=user, morning_digest=True, timezone="Asia/Kolkata")
    staff_preference_set(user=others["asked, then stopped"], morning_digest=False)

    morning_digests_send(at=at_kolkata(7, 7))

    assert list(digests().values_list("to", flat=True)) == ["priya@x.com"]
    assert list(MorningDigest.objects.values_list("user__username", flat=True)) == ["priya"]


def test_a_day_with_nothing_to_report_is_recorded_and_sends_nothing(priya):
    assert morning_digests_send(at=at_kolkata(7, 7)) == 1
    assert morning_digests_send(at=at_kolkata(7, 8)) == 0

    assert not digests().exists()
    assert MorningDigest.objects.get().item_count == 0


def test_the_database_allows_one_digest_per_user_and_day(priya):
    MorningDigest.objects.create(user=priya, local_date=datetime(2026, 12, 7).date())
    with pytest.raises(IntegrityError), transaction.atomic():
        MorningDigest.objects.create(user=priya, local_date=datetime(2026, 12, 7).date())


def test_the_scheduler_checks_the_digests_every_minute(settings):
    app.loader.import_default_modules()
    schedules = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedules["workspace.send_morning_digests"] == settings.REMINDER_CHECK_SECONDS


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_send_one_digest(postgres_only, priya, her_day):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sender():
        try:
            barrier.wait(timeout=10)
            results.append(morning_digests_send(at=at_kolkata(7, 7)))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert sorted(results) == [0, 1]
    assert digests().count() == 1


# --- Preferences -------------------------------------------------------------------------------


def test_staff_set_their_own_preferences(client):
    user = StaffUserFactory(username="sam")
    client.force_login(user)
    url = reverse("admin:preferences")

    page = client.get(url)
    assert page.status_code == 200
    assert "Send me a morning digest" in page.content.decode()
    assert url in client.get(reverse("admin:index")).content.decode()  # in every page's header

    bad = client.post(url, {"morning_digest": "on", "timezone": "Mars/Olympus"})
    assert bad.status_code == 400
    assert not StaffPreference.objects.exists()

    saved = client.post(url, {"morning_digest": "on", "timezone": "Europe/London"})
    assert saved.status_code == 302
    preference = StaffPreference.objects.get(user=user)
    assert (preference.morning_digest, preference.timezone) == (True, "Europe/London")
    client.post(url, {"timezone": ""})
    preference.refresh_from_db()
    assert (preference.morning_digest, preference.timezone) == (False, "")


def test_preferences_and_digests_go_with_the_staff_account(priya, her_day):
    morning_digests_send(at=at_kolkata(7, 7))

    get_user_model().objects.filter(pk=priya.pk).delete()

    assert not StaffPreference.objects.exists()
    assert not MorningDigest.objects.exists()


# --- Reminders in the staff member's time zone -------------------------------------------------


def test_task_reminders_show_the_due_time_in_the_assignees_zone(priya, mailoutbox):
    contact = ContactFactory(organization=priya.organization_memberships.get().organization)
    due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=2)
    services.task_create(contact=contact, title="Call", due_date=due, assignee=priya)

    with clock(due):
        task_reminders_send_due()
    deliver_outbox()

    assert f"{due.astimezone(KOLKATA):%H:%M} (Asia/Kolkata)" in mailoutbox[0].body


def test_an_owner_in_another_zone_sees_their_own_time_too(priya, mailoutbox):
    staff_preference_set(user=priya, morning_digest=False, timezone="Europe/London")
    contact = ContactFactory(
        organization=priya.organization_memberships.get().organization, timezone="Asia/Kolkata"
    )
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2)
    services.appointment_schedule(
        contact=contact,
        title="Visit",
        start_time=start,
        end_time=start + timedelta(hours=1),
        owner=priya,
    )

    with clock(start - timedelta(hours=1)):
        from crm.services.reminders import appointment_reminders_send_due

        appointment_reminders_send_due()
    deliver_outbox()

    owner_mail = next(m for m in mailoutbox if m.to == ["priya@x.com"])
    london = start.astimezone(ZoneInfo("Europe/London"))
    assert "Your time: " in owner_mail.body
    assert f"{london:%H:%M} (Europe/London)" in owner_mail.body
