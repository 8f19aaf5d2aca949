"""The contact page: family, linked lead, enrollments and progress, timeline, quick adds,
custom fields as rows, and pickers that tell namesakes apart."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, ContactNote, ContactTag, Task
from crm.widgets import CustomFieldRow, check_rows, text_to_value, value_to_text
from tests.crm.factories import (
    AppointmentFactory,
    ClinicFactory,
    ContactFactory,
    ContactNoteFactory,
    MessageFactory,
    OrganizationFactory,
    StaffUserFactory,
    TagFactory,
    TaskFactory,
)
from tests.crm.test_admin import NO_INLINE_ROWS, custom_field_rows
from tests.leads.factories import UsersLeadFactory
from tests.lms.factories import (
    ChapterFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db


def change_url(contact: Contact) -> str:
    return reverse("admin:crm_contact_change", args=[contact.pk])


@pytest.fixture
def clinic_family():
    clinic = ClinicFactory(name="Brightsmile Indiranagar")
    patient = ContactFactory(
        organization=clinic.organization,
        parent_contact=clinic,
        contact_type=Contact.Type.PATIENT,
        name="Asha Verma",
    )
    ContactFactory(
        organization=clinic.organization,
        parent_contact=clinic,
        contact_type=Contact.Type.PATIENT,
        name="Ravi Kumar",
    )
    return clinic, patient


def test_contact_page_shows_parent_and_children_with_a_filtered_list_link(
    admin_client, clinic_family
):
    clinic, patient = clinic_family

    clinic_page = admin_client.get(change_url(clinic)).content.decode()
    patient_page = admin_client.get(change_url(patient)).content.decode()

    children_url = f"{reverse('admin:crm_contact_changelist')}?parent={clinic.pk}"
    assert f'href="{children_url}"' in clinic_page
    assert "All 2 contacts under Brightsmile Indiranagar" in clinic_page
    assert "Asha Verma" in clinic_page and "Ravi Kumar" in clinic_page
    assert f'href="{change_url(clinic)}">Brightsmile Indiranagar</a>' in patient_page
    assert "No contacts under this one." in patient_page


def test_children_link_lists_exactly_the_patients_of_the_clinic(admin_client, clinic_family):
    clinic, _ = clinic_family
    ContactFactory(organization=clinic.organization, name="Someone Else")

    response = admin_client.get(reverse("admin:crm_contact_changelist"), {"parent": clinic.pk})
    top_level = admin_client.get(reverse("admin:crm_contact_changelist"), {"parent": "none"})

    assert {c.name for c in response.context["cl"].result_list} == {"Asha Verma", "Ravi Kumar"}
    # The filter names the chosen parent with its organization, so namesakes differ.
    assert f"Brightsmile Indiranagar — {clinic.organization.name}" in response.content.decode()
    assert {c.name for c in top_level.context["cl"].result_list} == {
        "Brightsmile Indiranagar",
        "Someone Else",
    }


def test_contact_page_shows_enrollments_with_progress_and_lesson_rows(admin_client):
    contact = ContactFactory(name="Asha Verma")
    course = CourseFactory(organization=contact.organization, title="Implant basics")
    chapter = ChapterFactory(course=course, title="Surgery")
    first, second = (
        LessonFactory(chapter=chapter, title="Sterile field"),
        LessonFactory(chapter=chapter),
    )
    EnrollmentFactory(contact=contact, course=course)
    LessonProgressFactory(contact=contact, lesson=first, completed=True)
    LessonProgressFactory(contact=contact, lesson=second, completed=False)

    page = admin_client.get(change_url(contact)).content.decode()

    # The lms section (tests/lms/test_contact_courses.py has the rest): the course, its
    # progress, and its lessons by chapter, the done one ticked.
    courses = page.split('id="courses"')[1]
    assert ">Implant basics</a>" in courses
    assert "1 of 2 lessons (50%)" in courses
    assert "<legend>Surgery</legend>" in courses
    assert f'value="{first.pk}" checked> Sterile field' in courses


def test_contact_page_links_the_lead_it_was_converted_from(admin_client):
    contact = ContactFactory()
    lead = UsersLeadFactory(
        email="priya@example.com",
        name="Priya Nair",
        converted_contact=contact,
        converted_at=timezone.now(),
    )

    page = admin_client.get(change_url(contact)).content.decode()

    assert reverse("admin:leads_userslead_change", args=[lead.pk]) in page
    assert "Priya Nair (priya@example.com)" in page


def test_contact_page_without_a_lead_has_no_lead_section(admin_client):
    page = admin_client.get(change_url(ContactFactory())).content.decode()

    assert "Came from lead" not in page


def test_contact_page_timeline_merges_notes_tasks_appointments_and_messages(admin_client):
    author = StaffUserFactory(username="asha.sales", first_name="Asha", last_name="Sales")
    contact = ContactFactory()
    now = timezone.now()
    ContactNoteFactory(contact=contact, content="Called about the invoice", author=author)
    TaskFactory(contact=contact, title="Send the quote", due_date=now + timedelta(days=1))
    AppointmentFactory(contact=contact, title="Scaling", location="Chair 2")
    MessageFactory(contact=contact, content="Your appointment is confirmed")

    page = admin_client.get(change_url(contact)).content.decode()
    timeline = page.split('id="timeline"')[1]

    assert "Note by Asha Sales" in timeline and "Called about the invoice" in timeline
    assert "Task: Send the quote" in timeline
    assert "Appointment: Scaling" in timeline and "at Chair 2" in timeline
    assert "Email to the contact" in timeline and "Your appointment is confirmed" in timeline


def test_add_note_from_the_contact_page_is_authored_by_the_signed_in_user(admin_client, admin_user):
    contact = ContactFactory()
    someone_else = StaffUserFactory()

    response = admin_client.post(
        reverse("admin:crm_contact_add_note", args=[contact.pk]),
        {"content": "  Prefers mornings  ", "author": someone_else.pk},
    )

    assert response.status_code == 302
    assert response["Location"] == change_url(contact) + "#timeline"
    note = ContactNote.objects.get(contact=contact)
    assert (note.content, note.author, note.organization_id) == (
        "Prefers mornings",
        admin_user,
        contact.organization_id,
    )


def test_an_empty_note_is_refused_and_nothing_is_written(admin_client):
    contact = ContactFactory()

    response = admin_client.post(
        reverse("admin:crm_contact_add_note", args=[contact.pk]), {"content": "   "}
    )

    assert response.status_code == 400
    assert b"This field is required" in response.content
    assert not ContactNote.objects.exists()


def test_add_task_from_the_contact_page(admin_client, admin_user):
    contact = ContactFactory()

    response = admin_client.post(
        reverse("admin:crm_contact_add_task", args=[contact.pk]),
        {
            "title": "Call back",
            "priority": "HIGH",
            "due_date": "2030-01-02T09:30",
            "assignee": admin_user.pk,
        },
    )

    assert response.status_code == 302
    task = Task.objects.get(contact=contact)
    assert (task.title, task.priority, task.assignee, task.organization_id) == (
        "Call back",
        "HIGH",
        admin_user,
        contact.organization_id,
    )
    assert task.due_date.year == 2030


def test_a_task_without_a_title_is_refused_and_nothing_is_written(admin_client):
    contact = ContactFactory()

    response = admin_client.post(
        reverse("admin:crm_contact_add_task", args=[contact.pk]), {"priority": "HIGH"}
    )

    assert response.status_code == 400
    assert not Task.objects.exists()


def test_quick_adds_need_the_add_permission(client):
    contact = ContactFactory()
    viewer = StaffUserFactory()
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_contact"))
    client.force_login(viewer)

    note = client.post(reverse("admin:crm_contact_add_note", args=[contact.pk]), {"content": "x"})
    page = client.get(change_url(contact))

    assert note.status_code == 403
    assert not ContactNote.objects.exists()
    assert page.status_code == 200 and b"Add a note" not in page.content


# Custom fields as rows --------------------------------------------------------------------------


def test_custom_fields_show_as_rows_and_save_back_unchanged(admin_client):
    stored = {"chairs": 6, "insurer": "Acme", "code": "007", "count_text": "4", "open": True}
    clinic = ClinicFactory(custom_fields=stored)

    page = admin_client.get(change_url(clinic)).content.decode()
    rows = [(name, value_to_text(value)) for name, value in stored.items()]
    response = admin_client.post(
        change_url(clinic),
        {
            "contact_type": "CLINIC",
            "name": clinic.name,
            **custom_field_rows(*rows, ("", "")),
            **NO_INLINE_ROWS,
        },
    )

    assert 'name="custom_fields-name" value="insurer"' in page
    assert 'value="&quot;4&quot;"' in page  # text that looks like a number keeps its quotes
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.custom_fields == stored


def test_custom_fields_edits_add_change_and_remove_rows(admin_client):
    clinic = ClinicFactory(custom_fields={"chairs": 6, "old": "x"})

    response = admin_client.post(
        change_url(clinic),
        {
            "contact_type": "CLINIC",
            "name": clinic.name,
            **custom_field_rows(("chairs", "8"), ("insurer", "Acme Health"), ("vip", "true")),
            **NO_INLINE_ROWS,
        },
    )

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.custom_fields == {"chairs": 8, "insurer": "Acme Health", "vip": True}


def test_removing_every_row_empties_the_custom_fields(admin_client):
    clinic = ClinicFactory(custom_fields={"chairs": 6})

    admin_client.post(
        change_url(clinic),
        {"contact_type": "CLINIC", "name": clinic.name, **custom_field_rows(), **NO_INLINE_ROWS},
    )

    clinic.refresh_from_db()
    assert clinic.custom_fields == {}


def test_bad_custom_field_rows_are_reported_on_their_row_and_nothing_is_saved(admin_client):
    clinic = ClinicFactory(custom_fields={"chairs": 6})

    response = admin_client.post(
        change_url(clinic),
        {
            "contact_type": "CLINIC",
            "name": "Renamed",
            **custom_field_rows(("chairs", "7"), ("x" * 65, "long"), ("chairs", "9")),
            **NO_INLINE_ROWS,
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="custom-field-row has-error"') == 2
    assert "Names are at most 64 characters." in page
    assert "“chairs” is already used above." in page
    clinic.refresh_from_db()
    assert (clinic.name, clinic.custom_fields) != ("Renamed", {"chairs": 7})
    assert clinic.custom_fields == {"chairs": 6}


def test_typed_values_read_as_json_scalars_or_text():
    assert [text_to_value(t) for t in ["4", "4.5", "true", "null", '"4"', "Acme", "[1]"]] == [
        4,
        4.5,
        True,
        None,
        "4",
        "Acme",
        "[1]",
    ]
    for value in [4, 4.5, True, None, "4", "Acme", "[1]", "007", '"quoted"']:
        assert text_to_value(value_to_text(value)) == value
    rows = check_rows([CustomFieldRow("", ""), CustomFieldRow("", "v"), CustomFieldRow("a", "")])
    assert [row.error for row in rows] == ["This value needs a name.", ""]


# Pickers and filters that tell namesakes apart -------------------------------------------------


@pytest.fixture
def namesakes():
    first = ContactFactory(
        name="Asha Verma", email="asha@bright.example", organization__name="Brightsmile Dental"
    )
    second = ContactFactory(
        name="Asha Verma", email="asha@north.example", organization__name="Northwind Wellness"
    )
    return first, second


def test_contact_autocomplete_names_organization_and_email(admin_client, namesakes):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "crm", "model_name": "task", "field_name": "contact", "term": "Asha"},
    )

    texts = sorted(result["text"] for result in response.json()["results"])
    assert texts == [
        "Asha Verma — Brightsmile Dental (asha@bright.example)",
        "Asha Verma — Northwind Wellness (asha@north.example)",
    ]


def test_a_chosen_contact_is_shown_with_its_organization(admin_client, namesakes):
    task = TaskFactory(contact=namesakes[1])

    page = admin_client.get(reverse("admin:crm_task_change", args=[task.pk])).content.decode()

    assert "Asha Verma — Northwind Wellness (asha@north.example)" in page


def test_tag_filter_and_tag_rows_name_the_organization(admin_client, namesakes):
    first, second = namesakes
    vip_a = TagFactory(organization=first.organization, name="vip")
    TagFactory(organization=second.organization, name="vip")
    ContactTag.objects.create(contact=first, tag=vip_a)

    changelist = admin_client.get(reverse("admin:crm_contact_changelist")).content.decode()
    page = admin_client.get(change_url(first)).content.decode()

    assert "vip — Brightsmile Dental" in changelist and "vip — Northwind Wellness" in changelist
    assert "vip on Asha Verma" in page  # the inline row's title, not two UUIDs
    assert str(vip_a.pk) + " on" not in page


def test_organization_choice_on_a_new_contact(admin_client):
    OrganizationFactory(name="Brightsmile Dental")

    response = admin_client.get(reverse("admin:crm_contact_add"))

    assert response.status_code == 200
