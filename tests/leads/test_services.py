from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from alerts.models import StaffAlert, VisitorAutoReply
from alerts.services import AUTO_REPLY_ORIGIN
from leads import services
from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    LeadEventType,
    LeadSource,
    PageSession,
    UsersLead,
)
from outbox.models import OutboxEmail

pytestmark = pytest.mark.django_db


def nothing_written() -> bool:
    return not any(
        model.objects.exists()
        for model in (UsersLead, LeadEvent, ChoicesResponse, EarlyAccessRequest, ContactMessage)
    )


def test_choices_submit_creates_lead_answers_and_one_event():
    responses = services.choices_submit(
        email="  Priya@Example.COM ", name="Priya", intent="invest", nps=9
    )

    lead = UsersLead.objects.get()
    assert lead.email == "priya@example.com"
    assert lead.name == "Priya"
    assert lead.source == LeadSource.CHOICES
    assert lead.environment == "DEV"
    assert {(r.choice_key, r.choice_value) for r in responses} == {
        ("intent", "invest"),
        ("nps", "9"),
    }
    assert ChoicesResponse.objects.filter(lead=lead).count() == 2
    event = LeadEvent.objects.get()
    assert event.lead == lead
    assert event.event_type == LeadEventType.CHOICES_SUBMITTED
    assert event.metadata["answers"] == {"intent": "invest", "nps": "9"}


def test_returning_lead_is_merged_not_duplicated():
    services.choices_submit(email="priya@example.com", intent="invest", nps=5)
    lead = UsersLead.objects.get()
    first_seen = lead.first_seen_at

    services.contact_message_create(
        name="Priya Nair",
        email="PRIYA@EXAMPLE.COM",
        phone="+91 99000 12345",
        subject="Hello",
        message="Is the Baner project open?",
    )
    services.early_access_request_create(
        email="priya@example.com",
        name="",
        intent_level="HIGH",
        investment_range="ABOVE_TWO_L",
        city="Pune",
    )

    lead.refresh_from_db()
    assert UsersLead.objects.count() == 1
    assert lead.source == LeadSource.CHOICES  # the first source stays
    assert lead.name == "Priya Nair"  # a blank was filled
    assert lead.phone == "+91 99000 12345"
    assert lead.first_seen_at == first_seen
    assert lead.last_seen_at > first_seen
    assert lead.events.count() == 3
    assert lead.contact_messages.count() == lead.early_access_requests.count() == 1


def test_a_known_name_is_never_overwritten_by_a_blank_or_a_new_one():
    services.contact_message_create(
        name="Priya Nair", email="p@example.com", phone="12345678", subject="s", message="x" * 10
    )

    services.choices_submit(email="p@example.com", name="", intent="invest", nps=1)
    services.choices_submit(email="p@example.com", name="Someone Else", intent="invest", nps=1)

    lead = UsersLead.objects.get()
    assert (lead.name, lead.phone) == ("Priya Nair", "12345678")


def test_same_email_in_another_environment_is_another_lead(settings):
    services.choices_submit(email="p@example.com", intent="invest", nps=1)
    settings.APP_ENVIRONMENT = "PROD"

    services.choices_submit(email="P@example.com", intent="invest", nps=1)

    assert sorted(UsersLead.objects.values_list("environment", flat=True)) == ["DEV", "PROD"]
    assert set(ChoicesResponse.objects.values_list("environment", flat=True)) == {"DEV", "PROD"}


def test_early_access_keeps_property_type_in_the_event():
    request = services.early_access_request_create(
        email="sam@example.com",
        name="Sam",
        intent_level="MEDIUM",
        investment_range="TEN_TO_FIFTY_K",
        city="Goa",
        preferred_property_type="COMMERCIAL",
        notes="Weekends only",
    )

    assert request.lead.source == LeadSource.EARLY_ACCESS
    assert (request.city, request.notes, request.intent_level) == ("Goa", "Weekends only", "MEDIUM")
    event = LeadEvent.objects.get()
    assert event.event_type == LeadEventType.EARLY_ACCESS_REQUESTED
    assert event.metadata["preferred_property_type"] == "COMMERCIAL"
    assert event.metadata["early_access_request_id"] == str(request.id)


def test_contact_message_and_mark_responded_once():
    message = services.contact_message_create(
        name="Meera",
        email="meera@example.com",
        subject="Listing",
        message="I want to list my flat.",
    )
    assert message.lead.source == LeadSource.CONTACT
    assert not message.responded

    services.contact_message_mark_responded(message=message, by="staff")
    services.contact_message_mark_responded(message=message, by="staff")

    message.refresh_from_db()
    assert message.responded
    assert LeadEvent.objects.filter(event_type=LeadEventType.CONTACT_MESSAGE_RESPONDED).count() == 1


def test_lead_capture_writes_one_event():
    lead = services.lead_capture(email="Walk.In@Example.com", name="Walk In")

    assert lead.source == LeadSource.OTHER
    assert lead.email == "walk.in@example.com"
    assert list(lead.events.values_list("event_type", flat=True)) == [LeadEventType.LEAD_CAPTURED]


def test_page_session_is_attributed_when_the_visitor_submits():
    session = services.page_session_record(
        page="/choices/?utm_source=ig", utm_source="ig", visitor_key="v1"
    )
    other = services.page_session_record(page="/", referrer="https://x.test/", visitor_key="v2")
    assert session.lead is None
    assert LeadEvent.objects.filter(event_type=LeadEventType.PAGE_SESSION_RECORDED).count() == 2

    services.choices_submit(email="p@example.com", intent="invest", nps=3, visitor_key="v1")
    later = services.page_session_record(page="/contact/", utm_source="mail", visitor_key="v1")

    lead = UsersLead.objects.get()
    session.refresh_from_db()
    other.refresh_from_db()
    assert session.lead == lead
    assert later.lead == lead
    assert other.lead is None
    assert lead.events.filter(event_type=LeadEventType.PAGE_SESSION_RECORDED).count() == 2
    assert PageSession.objects.filter(lead=lead).count() == 2


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: services.choices_submit(email="a@b.co", intent="buy", nps=1), "intent"),
        (lambda: services.choices_submit(email="a@b.co", intent="invest", nps=11), "nps"),
        (lambda: services.choices_submit(email="  ", intent="invest", nps=1), "email"),
        (
            lambda: services.contact_message_create(
                name="A", email="a@b.co", subject="s", message="too short"
            ),
            "message",
        ),
        (
            lambda: services.early_access_request_create(
                email="a@b.co", intent_level="SOON", investment_range="BELOW_10K", city="Pune"
            ),
            "intent_level",
        ),
    ],
)
def test_services_refuse_bad_input_and_write_nothing(call, field):
    with pytest.raises(ValidationError) as excinfo:
        call()

    assert field in excinfo.value.message_dict
    assert nothing_written()


# On SQLite one submission is at most five statements, for a new lead and a returning one:
#   BEGIN (a SAVEPOINT inside the test's transaction)
#   INSERT INTO users_leads ... ON CONFLICT (email, environment) DO UPDATE ... RETURNING ...
#   INSERT INTO choices_responses / early_access_requests / contact_messages
#   INSERT INTO lead_events
#   COMMIT (RELEASE SAVEPOINT)
SUBMISSION_STATEMENTS = 5
# What it sets in motion (alerts app): INSERT INTO staff_alerts, for a contact message, an
# early-access request, or a questionnaire that made a new lead; and for the first two the
# visitor's confirmation: INSERT INTO visitor_auto_replies ... ON CONFLICT DO NOTHING RETURNING
# (taking the address's one for the day), then, when it was free, INSERT INTO the outbox.
ALERT_STATEMENTS = 1
AUTO_REPLY_STATEMENTS = 2
SUBMISSIONS = [
    lambda email, **kw: services.choices_submit(
        email=email, intent="invest", nps=4, name="Ravi", **kw
    ),
    lambda email, **kw: services.early_access_request_create(
        email=email, intent_level="HIGH", investment_range="BELOW_10K", **kw
    ),
    lambda email, **kw: services.contact_message_create(
        name="Ravi", email=email, message="Please call me back.", **kw
    ),
]
FORMS = ["choices", "early_access", "contact"]


@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the multi-statement path; PostgreSQL sends one statement")


@pytest.mark.parametrize("submit", SUBMISSIONS, ids=FORMS)
def test_on_sqlite_a_submission_is_at_most_five_statements_and_what_it_sets_in_motion(
    submit, sqlite_only, django_assert_max_num_queries
):
    with django_assert_max_num_queries(
        SUBMISSION_STATEMENTS + ALERT_STATEMENTS + AUTO_REPLY_STATEMENTS
    ):
        submit("ravi@example.com")
    # Returning the same day: the confirmation is already taken (the claim alone).
    with django_assert_max_num_queries(SUBMISSION_STATEMENTS + ALERT_STATEMENTS + 1):
        submit("  RAVI@example.com")
    with django_assert_max_num_queries(SUBMISSION_STATEMENTS):
        submit("ravi@example.com", notify=False)

    assert UsersLead.objects.count() == 1
    assert LeadEvent.objects.count() == 3
    assert [e.metadata["new_lead"] for e in LeadEvent.objects.order_by("created_at")] == [
        True,
        False,
        False,
    ]


def test_on_sqlite_without_a_visitor_key_no_page_session_is_queried(
    sqlite_only, django_assert_num_queries
):
    services.page_session_record(page="/?utm_source=ig", utm_source="ig", visitor_key="v1")

    with django_assert_num_queries(SUBMISSION_STATEMENTS):
        services.choices_submit(email="p@example.com", intent="invest", nps=3, notify=False)

    assert PageSession.objects.get().lead is None


def one_statement(context) -> str:
    (query,) = context.captured_queries
    assert query["sql"].startswith("WITH lead AS (")
    return query["sql"]


@pytest.mark.postgres
@pytest.mark.parametrize(("form", "submit"), list(zip(FORMS, SUBMISSIONS, strict=True)))
def test_on_postgresql_a_submission_is_one_statement_with_all_it_sets_in_motion(
    form, submit, postgres_only, settings
):
    settings.VISITOR_AUTO_REPLY = True
    with CaptureQueriesContext(connection) as new_lead:
        submit("ravi@example.com")
    with CaptureQueriesContext(connection) as returning:
        submit("  RAVI@example.com ")
    with CaptureQueriesContext(connection) as quiet:
        submit("ravi@example.com", notify=False)

    first, second, third = (one_statement(c) for c in (new_lead, returning, quiet))
    assert "staff_alerts" in first and "staff_alerts" in second
    assert ("visitor_auto_replies" in first) == (form != "choices")
    assert "staff_alerts" not in third and "outbox" not in third
    assert UsersLead.objects.count() == 1
    assert [e.metadata["new_lead"] for e in LeadEvent.objects.order_by("created_at")] == [
        True,
        False,
        False,
    ]
    alerts = list(StaffAlert.objects.order_by("id").values_list("new_lead", flat=True))
    replies = OutboxEmail.objects.filter(origin_label=AUTO_REPLY_ORIGIN)
    if form == "choices":
        assert alerts == [True]  # a questionnaire alerts only for a new lead
        assert not replies.exists()
    else:
        assert alerts == [True, False]
        # One confirmation a day: the second submission's claim found the day taken.
        assert VisitorAutoReply.objects.count() == 1
        reply = replies.get()
        assert reply.to == "ravi@example.com"
        assert reply.origin_id == str(VisitorAutoReply.objects.get().pk)


@pytest.mark.postgres
def test_on_postgresql_a_visitor_key_still_sends_one_statement(postgres_only):
    session = services.page_session_record(
        page="/?utm_source=ig", utm_source="ig", visitor_key="v1"
    )
    other = services.page_session_record(page="/", referrer="https://x.test/", visitor_key="v2")

    with CaptureQueriesContext(connection) as context:
        services.contact_message_create(
            name="P", email="p@example.com", message="Please call me back.", visitor_key="v1"
        )

    one_statement(context)
    lead = UsersLead.objects.get()
    assert PageSession.objects.get(pk=session.pk).lead == lead
    assert PageSession.objects.get(pk=other.pk).lead is None
    assert LeadEvent.objects.get(pk=session.pk).lead == lead
    assert LeadEvent.objects.get(pk=other.pk).lead is None


@pytest.mark.postgres
def test_on_postgresql_lead_auto_assign_is_a_second_statement_in_one_transaction(
    postgres_only, settings
):
    settings.LEAD_AUTO_ASSIGN = True
    with CaptureQueriesContext(connection) as context:
        services.contact_message_create(
            name="P", email="p@example.com", message="Please call me back."
        )
    sqls = [q["sql"] for q in context.captured_queries]
    # SAVEPOINT, the statement, what the assignment reads and writes, RELEASE SAVEPOINT.
    assert sqls[0].startswith("SAVEPOINT") and sqls[-1].startswith("RELEASE SAVEPOINT")
    assert sqls[1].startswith("WITH lead AS (")


def test_upsert_keeps_the_later_last_seen_and_the_first_source(monkeypatch):
    lead, created = services.lead_upsert(email="k@example.com", source=LeadSource.CONTACT)
    assert created
    later = lead.last_seen_at
    earlier = later - timedelta(hours=1)
    monkeypatch.setattr(services.timezone, "now", lambda: earlier)

    again, created = services.lead_upsert(
        email="K@example.com", source=LeadSource.CHOICES, name="Kiran", phone="555 0100"
    )

    assert not created
    assert again.pk == lead.pk
    assert (again.source, again.last_seen_at, again.first_seen_at) == (
        LeadSource.CONTACT,
        later,
        lead.first_seen_at,
    )
    assert (again.name, again.phone) == ("Kiran", "555 0100")
    stored = UsersLead.objects.get()
    assert (stored.name, stored.phone, stored.last_seen_at) == ("Kiran", "555 0100", later)


def test_choices_without_a_score_stores_no_score_row():
    services.choices_submit(email="p@example.com", intent="list-property", client_source="website")

    assert list(ChoicesResponse.objects.values_list("choice_key", "choice_value")) == [
        ("intent", "list-property")
    ]
    event = LeadEvent.objects.get()
    assert event.metadata["answers"] == {"intent": "list-property"}
    assert event.metadata["client_source"] == "website"


# 254 characters, a valid address; lower-casing "İ" makes it 255, which no longer fits.
GROWING_EMAIL = "İ" + "a" * 39 + "@" + ("b" * 63 + ".") * 3 + "e" * 17 + ".com"


def test_an_email_that_outgrows_the_column_when_normalized_is_refused():
    assert len(GROWING_EMAIL) == 254 < len(GROWING_EMAIL.lower())

    with pytest.raises(ValidationError) as excinfo:
        services.choices_submit(email=GROWING_EMAIL, intent="invest", nps=1)

    assert "too long" in excinfo.value.message_dict["email"][0]
    assert nothing_written()


@pytest.fixture
def failing_staff_alerts(postgres_only, transactional_db):
    """Make the statement's last part fail: an INSERT INTO staff_alerts raises."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_alert() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'alert refused by the test'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_alert BEFORE INSERT ON staff_alerts "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_alert()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_refuse_alert ON staff_alerts")
        cursor.execute("DROP FUNCTION test_refuse_alert()")


@pytest.mark.postgres
@pytest.mark.parametrize("submit", SUBMISSIONS, ids=FORMS)
def test_on_postgresql_a_failure_anywhere_in_the_statement_writes_nothing(
    submit, failing_staff_alerts, settings
):
    # Outside any transaction (transactional_db): the statement commits or writes nothing.
    settings.VISITOR_AUTO_REPLY = True
    services.page_session_record(page="/?utm_source=ig", utm_source="ig", visitor_key="v1")
    assert connection.get_autocommit()

    with pytest.raises(DatabaseError, match="alert refused by the test"):
        submit("ravi@example.com", visitor_key="v1")

    assert nothing_written_but_the_visit()
    assert not StaffAlert.objects.exists()
    assert not VisitorAutoReply.objects.exists()
    assert not OutboxEmail.objects.exists()
    # The same submission goes through once the failure is gone, and claims the visit.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE staff_alerts DISABLE TRIGGER test_refuse_alert")
    submit("ravi@example.com", visitor_key="v1")
    assert PageSession.objects.get().lead == UsersLead.objects.get()
    assert StaffAlert.objects.count() == 1


def nothing_written_but_the_visit() -> bool:
    return (
        not any(
            model.objects.exists()
            for model in (UsersLead, ChoicesResponse, EarlyAccessRequest, ContactMessage)
        )
        and list(LeadEvent.objects.values_list("event_type", "lead"))
        == [(LeadEventType.PAGE_SESSION_RECORDED, None)]
        and PageSession.objects.get().lead is None
    )
