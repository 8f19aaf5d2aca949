"""Merging duplicate contacts (issue 20): every row moves, atomically, nothing orphaned."""

import threading
from unittest import mock

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone

from crm.models import (
    Appointment,
    Contact,
    ContactIntegration,
    ContactNote,
    ContactTag,
    Message,
    Task,
)
from lms.models import Enrollment, LessonProgress
from privacy import services
from privacy.models import MergeRecord
from tests.crm.factories import (
    AppointmentFactory,
    ContactFactory,
    ContactIntegrationFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationFactory,
    StaffUserFactory,
    TagFactory,
    TaskFactory,
)
from tests.leads.factories import UsersLeadFactory
from tests.lms.factories import CourseFactory, EnrollmentFactory, LessonFactory

pytestmark = pytest.mark.django_db


def test_every_relation_to_contact_is_covered_by_the_merge():
    # A new model pointing at crm.Contact must be added to privacy.services.contact_relations.
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields(include_hidden=True):
            if not field.concrete or not field.is_relation:
                continue
            if field.related_model is not Contact:
                continue
            if isinstance(field, (models.ForeignKey, models.OneToOneField, models.ManyToManyField)):
                found.add((model._meta.label, field.name))
    assert found, "the enumeration found no relation at all"
    assert found <= set(services.contact_relations()), found - set(services.contact_relations())
    assert ("lms.Enrollment", "contact") in found


def _pair(**kwargs):
    organization = OrganizationFactory()
    survivor = ContactFactory(organization=organization, name="Meera Iyer", **kwargs)
    duplicate = ContactFactory(organization=organization, name="Meera  Iyer")
    return organization, survivor, duplicate


def test_merge_moves_hundreds_of_rows_and_overlapping_enrollments():
    organization, survivor, duplicate = _pair()
    for factory in (ContactNoteFactory, MessageFactory, AppointmentFactory, TaskFactory):
        factory.create_batch(250, contact=duplicate, organization=organization)
        factory.create_batch(3, contact=survivor, organization=organization)
    shared, only_theirs, only_mine = CourseFactory.create_batch(3, organization=organization)
    EnrollmentFactory(contact=survivor, course=shared)
    EnrollmentFactory(contact=duplicate, course=shared)
    EnrollmentFactory(contact=duplicate, course=only_theirs)
    EnrollmentFactory(contact=survivor, course=only_mine)
    lessons = [LessonFactory(chapter__course=shared) for _ in range(3)]
    LessonProgress.objects.create(contact=survivor, lesson=lessons[0], completed=False)
    LessonProgress.objects.create(contact=duplicate, lesson=lessons[0], completed=True)
    LessonProgress.objects.create(contact=duplicate, lesson=lessons[1], completed=True)
    LessonProgress.objects.create(contact=survivor, lesson=lessons[2], completed=True)
    vip, old = (
        TagFactory(organization=organization, name="VIP"),
        TagFactory(organization=organization, name="Old"),
    )
    ContactTag.objects.create(contact=survivor, tag=vip)
    ContactTag.objects.create(contact=duplicate, tag=vip)
    ContactTag.objects.create(contact=duplicate, tag=old)
    child = ContactFactory(organization=organization, parent_contact=duplicate)
    ContactIntegrationFactory(contact=duplicate)
    lead = UsersLeadFactory(converted_contact=duplicate, converted_at=timezone.now())
    user = StaffUserFactory()

    result = services.contacts_merge(survivor, [duplicate], {}, user)

    assert not Contact.objects.filter(pk=duplicate.pk).exists()
    for model in (ContactNote, Message, Appointment, Task):
        assert model.objects.filter(contact=survivor).count() == 253
        assert model.objects.count() == 253
    assert set(Enrollment.objects.filter(contact=survivor).values_list("course", flat=True)) == {
        shared.pk,
        only_theirs.pk,
        only_mine.pk,
    }
    assert Enrollment.objects.count() == 3
    progress = dict(
        LessonProgress.objects.filter(contact=survivor).values_list("lesson", "completed")
    )
    assert progress == {lessons[0].pk: True, lessons[1].pk: True, lessons[2].pk: True}
    assert LessonProgress.objects.count() == 3
    assert set(survivor.tags.values_list("name", flat=True)) == {"VIP", "Old"}
    assert ContactTag.objects.count() == 2
    child.refresh_from_db()
    assert child.parent_contact_id == survivor.pk
    assert ContactIntegration.objects.get().contact_id == survivor.pk
    lead.refresh_from_db()
    assert lead.converted_contact_id == survivor.pk
    record = MergeRecord.objects.get()
    assert record.pk == result["record"]
    assert record.merged_by == user
    assert record.survivor_id == survivor.pk
    assert record.duplicate_ids == [str(duplicate.pk)]
    assert record.snapshot[str(duplicate.pk)]["name"] == "Meera  Iyer"
    assert record.snapshot[str(duplicate.pk)]["tags"] == ["Old", "VIP"]
    assert record.moved["crm.ContactNote.contact"] == 250


def test_field_choices_pick_the_winner_and_custom_fields_are_a_union():
    organization, survivor, duplicate = _pair(email="old@example.com", phone="1")
    survivor.custom_fields = {"insurer": "Acme", "chairs": 2}
    survivor.save()
    duplicate.email, duplicate.phone = "meera@example.com", "98765"
    duplicate.custom_fields = {"insurer": "Other", "plan": "gold"}
    duplicate.save()

    services.contacts_merge(
        survivor,
        [duplicate.pk],
        {"email": duplicate.pk, "custom_fields.insurer": str(duplicate.pk)},
    )

    survivor.refresh_from_db()
    assert survivor.email == "meera@example.com"  # taken from the deleted duplicate
    assert survivor.phone == "1"
    assert survivor.name == "Meera Iyer"
    assert survivor.custom_fields == {"insurer": "Other", "chairs": 2, "plan": "gold"}


def test_dry_run_counts_and_writes_nothing():
    organization, survivor, duplicate = _pair()
    ContactNoteFactory.create_batch(4, contact=duplicate, organization=organization)

    result = services.contacts_merge(survivor, [duplicate], {}, None, dry_run=True)

    assert result["moved"]["crm.ContactNote.contact"] == 4
    assert result["record"] is None
    assert Contact.objects.filter(pk=duplicate.pk).exists()
    assert ContactNote.objects.filter(contact=duplicate).count() == 4
    assert MergeRecord.objects.count() == 0


def test_a_failure_in_the_middle_changes_nothing():
    organization, survivor, duplicate = _pair()
    ContactNoteFactory.create_batch(5, contact=duplicate, organization=organization)
    shared = CourseFactory(organization=organization)
    EnrollmentFactory(contact=duplicate, course=shared)
    real = services._merge_enrollments

    def boom(*args):
        raise RuntimeError("disk full")

    relations = services.contact_relations()
    relations[("lms.Enrollment", "contact")] = boom
    with (
        mock.patch.object(services, "contact_relations", return_value=relations),
        pytest.raises(RuntimeError),
    ):
        services.contacts_merge(survivor, [duplicate], {})

    assert real is services._merge_enrollments
    assert ContactNote.objects.filter(contact=duplicate).count() == 5
    assert Enrollment.objects.filter(contact=duplicate).count() == 1
    assert Contact.objects.filter(pk=duplicate.pk).exists()
    assert MergeRecord.objects.count() == 0


def test_contacts_of_two_organizations_are_refused():
    survivor = ContactFactory()
    other = ContactFactory()
    ContactNoteFactory(contact=other, organization=other.organization)

    with pytest.raises(ValidationError):
        services.contacts_merge(survivor, [other], {})

    assert Contact.objects.filter(pk=other.pk).exists()
    assert ContactNote.objects.filter(contact=other).count() == 1
    assert MergeRecord.objects.count() == 0


def test_survivor_among_duplicates_and_unknown_fields_are_refused():
    organization, survivor, duplicate = _pair()
    with pytest.raises(ValidationError):
        services.contacts_merge(survivor, [survivor], {})
    with pytest.raises(ValidationError):
        services.contacts_merge(survivor, [duplicate], {"password": survivor.pk})
    with pytest.raises(ValidationError):
        services.contacts_merge(survivor, [duplicate], {"name": ContactFactory().pk})
    assert Contact.objects.count() == 3
    assert MergeRecord.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_merges_over_shared_contacts_do_not_deadlock(postgres_only):
    organization = OrganizationFactory()
    a, b, c = ContactFactory.create_batch(3, organization=organization)
    for contact in (a, b, c):
        ContactNoteFactory.create_batch(20, contact=contact, organization=organization)
    errors: list[BaseException] = []
    results: list[dict] = []
    barrier = threading.Barrier(2)

    def merge(survivor, duplicates):
        try:
            barrier.wait()
            results.append(services.contacts_merge(survivor, duplicates, {}))
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    # Opposite orders of survivor and duplicate over a shared contact: a classic deadlock
    # unless every merge locks in the same (pk) order.
    threads = [
        threading.Thread(target=merge, args=(a, [b, c])),
        threading.Thread(target=merge, args=(c, [a, b])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # One wins; the other, having waited, finds a contact gone and is refused cleanly.
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    assert Contact.objects.count() == 1
    survivor = Contact.objects.get()
    assert ContactNote.objects.count() == 60
    assert ContactNote.objects.filter(contact=survivor).count() == 60
    assert MergeRecord.objects.count() == 1
