import pytest
from django.apps import apps
from django.core.management import call_command

from leads.models import ContactUs, EarlyAccessUser, Lead, WaitlistEntry
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
    Lead.objects.all().delete()

    call_command("seed_demo", "--if-empty")

    assert not Lead.objects.exists()


def test_demo_has_one_person_in_several_legacy_tables_with_different_case():
    call_command("seed_demo")

    tables = [Lead, EarlyAccessUser, ContactUs, WaitlistEntry]
    spellings = {
        row.email
        for model in tables
        for row in model.objects.filter(email__icontains="priya.nair@example.com")
    }
    found_in = [
        model for model in tables if model.objects.filter(email__icontains="priya.nair").exists()
    ]
    assert len(found_in) == 4
    assert len(spellings) >= 3
