"""Races the database settles: real threads against PostgreSQL."""

import threading
import time

import pytest
from django.db import connection

from crm import services
from crm.models import ContactTag, Message, Tag
from tests.crm.factories import ContactFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*calls) -> list[BaseException]:
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def worker(call):
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_staff_tagging_at_once_create_one_tag(postgres_only):
    organization = OrganizationFactory()
    first, second = ContactFactory.create_batch(2, organization=organization)

    errors = run_together(
        lambda: services.contact_add_tags(contact=first, names=["VIP"]),
        lambda: services.contact_add_tags(contact=second, names=["vip"]),
    )

    assert errors == []
    assert Tag.objects.filter(organization=organization).count() == 1
    assert ContactTag.objects.count() == 2


def test_a_delivery_report_twice_at_once_logs_one_message(postgres_only):
    contact = ContactFactory()
    kwargs = {
        "contact": contact,
        "direction": "INBOUND",
        "channel": "SMS",
        "content": "Yes, confirmed",
        "provider": "twilio",
        "external_id": "SM42",
    }

    errors = run_together(
        lambda: services.message_log(**kwargs), lambda: services.message_log(**kwargs)
    )

    assert errors == []
    assert Message.objects.count() == 1


def test_two_crossing_moves_at_once_cannot_make_a_cycle(postgres_only, monkeypatch):
    from django.core.exceptions import ValidationError

    from crm.models import Contact
    from crm.services import contacts
    from tests.crm.factories import ClinicFactory

    check_parent = contacts.check_parent

    def slow_check_parent(**kwargs):
        # Hold the gap between checking and saving open, so the two moves overlap for sure.
        check_parent(**kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(contacts, "check_parent", slow_check_parent)
    first = ClinicFactory()
    second = ClinicFactory(organization=first.organization)

    errors = run_together(
        lambda: services.contact_move(contact=first, parent=second),
        lambda: services.contact_move(contact=second, parent=first),
    )

    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    parents = dict(Contact.objects.values_list("pk", "parent_contact_id"))
    assert [parents[first.pk], parents[second.pk]].count(None) == 1
