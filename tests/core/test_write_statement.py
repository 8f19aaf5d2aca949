"""core.db.statement: a part built from values (``insert_row``) writes what ``.create()``
writes, and its SQL is built once per shape."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import StaffAlert, VisitorAutoReply
from core.db import statement
from core.db.statement import WriteStatement
from leads.models import LeadEvent
from outbox.models import OutboxEmail
from tests.leads.factories import UsersLeadFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Columns a row gets at the time it is written (its own clock or a fresh id).
PER_ROW = {"id", "created_at", "next_attempt_at"}


def row_values(model, pk) -> dict:
    row = model.objects.filter(pk=pk).values().get()
    return {column: value for column, value in row.items() if column not in PER_ROW}


def test_insert_row_writes_what_create_writes_with_every_default(postgres_only):
    values = {"to": "a@example.com", "subject": "Hello", "body": "Body", "origin_label": "t"}
    created = OutboxEmail.objects.create(**values)

    write = WriteStatement("default")
    write.insert_row("email", OutboxEmail, values, returning="id")
    (pk,) = write.run("SELECT id FROM email")

    assert OutboxEmail.objects.count() == 2
    assert row_values(OutboxEmail, pk) == row_values(OutboxEmail, created.pk)
    written = OutboxEmail.objects.get(pk=pk)
    assert written.status == OutboxEmail.Status.PENDING and written.attempts == 0
    assert written.next_attempt_at <= timezone.now()


def test_insert_row_calls_callable_defaults_per_row(postgres_only):
    lead = UsersLeadFactory()
    for name in ("first", "second"):
        write = WriteStatement("default")
        write.insert_row(name, LeadEvent, {"event_type": "LEAD_CAPTURED", "lead_id": lead.pk})
        write.run("SELECT 1")

    events = list(LeadEvent.objects.filter(lead=lead))
    assert len(events) == 2
    assert events[0].pk != events[1].pk  # uuid4 called for each row, never one fixed id
    assert all(event.metadata == {} for event in events)
    assert {event.environment for event in events} == {lead.environment}


def test_insert_row_expressions_and_source_fill_columns_from_an_earlier_part(postgres_only):
    lead = UsersLeadFactory()
    write = WriteStatement("default")
    found = write.part("found", "SELECT id FROM users_leads WHERE id = %s", [lead.pk])
    write.insert_row(
        "alert",
        StaffAlert,
        {"kind": StaffAlert.Kind.NEW_LEAD},
        expressions={"lead_id": (f"{found}.id", []), "new_lead": ("%s", [True])},
        source=found,
    )
    write.run("SELECT 1")

    alert = StaffAlert.objects.get()
    assert (alert.lead_id, alert.kind, alert.new_lead) == (lead.pk, "NEW_LEAD", True)
    assert alert.digested_at is None and alert.object_id is None


def test_a_part_s_sql_is_built_once_per_shape(postgres_only):
    def claim(to):
        write = WriteStatement("default")
        write.insert_row(
            "claim",
            VisitorAutoReply,
            {"to": to, "day": timezone.localdate(), "kind": "CONTACT_MESSAGE"},
            on_conflict='ON CONFLICT ("to", "day") DO NOTHING',
        )
        return write

    first, second = claim("a@example.com"), claim("b@example.com")

    assert first.sql == second.sql
    assert first._params != second._params
    plans = len(statement._PLANS)
    claim("c@example.com")
    assert len(statement._PLANS) == plans


def test_an_unknown_column_is_refused_before_anything_is_sent(postgres_only):
    write = WriteStatement("default")
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValueError, match="nope"):
        write.insert_row("x", OutboxEmail, {"to": "a@example.com", "nope": 1})

    assert len(queries) == 0
    assert not OutboxEmail.objects.exists()


@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
@pytest.mark.parametrize(
    "value",
    [
        "text",
        uuid.uuid4(),
        timezone.now(),
        timezone.now().replace(tzinfo=None),  # naive: Django makes it aware, never as is
        7,
        None,
        {"a": 1},
    ],
    ids=["str", "uuid", "aware", "naive", "int", "none", "dict"],
)
def test_value_prepare_gives_what_get_db_prep_save_gives(postgres_only, value):
    fields = [
        field
        for model in (OutboxEmail, LeadEvent, StaffAlert, VisitorAutoReply)
        for field in model._meta.local_concrete_fields
    ]
    compared = 0
    for field in fields:
        try:
            expected = field.get_db_prep_save(value, connection)
        except (TypeError, ValueError, ValidationError):
            continue  # a value this column never takes
        prepared = statement.value_prepare(field, value, connection)
        assert type(prepared) is type(expected), field
        assert str(prepared) == str(expected), field
        compared += 1
    assert compared


def test_a_fixed_default_is_written_into_the_sql(postgres_only):
    write = WriteStatement("default")
    write.insert_row("email", OutboxEmail, {"to": "a@example.com", "subject": "s", "body": "b"})

    assert "'PENDING'" in write.sql
    assert "PENDING" not in [str(param) for param in write._params]
