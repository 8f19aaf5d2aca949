"""A task reminds its assignee once when it falls due (a marker on the task, the same claim
pattern as appointment reminders)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import Task
from crm.services.reminders import TASK_REMINDER_ORIGIN, task_reminders_send_due
from crm.tasks import send_due_reminders
from outbox.models import OutboxEmail
from tests.crm.factories import ContactFactory, OrganizationMembershipFactory, TaskFactory
from tests.crm.test_reminders import clock, deliver_outbox

pytestmark = pytest.mark.django_db


def task_emails():
    return OutboxEmail.objects.filter(origin_label=TASK_REMINDER_ORIGIN).order_by("id")


@pytest.fixture
def contact():
    return ContactFactory(name="Asha Verma", email="asha@example.com")


@pytest.fixture
def assignee(contact):
    return OrganizationMembershipFactory(
        organization=contact.organization, user__username="priya", user__email="priya@x.com"
    ).user


def due_task(contact, assignee, *, in_minutes=30, **kwargs):
    due = timezone.now().replace(microsecond=0) + timedelta(minutes=in_minutes)
    return services.task_create(
        contact=contact, title="Call back", due_date=due, assignee=assignee, **kwargs
    )


def test_a_task_reminds_its_assignee_once_when_due(contact, assignee, mailoutbox):
    task = due_task(contact, assignee, priority=Task.Priority.HIGH)

    with clock(task.due_date - timedelta(minutes=1)):
        assert task_reminders_send_due() == 0
    for later in (0, 0, 1, 60):
        with clock(task.due_date + timedelta(minutes=later)):
            task_reminders_send_due()

    assert list(task_emails().values_list("to", flat=True)) == ["priya@x.com"]
    task.refresh_from_db()
    assert task.due_reminder_for == task.due_date
    deliver_outbox()
    assert mailoutbox[0].subject == "Task due: Call back (Asha Verma)"
    assert "high priority" in mailoutbox[0].body and "asha@example.com" in mailoutbox[0].body


def test_no_reminder_without_an_assignee_or_once_the_task_is_closed(contact, assignee):
    nobody = due_task(contact, None)
    done = due_task(contact, assignee)
    services.task_complete(task=done)
    cancelled = due_task(contact, assignee)
    services.task_cancel(task=cancelled)
    no_date = services.task_create(contact=contact, title="Someday", assignee=assignee)

    with clock(timezone.now() + timedelta(hours=1)):
        assert task_reminders_send_due() == 0

    assert not task_emails().exists()
    assert not Task.objects.filter(due_reminder_for__isnull=False).exists()
    assert {nobody.pk, done.pk, cancelled.pk, no_date.pk} == set(
        Task.objects.values_list("pk", flat=True)
    )


def test_an_assignee_without_email_is_marked_reminded_and_nothing_is_sent(contact, assignee):
    assignee.email = ""
    assignee.save()
    task = due_task(contact, assignee)

    with clock(task.due_date):
        assert task_reminders_send_due() == 1
        assert task_reminders_send_due() == 0

    assert not task_emails().exists()


def test_a_due_date_moved_later_reminds_again_at_the_new_time(contact, assignee):
    task = due_task(contact, assignee)
    with clock(task.due_date):
        task_reminders_send_due()
    # Moved in the admin (a plain save of the form): the marker still tells.
    Task.objects.filter(pk=task.pk).update(due_date=task.due_date + timedelta(days=1))
    task.refresh_from_db()

    with clock(task.due_date - timedelta(minutes=1)):
        assert task_reminders_send_due() == 0
    with clock(task.due_date):
        assert task_reminders_send_due() == 1
        assert task_reminders_send_due() == 0

    assert task_emails().count() == 2


def test_tasks_overdue_for_long_or_created_overdue_are_left_to_the_digest(contact, assignee):
    long_ago = TaskFactory(contact=contact, assignee=assignee)
    Task.objects.filter(pk=long_ago.pk).update(
        created_at=timezone.now() - timedelta(days=5),
        due_date=timezone.now() - timedelta(days=2),
    )
    services.task_create(
        contact=contact,
        title="Typed in late",
        due_date=timezone.now() - timedelta(hours=1),
        assignee=assignee,
    )

    assert send_due_reminders() == 0
    assert not task_emails().exists()


def test_the_task_run_twice_reminds_each_task_once(contact, assignee):
    tasks = [due_task(contact, assignee, in_minutes=n + 1) for n in range(3)]

    with clock(timezone.now() + timedelta(minutes=10)):
        assert (send_due_reminders(), send_due_reminders()) == (3, 0)

    assert sorted(task_emails().values_list("origin_id", flat=True)) == sorted(
        str(task.pk) for task in tasks
    )


def test_the_task_page_shows_the_reminder(contact, assignee, admin_client):
    task = due_task(contact, assignee)
    with clock(task.due_date):
        task_reminders_send_due()

    page = admin_client.get(reverse("admin:crm_task_change", args=[task.pk]))

    assert page.status_code == 200
    assert "Due reminder sent for" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claimers_remind_each_task_once(postgres_only, contact, assignee):
    for n in range(30):
        due_task(contact, assignee, in_minutes=1 + n % 5)
    barrier = threading.Barrier(2)
    claimed, errors = [], []

    def claimer():
        try:
            barrier.wait(timeout=10)
            claimed.append(task_reminders_send_due(batch_size=4))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    with clock(timezone.now() + timedelta(minutes=10)):
        threads = [threading.Thread(target=claimer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert not errors, errors
    assert sum(claimed) == 30
    assert task_emails().count() == 30
    assert len(set(task_emails().values_list("origin_id", flat=True))) == 30
