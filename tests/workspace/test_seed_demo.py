import pytest
from django.apps import apps
from django.core.management import call_command

from leads.models import UsersLead
from lms.models import Enrollment, LessonProgress

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("crm", "lms", "leads")


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app_label in PROJECT_APPS
        for model in apps.get_app_config(app_label).get_models()
    }


def test_seed_demo_fills_every_model():
    call_command("seed_demo")

    empty = [label for label, count in row_counts().items() if count == 0]
    assert empty == []
    assert Enrollment.objects.count() >= 5
    assert LessonProgress.objects.filter(completed=True).exists()


def test_seed_demo_twice_duplicates_nothing():
    call_command("seed_demo")
    first = row_counts()

    call_command("seed_demo")

    assert row_counts() == first


def test_seed_demo_if_empty_leaves_an_existing_database_alone():
    call_command("seed_demo")
    UsersLead.objects.all().delete()

    call_command("seed_demo", "--if-empty")

    assert not UsersLead.objects.exists()


def test_demo_has_one_person_seen_several_times_with_different_case():
    call_command("seed_demo")

    priya = UsersLead.objects.get(email__icontains="priya.nair")
    assert priya.email == "priya.nair@example.com"
    assert priya.choices_responses.exists()
    assert priya.early_access_requests.exists()
    assert priya.contact_messages.exists()
    assert priya.page_sessions.exists()
    assert priya.events.count() >= 4


def test_demo_leads_show_every_status_and_converted_ones_say_so():
    call_command("seed_demo")

    statuses = set(UsersLead.objects.values_list("status", flat=True))
    assert statuses == {"NEW", "CONTACTED", "QUALIFIED", "UNQUALIFIED", "CONVERTED"}
    assert not UsersLead.objects.filter(converted_at__isnull=False).exclude(status="CONVERTED")


def test_demo_has_a_person_entered_twice_for_a_manager_to_merge():
    # Issue 20's walk-through: the two "Meera Iyer" contacts of Brightsmile are offered as
    # possible duplicates, and a merge leaves every note and enrollment on the survivor.
    from crm.models import Contact, ContactNote
    from privacy.selectors import possible_duplicates
    from privacy.services import contacts_merge

    call_command("seed_demo")
    meeras = list(Contact.objects.filter(name="Meera Iyer").order_by("created_at"))
    assert len(meeras) == 2 and meeras[0].organization_id == meeras[1].organization_id
    groups = possible_duplicates(Contact.objects.filter(organization=meeras[0].organization))
    assert any({c.pk for c in group["contacts"]} == {m.pk for m in meeras} for group in groups)
    notes = ContactNote.objects.filter(contact__in=meeras).count()
    courses = set(Enrollment.objects.filter(contact__in=meeras).values_list("course", flat=True))

    contacts_merge(meeras[0], [meeras[1]])

    assert ContactNote.objects.filter(contact=meeras[0]).count() == notes
    assert (
        set(Enrollment.objects.filter(contact=meeras[0]).values_list("course", flat=True))
        == courses
    )
    assert not Contact.objects.filter(pk=meeras[1].pk).exists()
