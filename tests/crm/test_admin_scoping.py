"""Organization scoping in every CRM and LMS admin: a member of A never reaches B's records."""

import csv
import io

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import (
    Appointment,
    Contact,
    ContactIntegration,
    ContactNote,
    ContactTag,
    Message,
    Organization,
    Tag,
    Task,
)
from lms.models import Chapter, Course, Enrollment, Lesson, LessonProgress
from tests.crm.factories import (
    AppointmentFactory,
    ContactFactory,
    ContactIntegrationFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
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

ADMIN_MODELS = [
    Organization,
    Contact,
    ContactIntegration,
    Tag,
    ContactNote,
    Appointment,
    Message,
    Task,
    Course,
    Chapter,
    Lesson,
    Enrollment,
    LessonProgress,
]


def _world(organization, label: str) -> dict:
    """One of everything in ``organization``, each named after ``label``."""
    contact = ContactFactory(organization=organization, name=f"Contact {label}")
    tag = TagFactory(organization=organization, name=f"tag-{label}")
    ContactTag.objects.create(contact=contact, tag=tag)
    course = CourseFactory(organization=organization, title=f"Course {label}")
    chapter = ChapterFactory(course=course, title=f"Chapter {label}")
    lesson = LessonFactory(chapter=chapter, title=f"Lesson {label}")
    return {
        Organization: organization,
        Contact: contact,
        ContactIntegration: ContactIntegrationFactory(contact=contact),
        Tag: tag,
        ContactNote: ContactNoteFactory(contact=contact, content=f"Note {label}"),
        Appointment: AppointmentFactory(contact=contact, title=f"Visit {label}"),
        Message: MessageFactory(contact=contact, content=f"Message {label}"),
        Task: TaskFactory(contact=contact, title=f"Task {label}"),
        Course: course,
        Chapter: chapter,
        Lesson: lesson,
        Enrollment: EnrollmentFactory(contact=contact, course=course),
        LessonProgress: LessonProgressFactory(contact=contact, lesson=lesson),
    }


@pytest.fixture
def agencies():
    a = _world(OrganizationFactory(name="Agency A"), "A")
    b = _world(OrganizationFactory(name="Agency B"), "B")
    return a, b


def _staff(*, permissions=True):
    crm_lms_leads = Permission.objects.filter(content_type__app_label__in=["crm", "lms", "leads"])
    return StaffUserFactory(permissions=crm_lms_leads if permissions else None)


@pytest.fixture
def member_of_a(agencies):
    user = _staff()
    OrganizationMembershipFactory(user=user, organization=agencies[0][Organization])
    return user


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_member_lists_and_opens_only_its_organizations_records(
    client, agencies, member_of_a, model
):
    a, b = agencies
    client.force_login(member_of_a)

    listed = client.get(_url(model, "changelist"))
    own = client.get(_url(model, "change", quote(a[model].pk)))
    foreign = client.get(_url(model, "change", quote(b[model].pk)))
    foreign_delete = client.get(_url(model, "delete", quote(b[model].pk)))
    foreign_history = client.get(_url(model, "history", quote(b[model].pk)))

    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == [a[model]]
    assert own.status_code == 200
    assert foreign.status_code == 404
    # Members may delete no organization at all: refused before any lookup.
    assert foreign_delete.status_code == (403 if model is Organization else 404)
    assert foreign_history.status_code == 404


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_member_cannot_change_or_delete_another_organizations_record(
    client, agencies, member_of_a, model
):
    _, b = agencies
    client.force_login(member_of_a)

    change = client.post(_url(model, "change", quote(b[model].pk)), {})
    delete = client.post(_url(model, "delete", quote(b[model].pk)), {"post": "yes"})

    assert change.status_code == 404
    assert delete.status_code == (403 if model is Organization else 404)
    assert model.objects.filter(pk=b[model].pk).exists()


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_member_filters_offer_only_its_organizations_choices(client, agencies, member_of_a, model):
    client.force_login(member_of_a)

    changelist = client.get(_url(model, "changelist")).context["cl"]

    for spec in changelist.filter_specs:
        labels = " ".join(str(choice["display"]) for choice in spec.choices(changelist))
        for name_of_b in ("Agency B", "Contact B", "Course B", "Chapter B", "Lesson B", "tag-B"):
            assert name_of_b not in labels, (spec.title, labels)


@pytest.mark.parametrize(
    ("model", "field", "target"),
    [
        (Task, "contact", Contact),
        (ContactNote, "contact", Contact),
        (Appointment, "contact", Contact),
        (Message, "contact", Contact),
        (ContactIntegration, "contact", Contact),
        (Enrollment, "contact", Contact),
        (LessonProgress, "contact", Contact),
        (Contact, "organization", Organization),
        (Contact, "parent_contact", Contact),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_member_autocomplete_offers_only_its_organizations_records(
    client, agencies, member_of_a, model, field, target
):
    a, b = agencies
    client.force_login(member_of_a)

    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field,
            "term": "",
        },
    )

    ids = {result["id"] for result in response.json()["results"]}
    assert str(a[target].pk) in ids
    assert str(b[target].pk) not in ids


@pytest.mark.parametrize(
    ("model", "field", "target"),
    [
        (Tag, "organization", Organization),
        (Course, "organization", Organization),
        (Chapter, "course", Course),
        (Lesson, "chapter", Chapter),
        (Enrollment, "course", Course),
        (LessonProgress, "lesson", Lesson),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_member_dropdowns_offer_only_its_organizations_records(
    client, agencies, member_of_a, model, field, target
):
    a, b = agencies
    client.force_login(member_of_a)

    form = client.get(_url(model, "add")).context["adminform"].form
    choices = {str(value) for value, _ in form.fields[field].choices if value}

    assert str(a[target].pk) in choices
    assert str(b[target].pk) not in choices


def test_member_cannot_pick_another_organizations_contact_by_posting_its_id(
    client, agencies, member_of_a
):
    _, b = agencies
    client.force_login(member_of_a)

    response = client.post(
        _url(Task, "add"), {"contact": b[Contact].pk, "title": "Sneaky", "priority": "LOW"}
    )

    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not Task.objects.filter(title="Sneaky").exists()


def test_member_sees_only_its_organizations_and_cannot_create_one(client, agencies, member_of_a):
    client.force_login(member_of_a)

    add = client.get(_url(Organization, "add"))
    changelist = client.get(_url(Organization, "changelist"))

    assert add.status_code == 403
    assert b"Add organization" not in changelist.content


def test_platform_staff_and_superusers_see_every_organization(client, admin_client, agencies):
    platform = _staff()
    client.force_login(platform)

    for user_client in (client, admin_client):
        for model in (Contact, Course, Enrollment):
            listed = user_client.get(_url(model, "changelist")).context["cl"].result_list
            assert set(listed) == {agencies[0][model], agencies[1][model]}
        assert user_client.get(_url(Organization, "add")).status_code == 200


def test_member_notes_on_another_organizations_contact_are_not_found(client, agencies, member_of_a):
    _, b = agencies
    client.force_login(member_of_a)

    response = client.post(
        reverse("admin:crm_contact_add_note", args=[b[Contact].pk]), {"content": "x"}
    )

    assert response.status_code == 404
    assert not ContactNote.objects.filter(content="x").exists()


def test_member_export_holds_only_its_organizations_contacts(client, agencies, member_of_a):
    client.force_login(member_of_a)

    response = client.post(
        _url(Contact, "export"),
        {"format": "0", "resource": "0", "contactresource_name": "on"},
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Contact A"]


def test_member_cannot_import_into_another_organization(client, agencies, member_of_a):
    _, b = agencies
    client.force_login(member_of_a)
    upload = SimpleUploadedFile(
        "contacts.csv", b"name,email\nIntruder,intruder@example.com\n", content_type="text/csv"
    )

    response = client.post(
        _url(Contact, "import"),
        {"import_file": upload, "format": "0", "resource": "0", "organization": b[Organization].pk},
    )

    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not Contact.objects.filter(name="Intruder").exists()


def test_member_course_needs_one_of_its_organizations(client, agencies, member_of_a):
    client.force_login(member_of_a)

    response = client.post(
        _url(Course, "add"),
        {
            "title": "Orphan",
            "slug": "orphan",
            "level": "Beginner",
            "status": "Draft",
            "price": "0",
            "duration": "0",
            "chapters-TOTAL_FORMS": "0",
            "chapters-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert not Course.objects.filter(slug="orphan").exists()


def test_staff_without_import_or_export_permission_is_refused(client, agencies):
    user = _staff(permissions=False)
    user.user_permissions.add(Permission.objects.get(codename="view_contact"))
    client.force_login(user)

    assert client.get(_url(Contact, "export")).status_code == 403
    assert client.get(_url(Contact, "import")).status_code == 403
