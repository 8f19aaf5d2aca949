"""Every registered CRM and LMS admin: list, search, each filter choice, add, change, delete page."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse

from tests.crm.factories import (
    AppointmentFactory,
    ContactFactory,
    ContactIntegrationFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationFactory,
    TagFactory,
    TaskFactory,
)
from tests.lms.factories import (
    ChapterFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = {
    "crm.organization": OrganizationFactory,
    "crm.contact": ContactFactory,
    "crm.contactintegration": ContactIntegrationFactory,
    "crm.tag": TagFactory,
    "crm.contactnote": ContactNoteFactory,
    "crm.appointment": AppointmentFactory,
    "crm.message": MessageFactory,
    "crm.task": TaskFactory,
    "lms.course": CourseFactory,
    "lms.chapter": ChapterFactory,
    "lms.lesson": LessonFactory,
    "lms.enrollment": EnrollmentFactory,
    "lms.lessonprogress": LessonProgressFactory,
}


def registered_models():
    return sorted(
        model._meta.label_lower
        for model in admin.site._registry
        if model._meta.app_label in ("crm", "lms")
    )


def test_every_registered_crm_and_lms_model_has_a_smoke_test():
    # OrganizationMembership gets its admin from the roles work (an inline on users).
    assert set(registered_models()) - {"crm.organizationmembership"} <= set(FACTORIES)


def _url(label: str, view: str, *args) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


@pytest.mark.parametrize("label", sorted(FACTORIES))
def test_changelist_search_and_every_filter_choice(admin_client, label):
    obj = FACTORIES[label]()
    url = _url(label, "changelist")

    response = admin_client.get(url)
    assert response.status_code == 200
    assert obj in response.context["cl"].result_list

    assert admin_client.get(url, {"q": "zz-nothing-matches"}).status_code == 200

    changelist = response.context["cl"]
    for spec in changelist.filter_specs:
        for choice in spec.choices(changelist):
            filtered = admin_client.get(url + choice["query_string"])
            assert filtered.status_code == 200, (spec.title, choice["display"])


@pytest.mark.parametrize("label", sorted(FACTORIES))
def test_add_change_and_delete_pages_open(admin_client, label):
    obj = FACTORIES[label]()

    assert admin_client.get(_url(label, "add")).status_code == 200
    change = admin_client.get(_url(label, "change", quote(obj.pk)))
    delete = admin_client.get(_url(label, "delete", quote(obj.pk)))

    assert change.status_code == 200
    assert delete.status_code == 200
    assert b"Are you sure" in delete.content


@pytest.mark.parametrize("label", sorted(FACTORIES))
def test_a_missing_record_is_not_found(admin_client, label):
    model = FACTORIES[label]._meta.model
    missing = "00000000-0000-0000-0000-000000000000"

    response = admin_client.get(_url(label, "change", missing))

    assert response.status_code == 404
    assert not model.objects.filter(pk=missing).exists()
