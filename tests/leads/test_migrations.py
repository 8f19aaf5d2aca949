"""The rewiring migrations, forward and back, on a legacy dataset (both backends)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

CREATE = ("leads", "0002_create_users_leads_tables")
BACKFILL = ("leads", "0003_backfill_users_leads_from_legacy")
GUARD = ("leads", "0004_restore_legacy_rows_on_reverse")
DROP = ("leads", "0005_drop_legacy_lead_tables")
LEGACY = ["Lead", "ChoiceResponse", "EarlyAccessUser", "ContactUs", "WaitlistEntry"]
IMPORTED = "LEGACY_RECORD_IMPORTED"


def legacy_dataset(apps) -> dict:
    """Priya in all five tables in four spellings; others with missing names or no lead."""
    now = timezone.now()
    ago = lambda days: now - timedelta(days=days)  # noqa: E731
    Lead = apps.get_model("leads", "Lead")
    ChoiceResponse = apps.get_model("leads", "ChoiceResponse")
    EarlyAccessUser = apps.get_model("leads", "EarlyAccessUser")
    ContactUs = apps.get_model("leads", "ContactUs")
    WaitlistEntry = apps.get_model("leads", "WaitlistEntry")
    User = apps.get_model("auth", "User")

    user = User.objects.create(username="priya")
    priya = Lead.objects.create(email="Priya.Nair@Example.com", name="", created_at=ago(90))
    arjun = Lead.objects.create(
        email="arjun@example.com", name="Arjun", anonymous=False, created_at=ago(60)
    )
    ChoiceResponse.objects.create(
        lead=priya,
        intent="invest",
        nps=9,
        meta={"city": "Pune", "budget": 50000},
        created_at=ago(89),
    )
    ChoiceResponse.objects.create(lead=arjun, intent="list-property", nps=None, created_at=ago(59))
    ChoiceResponse.objects.create(lead=None, intent="invest", nps=4, meta={}, created_at=ago(30))
    EarlyAccessUser.objects.create(
        email="priya.nair@example.com",
        name="Priya Nair",
        investment_intent="INVEST_WITHIN_3_MONTHS",
        expected_investment_range="FIFTY_K_TO_TWO_L",
        preferred_property_type="RESIDENTIAL",
        created_at=ago(45),
    )
    EarlyAccessUser.objects.create(
        email="NoName@example.com",
        investment_intent="READY_TO_INVEST",
        expected_investment_range="ABOVE_TWO_L",
        created_at=ago(40),
    )
    ContactUs.objects.create(
        name="Priya N.",
        email="  PRIYA.NAIR@example.com ",
        phone="+91 99000 12345",
        message="Is the Baner project open?",
        handled=True,
        created_at=ago(20),
    )
    ContactUs.objects.create(
        name="Meera", email="meera@example.com", message="List my flat", created_at=ago(10)
    )
    WaitlistEntry.objects.create(
        email="priya.nair@EXAMPLE.com", status="approved", user=user, created_at=ago(120)
    )
    WaitlistEntry.objects.create(email="sam@example.com", name="Sam", created_at=ago(15))
    return {"user_id": user.pk, "now": now}


def snapshot(apps) -> dict[str, list[dict]]:
    return {
        name: list(apps.get_model("leads", name).objects.order_by("pk").values()) for name in LEGACY
    }


@pytest.fixture
def legacy_state(migrator):
    old_state = migrator.apply_initial_migration(CREATE)
    facts = legacy_dataset(old_state.apps)
    return migrator, old_state, facts


def test_backfill_dedups_across_the_five_tables_and_maps_every_row(legacy_state):
    migrator, old_state, facts = legacy_state
    before = snapshot(old_state.apps)

    new_state = migrator.apply_tested_migration(BACKFILL)

    apps = new_state.apps
    UsersLead = apps.get_model("leads", "UsersLead")
    LeadEvent = apps.get_model("leads", "LeadEvent")
    ChoicesResponse = apps.get_model("leads", "ChoicesResponse")
    assert sorted(UsersLead.objects.values_list("email", flat=True)) == [
        "arjun@example.com",
        "meera@example.com",
        "noname@example.com",
        "priya.nair@example.com",
        "sam@example.com",
    ]
    assert set(UsersLead.objects.values_list("environment", flat=True)) == {"DEV"}
    priya = UsersLead.objects.get(email="priya.nair@example.com")
    waitlist = before["WaitlistEntry"]
    priya_waitlist = next(row for row in waitlist if row["email"].startswith("priya"))
    priya_contact = next(row for row in before["ContactUs"] if "PRIYA" in row["email"])
    # The waitlist entry is her earliest record, the contact message her latest.
    assert priya.source == "EARLY_ACCESS"
    assert priya.first_seen_at == priya_waitlist["created_at"]
    assert priya.last_seen_at == priya_contact["created_at"]
    # The first name found fills the blank; the later "Priya N." does not overwrite it.
    assert priya.name == "Priya Nair"
    assert priya.phone == "+91 99000 12345"
    assert UsersLead.objects.get(email="noname@example.com").name == ""
    assert UsersLead.objects.get(email="arjun@example.com").source == "CHOICES"
    assert UsersLead.objects.get(email="meera@example.com").source == "CONTACT"

    answers = set(
        ChoicesResponse.objects.filter(lead=priya).values_list("choice_key", "choice_value")
    )
    assert answers == {("intent", "invest"), ("nps", "9"), ("city", "Pune"), ("budget", "50000")}
    arjun_answers = ChoicesResponse.objects.filter(lead__email="arjun@example.com")
    assert list(arjun_answers.values_list("choice_key", flat=True)) == ["intent"]
    orphan = ChoicesResponse.objects.filter(lead__isnull=True)
    assert set(orphan.values_list("choice_key", "choice_value")) == {
        ("intent", "invest"),
        ("nps", "4"),
    }

    early = apps.get_model("leads", "EarlyAccessRequest").objects.get(lead=priya)
    assert (early.intent_level, early.investment_range) == ("MEDIUM", "FIFTY_K_TO_TWO_L")
    noname = apps.get_model("leads", "EarlyAccessRequest").objects.get(
        lead__email="noname@example.com"
    )
    assert noname.intent_level == "HIGH"
    message = apps.get_model("leads", "ContactMessage").objects.get(lead=priya)
    assert message.responded is True
    assert message.message == "Is the Baner project open?"
    assert (
        apps.get_model("leads", "ContactMessage")
        .objects.get(lead__email="meera@example.com")
        .responded
        is False
    )

    # Every legacy row is accounted for by exactly one event holding the whole row.
    events = LeadEvent.objects.filter(event_type=IMPORTED)
    assert events.count() == sum(len(rows) for rows in before.values())
    for name, rows in before.items():
        table = old_state.apps.get_model("leads", name)._meta.db_table
        recorded = [
            e.metadata["legacy_record"] for e in events if e.metadata["legacy_table"] == table
        ]
        assert sorted(r["id"] for r in recorded) == sorted(str(row["id"]) for row in rows)
    assert priya.events.count() == 5
    assert events.filter(lead__isnull=True).count() == 1
    waitlist_event = events.get(lead=priya, metadata__legacy_table="leads_waitlistentry")
    assert waitlist_event.metadata["status"] == "approved"
    assert waitlist_event.metadata["user_id"] == facts["user_id"]
    early_event = events.get(lead=priya, metadata__legacy_table="leads_earlyaccessuser")
    assert early_event.metadata["preferred_property_type"] == "RESIDENTIAL"
    assert early_event.created_at == early.created_at


def test_backfill_reverse_removes_what_it_created_and_keeps_legacy_rows(legacy_state):
    migrator, old_state, _ = legacy_state
    before = snapshot(old_state.apps)
    migrator.apply_tested_migration(BACKFILL)

    back = migrator.apply_tested_migration(CREATE)

    for name in [
        "UsersLead",
        "LeadEvent",
        "ChoicesResponse",
        "EarlyAccessRequest",
        "ContactMessage",
    ]:
        assert not back.apps.get_model("leads", name).objects.exists(), name
    assert snapshot(back.apps) == before


def test_drop_removes_legacy_tables_and_its_reverse_restores_rows_equal_to_originals(
    legacy_state,
):
    migrator, old_state, facts = legacy_state
    before = snapshot(old_state.apps)

    dropped = migrator.apply_tested_migration(DROP)
    tables = connection.introspection.table_names()
    assert "leads_waitlistentry" not in tables
    assert "leads_lead" not in tables
    assert ("leads", "waitlistentry") not in dropped.models
    assert dropped.apps.get_model("leads", "UsersLead").objects.count() == 5

    restored = migrator.apply_tested_migration(BACKFILL)

    assert snapshot(restored.apps) == before
    entry = restored.apps.get_model("leads", "WaitlistEntry").objects.get(status="approved")
    assert entry.user_id == facts["user_id"]
    assert restored.apps.get_model("leads", "LeadEvent").objects.filter(
        event_type=IMPORTED
    ).count() == sum(len(rows) for rows in before.values())


def test_drop_is_refused_while_a_legacy_row_is_not_backfilled(legacy_state):
    migrator, _, _ = legacy_state
    state = migrator.apply_tested_migration(BACKFILL)
    ContactUs = state.apps.get_model("leads", "ContactUs")
    late = ContactUs.objects.create(
        name="Late", email="late@example.com", message="Arrived after the backfill"
    )

    with pytest.raises(RuntimeError, match="leads_contactus: 3 rows, 2 imported"):
        migrator.apply_tested_migration(GUARD)

    assert ContactUs.objects.filter(pk=late.pk).exists()
    late.delete()  # so that the fixture's reset can migrate to the latest state


def test_backfill_query_count_does_not_grow_with_the_number_of_legacy_rows(migrator):
    """Chunked and set-based: 5 or 50 legacy rows, the same number of queries."""
    state = migrator.apply_initial_migration(CREATE)
    counts = []
    for total in (5, 50):
        Lead = state.apps.get_model("leads", "Lead")
        ContactUs = state.apps.get_model("leads", "ContactUs")
        have = Lead.objects.count()
        Lead.objects.bulk_create(
            Lead(email=f"lead{n}@example.com", name=f"Lead {n}") for n in range(have, total)
        )
        ContactUs.objects.bulk_create(
            ContactUs(name=f"C {n}", email=f"LEAD{n}@example.com", message="hello there")
            for n in range(have, total)
        )
        with CaptureQueriesContext(connection) as queries:
            migrator.apply_tested_migration(BACKFILL)
        counts.append(len(queries))
        users_leads = migrator.apply_tested_migration(BACKFILL).apps.get_model("leads", "UsersLead")
        assert users_leads.objects.count() == total
        state = migrator.apply_tested_migration(CREATE)

    assert counts[0] == counts[1]


def lead_rows(apps) -> list[tuple]:
    UsersLead = apps.get_model("leads", "UsersLead")
    return list(
        UsersLead.objects.order_by("email").values_list(
            "email", "name", "phone", "source", "first_seen_at", "last_seen_at"
        )
    )


def test_backfill_in_tiny_chunks_merges_people_across_chunks_the_same_way(
    legacy_state, monkeypatch
):
    """One person's rows fall into different chunks; the result matches one big chunk."""
    import importlib

    backfill = importlib.import_module("leads.migrations.0003_backfill_users_leads_from_legacy")
    migrator, _, _ = legacy_state
    in_one_chunk = lead_rows(migrator.apply_tested_migration(BACKFILL).apps)
    migrator.apply_tested_migration(CREATE)
    monkeypatch.setattr(backfill, "CHUNK_SIZE", 2)

    state = migrator.apply_tested_migration(BACKFILL)

    assert lead_rows(state.apps) == in_one_chunk
    assert state.apps.get_model("leads", "LeadEvent").objects.count() == 11
    assert state.apps.get_model("leads", "ChoicesResponse").objects.count() == 7


def test_backfill_stops_with_a_pointer_on_an_unknown_legacy_value(legacy_state):
    migrator, old_state, _ = legacy_state
    EarlyAccessUser = old_state.apps.get_model("leads", "EarlyAccessUser")
    odd = EarlyAccessUser.objects.create(
        email="odd@example.com", investment_intent="MAYBE", expected_investment_range="BELOW_10K"
    )

    with pytest.raises(ValueError, match=f"leads_earlyaccessuser {odd.pk}: unknown"):
        migrator.apply_tested_migration(BACKFILL)

    odd.delete()  # so that the fixture's reset can migrate to the latest state


USER_LINK_TABLE = "legacy_waitlist_user_link"


def user_links() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT waitlist_entry_id::text, user_id, user_email FROM {USER_LINK_TABLE} "
            "ORDER BY user_id"
        )
        return cursor.fetchall()


def test_waitlist_links_to_prisma_users_survive_the_round_trip(legacy_state):
    """adopt_database's side table: into the import events, dropped by 0005, rebuilt by its reverse."""
    if connection.vendor != "postgresql":
        pytest.skip("the link table only exists on an adopted PostgreSQL database")
    migrator, old_state, _ = legacy_state
    waitlist = {row["email"]: str(row["id"]) for row in snapshot(old_state.apps)["WaitlistEntry"]}
    priya, sam = waitlist["priya.nair@EXAMPLE.com"], waitlist["sam@example.com"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {USER_LINK_TABLE} (waitlist_entry_id uuid PRIMARY KEY, "
            "user_id text NOT NULL, user_email text NULL)"
        )
        cursor.execute(
            f"INSERT INTO {USER_LINK_TABLE} VALUES (%s, 'clx0priya', 'Priya@Example.com'), "
            "(%s, 'clx1sam', NULL)",
            [priya, sam],
        )
    links = user_links()

    state = migrator.apply_tested_migration(GUARD)

    events = state.apps.get_model("leads", "LeadEvent").objects.filter(
        event_type=IMPORTED, metadata__legacy_table="leads_waitlistentry"
    )
    linked = {e.metadata["legacy_record"]["id"]: e.metadata["linked_user"] for e in events}
    assert linked == {
        priya: {"id": "clx0priya", "email": "Priya@Example.com"},
        sam: {"id": "clx1sam", "email": None},
    }
    other = state.apps.get_model("leads", "LeadEvent").objects.filter(
        event_type=IMPORTED, metadata__has_key="linked_user"
    )
    assert other.count() == 2

    migrator.apply_tested_migration(DROP)
    assert USER_LINK_TABLE not in connection.introspection.table_names()

    migrator.apply_tested_migration(CREATE)
    assert user_links() == links
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {USER_LINK_TABLE}")


def test_drop_refuses_while_a_waitlist_link_is_not_in_the_events(legacy_state):
    if connection.vendor != "postgresql":
        pytest.skip("the link table only exists on an adopted PostgreSQL database")
    migrator, old_state, _ = legacy_state
    (entry, *_) = snapshot(old_state.apps)["WaitlistEntry"]
    migrator.apply_tested_migration(GUARD)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {USER_LINK_TABLE} (waitlist_entry_id uuid PRIMARY KEY, "
            "user_id text NOT NULL, user_email text NULL)"
        )
        cursor.execute(f"INSERT INTO {USER_LINK_TABLE} VALUES (%s, 'late', NULL)", [entry["id"]])

    with pytest.raises(RuntimeError, match=f"Refusing to drop {USER_LINK_TABLE}: 1 waitlist"):
        migrator.apply_tested_migration(DROP)

    assert user_links() == [(str(entry["id"]), "late", None)]
    assert "leads_waitlistentry" in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {USER_LINK_TABLE}")


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor refuses a test transaction
@pytest.mark.parametrize("backwards", [False, True], ids=["forwards", "backwards"])
def test_sqlmigrate_of_the_event_type_check_only_collects_its_sql(backwards):
    """sqlmigrate (which the migration linter runs on every migration) must not run a thing."""
    from django.core.management import call_command

    args = ["--backwards"] if backwards else []
    with CaptureQueriesContext(connection) as queries:
        out = StringIO()
        call_command(
            "sqlmigrate", "leads", "0009_lead_event_types_converted_reopened", *args, stdout=out
        )

    touched = [q["sql"] for q in queries.captured_queries if "lead_events" in q["sql"]]
    assert touched == []
    if connection.vendor == "postgresql":
        assert (
            "ALTER TABLE lead_events VALIDATE CONSTRAINT lead_events_event_type_valid"
            in out.getvalue()
        )
    assert "lead_events_event_type_valid" in out.getvalue()


BEFORE_STATUS = ("leads", "0010_index_lead_admin_orderings_and_search")
STATUS_CHECKS = ("leads", "0013_constrain_and_index_lead_status_owner")


def test_status_migrations_mark_converted_leads_and_walk_back(migrator):
    old = migrator.apply_initial_migration(
        [BEFORE_STATUS, ("crm", "0009_add_admin_list_and_search_indexes")]
    )
    UsersLead = old.apps.get_model("leads", "UsersLead")
    Contact = old.apps.get_model("crm", "Contact")
    Organization = old.apps.get_model("crm", "Organization")
    now = timezone.now()
    contact = Contact.objects.create(
        organization=Organization.objects.create(name="Agency"), name="Asha", email="a@x.com"
    )
    open_lead = UsersLead.objects.create(email="open@example.com", source="CHOICES")
    converted = UsersLead.objects.create(
        email="a@x.com", source="CHOICES", converted_contact=contact, converted_at=now
    )

    new = migrator.apply_tested_migration(STATUS_CHECKS)
    leads = new.apps.get_model("leads", "UsersLead").objects
    assert dict(leads.values_list("email", "status")) == {
        "open@example.com": "NEW",
        "a@x.com": "CONVERTED",
    }
    assert not leads.filter(owner__isnull=False).exists()

    back = migrator.apply_tested_migration([BEFORE_STATUS])
    rows = back.apps.get_model("leads", "UsersLead").objects
    assert set(rows.values_list("pk", flat=True)) == {open_lead.pk, converted.pk}
    assert rows.get(pk=converted.pk).converted_at is not None
    columns = {
        column.name
        for column in connection.introspection.get_table_description(
            connection.cursor(), "users_leads"
        )
    }
    assert not {"status", "owner_id"} & columns


BEFORE_EVENT_TYPES = ("leads", "0008_add_lead_staff_permissions")
BEFORE_REPLIED = ("leads", "0017_add_contact_message_responded_at_and_by")
REPLIED = ("leads", "0018_lead_event_type_contact_message_replied")


def test_event_types_walk_back_as_lead_edited_and_each_step_restores_only_its_own(migrator):
    state = migrator.apply_initial_migration([REPLIED])
    LeadEvent = state.apps.get_model("leads", "LeadEvent")
    LeadEvent.objects.create(event_type="CONTACT_MESSAGE_REPLIED", metadata={"by": "asha"})
    LeadEvent.objects.create(event_type="LEAD_CONVERTED", metadata={"by": "ravi"})

    def types(state) -> dict[str, tuple]:
        rows = state.apps.get_model("leads", "LeadEvent").objects.values_list(
            "metadata", "event_type"
        )
        return {
            meta["by"]: (event_type, meta.get("rolled_back_event_type"))
            for meta, event_type in rows
        }

    assert types(migrator.apply_tested_migration([BEFORE_REPLIED])) == {
        "asha": ("LEAD_EDITED", "CONTACT_MESSAGE_REPLIED"),
        "ravi": ("LEAD_CONVERTED", None),
    }
    assert types(migrator.apply_tested_migration([BEFORE_EVENT_TYPES])) == {
        "asha": ("LEAD_EDITED", "CONTACT_MESSAGE_REPLIED"),
        "ravi": ("LEAD_EDITED", "LEAD_CONVERTED"),
    }
    # 0009 gives back only its own types: the reply waits for 0017 (the check would refuse it).
    assert types(migrator.apply_tested_migration([BEFORE_REPLIED])) == {
        "asha": ("LEAD_EDITED", "CONTACT_MESSAGE_REPLIED"),
        "ravi": ("LEAD_CONVERTED", None),
    }
    assert types(migrator.apply_tested_migration([REPLIED])) == {
        "asha": ("CONTACT_MESSAGE_REPLIED", None),
        "ravi": ("LEAD_CONVERTED", None),
    }
