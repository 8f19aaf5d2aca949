"""The leads side of the staff workspace: lists, the lead page, read-only submissions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    LeadEventType,
    PageSession,
    UsersLead,
)
from leads.selectors import lead_get_by_email, lead_timeline
from tests.crm.factories import StaffUserFactory
from tests.leads.factories import UsersLeadFactory

pytestmark = pytest.mark.django_db

SUBMISSION_MODELS = [LeadEvent, ChoicesResponse, EarlyAccessRequest, ContactMessage, PageSession]
ALL_MODELS = [UsersLead, *SUBMISSION_MODELS]


def url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def contact(n: int = 0) -> ContactMessage:
    return services.contact_message_create(
        name=f"Visitor {n}",
        email=f"visitor{n}@example.com",
        subject=f"Question {n}",
        message="Please tell me more about the project.",
    )


def full_history(email: str = "priya@example.com") -> UsersLead:
    """A lead that used every form, was visited, edited by staff and answered."""
    visitor = email.split("@")[0]
    services.page_session_record(page="/choices/", utm_source="newsletter", visitor_key=visitor)
    services.choices_submit(email=email, intent="invest", nps=9, visitor_key=visitor)
    services.early_access_request_create(
        email=email,
        intent_level="HIGH",
        investment_range="ABOVE_TWO_L",
        city="Pune",
        preferred_property_type="COMMERCIAL",
        notes="Call after six",
    )
    message = services.contact_message_create(
        name="Priya", email=email, subject="Baner", message="Is Baner still open?"
    )
    services.contact_message_mark_responded(message=message, by="asha")
    lead = lead_get_by_email(email=email)
    return services.lead_update(lead=lead, name="Priya Nair", phone="+91 99", by="asha")


# --- Smoke: every registered leads model -----------------------------------------------------


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_changelist_search_change_and_delete_pages_open(admin_client, model):
    full_history()
    obj = model.objects.first()

    assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "changelist"), {"q": "priya"}).status_code == 200
    # Submissions and leads come from the public forms: nobody adds them in admin.
    assert admin_client.get(url(model, "add")).status_code == 403
    assert admin_client.get(url(model, "change", obj.pk)).status_code == 200
    delete = admin_client.get(url(model, "delete", obj.pk))
    assert delete.status_code == 200
    assert "Are you sure" in delete.content.decode()


FILTERS = {
    UsersLead: [
        {"first_seen": "today"},
        {"first_seen": "7d"},
        {"first_seen": "30d"},
        {"source": "CONTACT"},
        {"environment": "DEV"},
        {"converted": "yes"},
        {"converted": "no"},
    ],
    LeadEvent: [{"event_type": "LEAD_EDITED"}, {"environment": "DEV"}],
    ChoicesResponse: [{"choice_key": "nps"}, {"environment": "DEV"}],
    EarlyAccessRequest: [
        {"intent_level": "HIGH"},
        {"investment_range": "ABOVE_TWO_L"},
        {"property_type": "COMMERCIAL"},
        {"property_type": "none"},
        {"environment": "DEV"},
    ],
    ContactMessage: [{"responded__exact": "1"}, {"responded__exact": "0"}],
    PageSession: [{"environment": "DEV"}],
}


@pytest.mark.parametrize(
    ("model", "params"),
    [(model, params) for model, cases in FILTERS.items() for params in cases],
    ids=lambda value: value.__name__ if isinstance(value, type) else str(value),
)
def test_every_filter_answers(admin_client, model, params):
    full_history()

    response = admin_client.get(url(model, "changelist"), params)

    assert response.status_code == 200
    # An unknown filter value makes Django redirect with ?e=1; a known one lists rows.
    assert "?e=1" not in response.get("Location", "")


def test_first_seen_filter_keeps_only_recent_leads(admin_client):
    now = timezone.now()
    fresh = UsersLeadFactory(email="fresh@example.com", first_seen_at=now, last_seen_at=now)
    week = now - timedelta(days=5)
    UsersLeadFactory(email="week@example.com", first_seen_at=week, last_seen_at=week)
    old = now - timedelta(days=45)
    UsersLeadFactory(email="old@example.com", first_seen_at=old, last_seen_at=old)
    changelist = url(UsersLead, "changelist")

    def emails(period: str) -> set[str]:
        response = admin_client.get(changelist, {"first_seen": period})
        return {lead.email for lead in response.context["cl"].result_list}

    assert emails("today") == {fresh.email}
    assert emails("7d") == {"fresh@example.com", "week@example.com"}
    assert emails("30d") == {"fresh@example.com", "week@example.com"}


def test_converted_filter_and_column(admin_client):
    converted = UsersLeadFactory(email="done@example.com")
    UsersLead.objects.filter(pk=converted.pk).update(converted_at=timezone.now())
    UsersLeadFactory(email="open@example.com")
    changelist = url(UsersLead, "changelist")

    yes = admin_client.get(changelist, {"converted": "yes"}).context["cl"].result_list
    no = admin_client.get(changelist, {"converted": "no"}).context["cl"].result_list

    assert [lead.email for lead in yes] == ["done@example.com"]
    assert [lead.email for lead in no] == ["open@example.com"]


def test_search_matches_email_phone_and_names_anywhere(admin_client):
    UsersLeadFactory(email="priya@example.com", name="Priya Nair", phone="+91 99000")
    UsersLeadFactory(email="asha@example.com", name="Asha Verma", phone="+44 20")
    changelist = url(UsersLead, "changelist")

    def found(term: str) -> set[str]:
        response = admin_client.get(changelist, {"q": term})
        return {lead.email for lead in response.context["cl"].result_list}

    assert found("PRIYA@") == {"priya@example.com"}
    assert found("+44") == {"asha@example.com"}
    assert found("verma") == {"asha@example.com"}
    # Any part of an email (issue 19): a domain finds everyone at it.
    assert found("example.com") == {"priya@example.com", "asha@example.com"}


def test_submission_counts_per_lead(admin_client):
    full_history()
    services.choices_submit(email="priya@example.com", intent="list-property", nps=3)
    UsersLeadFactory(email="quiet@example.com")

    response = admin_client.get(url(UsersLead, "changelist"))

    counts = {
        lead.email: (lead.choices_count, lead.early_access_count, lead.contact_message_count)
        for lead in response.context["cl"].result_list
    }
    assert counts == {"priya@example.com": (2, 1, 1), "quiet@example.com": (0, 0, 0)}


def test_date_hierarchy_drills_down_by_probing(admin_client):
    days = [timezone.now() - timedelta(days=n) for n in (0, 1, 40, 400)]
    for n, day in enumerate(days):
        UsersLeadFactory(first_seen_at=day, last_seen_at=day, email=f"d{n}@example.com")
    changelist = url(UsersLead, "changelist")

    html = admin_client.get(changelist).content.decode()

    local = [timezone.localtime(day) for day in days]
    for year in {day.year for day in local}:
        assert f"first_seen_at__year={year}" in html
    newest = local[0]
    month = admin_client.get(
        changelist, {"first_seen_at__year": newest.year, "first_seen_at__month": newest.month}
    ).content.decode()
    assert f"first_seen_at__day={newest.day}" in month


# --- The lead page -------------------------------------------------------------------------


def test_lead_page_tells_the_story_in_words(admin_client):
    lead = full_history()
    from crm.models import Organization

    organization = Organization.objects.create(name="Brightsmile", slug="brightsmile")
    services.lead_convert_to_contact(lead=lead, organization=organization, by="asha")

    html = admin_client.get(url(UsersLead, "change", lead.pk)).content.decode()

    assert "Answered the questionnaire" in html
    assert "I want to invest, score 9/10" in html
    assert "Asked for early access" in html
    assert "Ready to invest now, ₹2L+, commercial, in Pune" in html
    assert "Sent a message (answered): Baner" in html
    assert "Is Baner still open?" in html
    assert "Visited /choices/" in html
    assert "from newsletter" in html
    assert "Message marked responded by asha" in html
    assert "Edited by asha" in html
    assert "name: “Priya” → “Priya Nair”" in html
    assert "Converted to a contact by asha" in html
    assert "Priya Nair in Brightsmile" in html
    # Raw values sit behind the disclosure, not in the line.
    assert "<summary>Details</summary>" in html
    assert "early_access_request_id" in html


def test_timeline_is_newest_first_and_groups_a_questionnaire():
    lead = full_history()

    timeline = lead_timeline(lead=lead)

    assert [entry.at for entry in timeline] == sorted((e.at for e in timeline), reverse=True)
    kinds = [entry.kind for entry in timeline]
    assert kinds.count("choices") == 1
    assert {"early-access", "contact-message", "page-session", "staff-edit"} <= set(kinds)
    assert timeline[0].label == "Edited by asha"


def test_lead_page_has_no_empty_sections_for_unused_forms(admin_client):
    message = contact(1)

    html = admin_client.get(url(UsersLead, "change", message.lead.pk)).content.decode()

    assert "Sent a message (awaiting a reply): Question 1" in html
    for absent in ("Answered the questionnaire", "Asked for early access", "Visited "):
        assert absent not in html
    # No per-form tables (the old inlines) at all.
    assert "inline-group" not in html


def test_lead_page_queries_do_not_grow_with_events(admin_client, django_assert_max_num_queries):
    small, big = full_history("small@example.com"), full_history("big@example.com")
    for n in range(30):
        services.choices_submit(email=big.email, intent="invest", nps=n % 11)
        services.lead_update(lead=big, name=f"Name {n}", phone="", by="asha")
        contact_message = services.contact_message_create(
            name="B", email=big.email, subject=f"S{n}", message="Another question for you."
        )
        services.contact_message_mark_responded(message=contact_message, by="asha")

    def queries(lead) -> int:
        with django_assert_max_num_queries(20) as captured:
            response = admin_client.get(url(UsersLead, "change", lead.pk))
        assert response.status_code == 200
        return len(captured.captured_queries)

    queries(small)  # warm the per-process content-type cache the first page fills
    assert queries(small) == queries(big)


def test_staff_edit_of_a_lead_goes_through_the_service(admin_client, admin_user):
    lead = UsersLeadFactory(name="", phone="")

    response = admin_client.post(
        url(UsersLead, "change", lead.pk), {"name": "  Priya Nair ", "phone": "+91 99000 12345"}
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.name, lead.phone) == ("Priya Nair", "+91 99000 12345")
    event = lead.events.get(event_type=LeadEventType.LEAD_EDITED)
    assert event.metadata == {
        "changes": {"name": ["", "Priya Nair"], "phone": ["", "+91 99000 12345"]},
        "by": admin_user.username,
    }


def test_lead_update_without_changes_records_nothing():
    lead = services.lead_capture(email="p@example.com", name="Priya")

    services.lead_update(lead=lead, name="Priya ", phone="", by="staff")

    assert not lead.events.filter(event_type=LeadEventType.LEAD_EDITED).exists()


# --- Read-only submissions -----------------------------------------------------------------


@pytest.mark.parametrize("model", SUBMISSION_MODELS, ids=lambda m: m.__name__)
def test_submission_pages_are_read_only_without_save_button(admin_client, model):
    full_history()
    obj = model.objects.first()
    page = url(model, "change", obj.pk)

    html = admin_client.get(page).content.decode()
    assert 'name="_save"' not in html
    assert 'name="_continue"' not in html

    before = model.objects.count()
    assert admin_client.post(page, {"city": "Hacked", "subject": "x"}).status_code == 403
    assert model.objects.count() == before


def test_early_access_property_type_is_shown_and_filterable(admin_client):
    full_history()
    services.early_access_request_create(
        email="other@example.com", intent_level="LOW", investment_range="BELOW_10K", city="Goa"
    )
    changelist = url(EarlyAccessRequest, "changelist")

    listed = admin_client.get(changelist)
    commercial = admin_client.get(changelist, {"property_type": "COMMERCIAL"})
    not_given = admin_client.get(changelist, {"property_type": "none"})

    assert "Commercial" in listed.content.decode()
    assert [r.city for r in commercial.context["cl"].result_list] == ["Pune"]
    assert [r.city for r in not_given.context["cl"].result_list] == ["Goa"]


# --- Contact messages ------------------------------------------------------------------------


def test_mark_responded_action_uses_the_service(admin_client, admin_user):
    pending, done = contact(1), contact(2)
    services.contact_message_mark_responded(message=done, by="earlier")

    response = admin_client.post(
        url(ContactMessage, "changelist"),
        {"action": "mark_responded", "_selected_action": [pending.pk, done.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 message(s) marked as responded." in response.content.decode()
    pending.refresh_from_db()
    assert pending.responded
    event = pending.lead.events.get(event_type=LeadEventType.CONTACT_MESSAGE_RESPONDED)
    assert event.metadata["by"] == admin_user.username


def test_mark_not_responded_action_reopens(admin_client):
    message = contact(1)
    services.contact_message_mark_responded(message=message, by="earlier")

    admin_client.post(
        url(ContactMessage, "changelist"),
        {"action": "mark_not_responded", "_selected_action": [message.pk]},
    )

    message.refresh_from_db()
    assert not message.responded
    assert message.lead.events.filter(event_type=LeadEventType.CONTACT_MESSAGE_REOPENED).exists()


def test_message_page_button_toggles_responded(admin_client):
    message = contact(1)
    page = url(ContactMessage, "change", message.pk)
    toggle = reverse("admin:leads_contactmessage_responded", args=[message.pk])

    assert f'action="{toggle}"' in admin_client.get(page).content.decode()
    assert admin_client.post(toggle, {"responded": "1"}).status_code == 302
    message.refresh_from_db()
    assert message.responded
    assert "Mark not responded" in admin_client.get(page).content.decode()

    admin_client.post(toggle, {"responded": "0"})
    message.refresh_from_db()
    assert not message.responded


def test_responded_view_refuses_get(admin_client):
    message = contact(1)

    response = admin_client.get(reverse("admin:leads_contactmessage_responded", args=[message.pk]))

    assert response.status_code == 405
    message.refresh_from_db()
    assert not message.responded


def test_support_marks_responded_but_cannot_change_a_lead(client):
    support = StaffUserFactory(
        permissions=[
            "leads.view_userslead",
            "leads.view_contactmessage",
            "leads.mark_responded_contactmessage",
        ]
    )
    client.force_login(support)
    message = contact(1)
    lead = message.lead

    toggle = reverse("admin:leads_contactmessage_responded", args=[message.pk])
    assert client.post(toggle, {"responded": "1"}).status_code == 302
    message.refresh_from_db()
    assert message.responded

    lead_page = client.get(url(UsersLead, "change", lead.pk))
    assert lead_page.status_code == 200
    assert 'name="_save"' not in lead_page.content.decode()
    assert "Convert to contact" not in lead_page.content.decode()
    assert client.post(url(UsersLead, "change", lead.pk), {"name": "X"}).status_code == 403
    lead.refresh_from_db()
    assert lead.name == "Visitor 1"


def test_viewer_without_mark_permission_sees_no_button_or_action_and_is_refused(client):
    viewer = StaffUserFactory(permissions=["leads.view_contactmessage"])
    client.force_login(viewer)
    message = contact(1)

    page = client.get(url(ContactMessage, "change", message.pk)).content.decode()
    listing = client.get(url(ContactMessage, "changelist")).content.decode()
    refused = client.post(
        reverse("admin:leads_contactmessage_responded", args=[message.pk]), {"responded": "1"}
    )

    assert "Mark responded" not in page
    assert "mark_responded" not in listing
    assert refused.status_code == 403
    message.refresh_from_db()
    assert not message.responded


# --- Query budgets: the same at two sizes --------------------------------------------------


def grow(n: int) -> None:
    for i in range(n):
        full_history(f"lead{i}@example.com")


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, model
):
    changelist = url(model, "changelist")

    def queries() -> int:
        with django_assert_max_num_queries(15) as captured:
            response = admin_client.get(changelist)
        assert response.status_code == 200
        return len(captured.captured_queries)

    grow(2)
    few = queries()
    grow(12)
    many = queries()

    assert few == many
