from datetime import timedelta

import pytest
from django.utils import timezone

from crm.filters import ContactFilter
from crm.models import Contact
from crm.selectors import contact_list, contact_timeline
from tests.crm.factories import (
    AppointmentFactory,
    ContactFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationFactory,
    TagFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def fill_history(contact, *, each: int) -> None:
    now = timezone.now()
    for i in range(each):
        ContactNoteFactory(contact=contact, created_at=now - timedelta(hours=4 * i))
        AppointmentFactory(contact=contact, start_time=now - timedelta(hours=4 * i + 1))
        MessageFactory(contact=contact, sent_at=now - timedelta(hours=4 * i + 2))
        TaskFactory(contact=contact, created_at=now - timedelta(hours=4 * i + 3))


def test_the_timeline_merges_every_kind_newest_first():
    contact = ContactFactory()
    fill_history(contact, each=2)
    ContactNoteFactory()  # someone else's

    timeline = contact_timeline(contact=contact)

    assert [entry.kind for entry in timeline] == ["note", "appointment", "message", "task"] * 2
    assert [entry.at for entry in timeline] == sorted((e.at for e in timeline), reverse=True)
    assert all(entry.record.contact_id == contact.pk for entry in timeline)


def test_the_timeline_keeps_the_newest_entries_up_to_the_limit():
    contact = ContactFactory()
    fill_history(contact, each=3)
    old_note = ContactNoteFactory(contact=contact, created_at=timezone.now() - timedelta(days=30))

    timeline = contact_timeline(contact=contact, limit=5)

    assert len(timeline) == 5
    assert old_note not in [entry.record for entry in timeline]


@pytest.mark.parametrize("each", [1, 12])
def test_the_timeline_costs_four_queries_whatever_the_history(django_assert_num_queries, each):
    contact = ContactFactory()
    fill_history(contact, each=each)
    TaskFactory(contact=contact, assignee=None)

    with django_assert_num_queries(4):
        timeline = contact_timeline(contact=contact, limit=100)
        # What a page shows of each entry is already loaded.
        for entry in timeline:
            getattr(entry.record, "author", None)
            getattr(entry.record, "assignee", None)

    assert len(timeline) == 4 * each + 1


def test_contact_list_filters_by_tag_type_and_organization():
    organization = OrganizationFactory()
    vip = TagFactory(organization=organization, name="VIP")
    clinic = ContactFactory(organization=organization, contact_type=Contact.Type.CLINIC)
    patient = ContactFactory(organization=organization, contact_type=Contact.Type.PATIENT)
    clinic.tags.add(vip)
    patient.tags.add(vip)
    ContactFactory(organization=organization)
    elsewhere = ContactFactory()
    elsewhere.tags.add(TagFactory(organization=elsewhere.organization, name="vip"))

    assert set(contact_list(tag="vip")) == {clinic, patient, elsewhere}
    assert set(contact_list(organization=organization, tag="vip")) == {clinic, patient}
    assert list(contact_list(organization=organization, tag="vip", contact_type="PATIENT")) == [
        patient
    ]


def test_contact_filterset_filters_by_tag():
    contact = ContactFactory()
    contact.tags.add(TagFactory(organization=contact.organization, name="vip"))
    ContactFactory(organization=contact.organization)

    filtered = ContactFilter({"tag": "VIP"}, queryset=Contact.objects.all()).qs

    assert list(filtered) == [contact]
