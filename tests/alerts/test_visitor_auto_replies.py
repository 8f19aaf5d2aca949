"""Visitor auto-replies: one confirmation per address and day, in the submission's transaction."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from alerts import services
from alerts.models import StaffAlert, VisitorAutoReply
from leads.models import UsersLead
from outbox.models import OutboxEmail
from tests.alerts.test_staff_alerts import choices, contact, early_access

pytestmark = pytest.mark.django_db

REPLY = services.AUTO_REPLY_ORIGIN


def replies() -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(origin_label=REPLY).order_by("id"))


def test_a_contact_message_writes_one_pending_alert_and_one_auto_reply():
    contact(email="  Ravi.Kumar@Example.com ", name="Buy cheap pills at spam.example")

    assert StaffAlert.objects.count() == 1
    (email,) = replies()
    assert email.to == "ravi.kumar@example.com"
    assert email.status == OutboxEmail.Status.PENDING
    assert email.subject == "We received your message"
    assert "someone will reply within two working days" in email.body
    assert "<p>Thank you for writing to us." in email.html_body
    # Nothing the visitor typed comes back: the form cannot send someone else a message.
    for typed in ("spam.example", "Site visit", "Baner"):
        assert typed not in email.body and typed not in email.html_body
    slot = VisitorAutoReply.objects.get()
    assert (slot.to, slot.day, slot.kind) == (
        "ravi.kumar@example.com",
        timezone.localdate(),
        VisitorAutoReply.Kind.CONTACT_MESSAGE,
    )
    assert email.origin_id == str(slot.pk)


def test_an_early_access_request_gets_its_own_confirmation():
    early_access()

    (email,) = replies()
    assert email.to == "meena@example.com"
    assert email.subject == "You are on the early-access list"


def test_a_questionnaire_gets_no_auto_reply():
    choices()

    assert StaffAlert.objects.count() == 1
    assert replies() == []
    assert not VisitorAutoReply.objects.exists()


def test_a_rolled_back_submission_writes_neither_alert_nor_auto_reply():
    with pytest.raises(RuntimeError), transaction.atomic():
        contact()
        early_access()
        raise RuntimeError("the request failed after the services ran")

    assert not UsersLead.objects.exists()
    assert not StaffAlert.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert not VisitorAutoReply.objects.exists()
    # The day was not used up: the next submission is confirmed.
    contact()
    assert len(replies()) == 1


def test_a_second_message_the_same_day_gets_no_second_auto_reply(
    django_assert_max_num_queries,
):
    contact()

    # The claim finds the day taken: one statement, nothing written to the outbox.
    with django_assert_max_num_queries(7):
        contact(email="RAVI@example.com", message="One more thing about my visit.")
    early_access(email="ravi@example.com")

    assert len(replies()) == 1
    assert StaffAlert.objects.count() == 3  # staff still hear about every submission
    assert VisitorAutoReply.objects.count() == 1


def test_the_next_day_the_address_is_confirmed_again():
    contact()
    VisitorAutoReply.objects.update(day=timezone.localdate() - timedelta(days=1))

    contact()

    assert len(replies()) == 2
    assert VisitorAutoReply.objects.count() == 2


def test_visitor_auto_reply_false_turns_them_off(settings):
    settings.VISITOR_AUTO_REPLY = False

    contact()
    early_access()

    assert replies() == []
    assert not VisitorAutoReply.objects.exists()
    assert StaffAlert.objects.count() == 2


def test_notify_false_writes_no_auto_reply():
    contact(notify=False)
    early_access(notify=False)

    assert not OutboxEmail.objects.exists()
    assert not VisitorAutoReply.objects.exists()


def test_the_auto_reply_is_published_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        contact()

    # One callback held for the commit (the publish to the worker), none run inside.
    assert len(callbacks) == 1
    assert callbacks[0].__qualname__.startswith("email_publish_on_commit")
    assert replies()[0].status == OutboxEmail.Status.PENDING


def test_rows_of_days_before_yesterday_are_pruned():
    contact(email="old@example.com")
    contact(email="yesterday@example.com")
    contact(email="today@example.com")
    VisitorAutoReply.objects.filter(to="old@example.com").update(
        day=timezone.localdate() - timedelta(days=2)
    )
    VisitorAutoReply.objects.filter(to="yesterday@example.com").update(
        day=timezone.localdate() - timedelta(days=1)
    )

    assert services.alerts_prune() == 1
    assert sorted(VisitorAutoReply.objects.values_list("to", flat=True)) == [
        "today@example.com",
        "yesterday@example.com",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_submissions_racing_with_one_address_send_one_confirmation(postgres_only):
    """The database decides: both claim at once, each in a transaction held open a moment."""
    start = threading.Barrier(3)
    results, errors = [], []

    def submit():
        try:
            start.wait(timeout=10)
            with transaction.atomic():
                results.append(
                    services.visitor_auto_reply_enqueue(
                        email="race@example.com", kind=VisitorAutoReply.Kind.CONTACT_MESSAGE
                    )
                )
                time.sleep(0.2)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(result is not None for result in results) == 1
    assert OutboxEmail.objects.filter(to="race@example.com").count() == 1
    assert VisitorAutoReply.objects.filter(to="race@example.com").count() == 1
