"""adopt_database on databases built from LEGACY-DATABASES.md (fixtures in ./adoption/).

Each test builds a scratch PostgreSQL database from the fixture SQL, adopts it, runs
``migrate`` and ``check_drift``, accounts for every row, and restores the adoption's backup.
"""

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from core.db.connections import connection_swapped
from core.db.drift import find_drift
from leads.adoption import prisma, supabase

FIXTURES = Path(__file__).parent / "adoption"
PRISMA = ["prisma_schema.sql", "prisma_rows.sql"]
PRISMA_EARLY_ACCESS = ["prisma_early_access.sql", "prisma_early_access_rows.sql"]
SUPABASE = ["supabase_schema.sql", "supabase_rows.sql"]
IMPORTED = "LEGACY_RECORD_IMPORTED"


class SourceDatabase:
    """A scratch database built from fixture SQL, served as 'default' inside ``use()``."""

    def __init__(self, server, name: str):
        self.server, self.name = server, name
        self.config = server.config(name)

    def sql(self, statement: str) -> list[tuple]:
        with psycopg.connect(self._conninfo(), autocommit=True) as raw:
            cursor = raw.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def fingerprint(self) -> str:
        """The whole database, schema and rows, as pg_dump prints it."""
        params = self.server.params
        env = {**os.environ, "PGPASSWORD": params["PASSWORD"] or ""}
        result = subprocess.run(
            ["pg_dump", "--no-owner", "-h", params["HOST"] or "127.0.0.1"]
            + ["-p", str(params["PORT"] or 5432), "-U", params["USER"], self.name],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        # pg_dump's \restrict lines hold a random key per run.
        return "\n".join(
            line
            for line in result.stdout.splitlines()
            if not line.startswith(("\\restrict", "\\unrestrict"))
        )

    def _conninfo(self) -> str:
        return self.server.url(self.name)


@pytest.fixture
def source_db(scratch_server, django_db_blocker, settings, tmp_path):
    if scratch_server.vendor != "postgresql":
        pytest.skip("adopt_database works on PostgreSQL only (set DATABASE_URL=postgres://...)")
    settings.BACKUP_DIR = tmp_path / "backups"
    created = []

    def build(*files: str) -> SourceDatabase:
        database = SourceDatabase(scratch_server, scratch_server.create("adopt"))
        created.append(database.name)
        database.sql("\n".join((FIXTURES / name).read_text() for name in files))
        return database

    with django_db_blocker.unblock():
        yield build
    for name in created:
        scratch_server.drop(name)


def adopt(database: SourceDatabase, *args: str) -> str:
    with connection_swapped(database.config):
        out = _call("adopt_database", *args)
    return out


def _call(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def backups(settings) -> list[Path]:
    directory = Path(settings.BACKUP_DIR)
    return sorted(directory.glob("*.dump")) if directory.exists() else []


def only_unapplied_migrations() -> bool:
    differences, _ = find_drift(connection)
    return bool(differences) and {d.kind for d in differences} == {"migration_unapplied"}


def naive_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- Prisma -----------------------------------------------------------------------------


@pytest.mark.parametrize("early_access", [True, False], ids=["with-EarlyAccessUser", "without"])
def test_prisma_database_is_adopted_migrated_clean_and_restorable(
    source_db, settings, early_access
):
    # Given a Prisma-era database, with or without "EarlyAccessUser"
    database = source_db(*PRISMA, *(PRISMA_EARLY_ACCESS if early_access else []))
    before = database.fingerprint()
    legacy_ids = {
        table: sorted(row[0] for row in database.sql(f'SELECT "id" FROM "{table}"'))
        for table in ["Lead", "ChoiceResponse", "ContactUs", "WaitlistEntry"]
        + (["EarlyAccessUser"] if early_access else [])
    }

    # When it is adopted
    out = adopt(database, "--source", "comfhutt-prisma")

    # Then the backup was written first, the report names what was left alone
    (backup,) = backups(settings)
    assert f"Backup before adopting: {backup}" in out
    assert "User: 2 rows" in out and "Property: 1 rows" in out and "Account: 1 rows" in out
    assert '"Lead" -> leads_lead: 3' in out
    # and the waitlist's link to "User" is kept as data, with the user's email
    links_before = sorted(database.sql(f"SELECT * FROM {prisma.LINK_TABLE}"))
    assert links_before == [
        (
            _uuid("a0000000-0000-4000-8000-000000000001"),
            "6f1c1a52-0d55-4c43-9d7e-0d8f3c1b7a01",
            "priya.nair@example.com",
        ),
        (
            _uuid("a0000000-0000-4000-8000-000000000002"),
            "6f1c1a52-0d55-4c43-9d7e-0d8f3c1b7a02",
            "ravi@example.com",
        ),
    ]
    assert database.sql("SELECT count(*) FROM leads_waitlistentry WHERE user_id IS NOT NULL") == [
        (0,)
    ]
    # Prisma's tables and enum types are gone; the tables it does not model are untouched
    assert database.sql("SELECT to_regclass('\"Lead\"'), to_regtype('\"InvestmentIntent\"')") == [
        (None, None)
    ]
    assert database.sql('SELECT "title" FROM "Property"') == [("Baner 2BHK",)]

    # Before migrate, the drift check finds nothing but the migrations still to apply
    with connection_swapped(database.config):
        assert only_unapplied_migrations()

        # When migrate runs, then check_drift is clean
        _call("migrate", "--skip-backup", "--verbosity", "0")
        assert "No schema drift" in _call("check_drift")
        # (only the tables marked as left alone are skipped: a table nobody marked is drift)
        database.sql("CREATE TABLE stray (id integer)")
        with pytest.raises(CommandError, match="schema drift: 1 difference"):
            _call("check_drift")
        database.sql("DROP TABLE stray")

        # and every legacy row is accounted for, as in the backfill tests
        from leads.models import ChoicesResponse, ContactMessage, LeadEvent, UsersLead

        events = LeadEvent.objects.filter(event_type=IMPORTED)
        assert events.count() == sum(len(ids) for ids in legacy_ids.values())
        for table, ids in legacy_ids.items():
            recorded = events.filter(metadata__legacy_table=f"leads_{table.lower()}")
            assert sorted(e.metadata["legacy_record"]["id"] for e in recorded) == ids, table
        emails = sorted(UsersLead.objects.values_list("email", flat=True))
        expected = ["arjun@example.com", "meera@example.com", "priya.nair@example.com"]
        expected += ["ravi@example.com", "sam@example.com"]
        if early_access:
            expected.append("noname@example.com")
        assert emails == sorted(expected)
        priya = UsersLead.objects.get(email="priya.nair@example.com")
        # Her earliest record is the waitlist entry: TIMESTAMP(3) read as UTC, milliseconds kept
        assert priya.first_seen_at == naive_utc("2025-10-01 08:00:00.250")
        assert priya.source == "EARLY_ACCESS"
        assert priya.phone == "+91 99000 12345"
        assert priya.events.filter(event_type=IMPORTED).count() == (5 if early_access else 4)
        answers = set(
            ChoicesResponse.objects.filter(lead=priya).values_list("choice_key", "choice_value")
        )
        assert answers == {
            ("intent", "invest"),
            ("nps", "9"),
            ("ip_hash", "h1"),
            ("user_agent", "Mozilla"),
        }
        orphan = ChoicesResponse.objects.filter(lead__isnull=True)
        assert set(orphan.values_list("choice_key", "choice_value")) == {
            ("intent", "invest"),
            ("nps", "0"),
        }
        assert ContactMessage.objects.get(lead=priya).responded is True
        waitlist = events.get(metadata__legacy_table="leads_waitlistentry", lead=priya)
        assert waitlist.metadata["status"] == "approved"
        assert waitlist.metadata["legacy_record"]["user_id"] is None
        # the link to the Prisma "User" lives on in the import event (leads 0003), and the
        # side table is gone (leads 0005)
        assert waitlist.metadata["linked_user"] == {
            "id": "6f1c1a52-0d55-4c43-9d7e-0d8f3c1b7a01",
            "email": "priya.nair@example.com",
        }
        ravi = events.get(
            metadata__legacy_table="leads_waitlistentry", lead__email="ravi@example.com"
        )
        assert ravi.metadata["linked_user"]["email"] == "ravi@example.com"
        assert (
            "linked_user"
            not in events.get(
                metadata__legacy_table="leads_waitlistentry", metadata__status="pending"
            ).metadata
        )
        assert prisma.LINK_TABLE not in connection.introspection.table_names()

        # Walking leads back before 0005 rebuilds the side table from the events, marked as
        # the adoption marked it: the drift check sees only the migrations to re-apply
        _call("migrate", "leads", "0004", "--skip-backup", "--verbosity", "0")
        assert sorted(database.sql(f"SELECT * FROM {prisma.LINK_TABLE}")) == links_before
        assert only_unapplied_migrations()
        _call("migrate", "--skip-backup", "--verbosity", "0")
        assert "No schema drift" in _call("check_drift")
        if early_access:
            early = events.get(metadata__legacy_table="leads_earlyaccessuser", lead=priya)
            assert early.metadata["preferred_property_type"] == "RESIDENTIAL"

        # When the adoption's backup is restored, then the Prisma database is back unchanged
        _call("dbrestore", str(backup), "--noinput", "--skip-backup")
    assert database.fingerprint() == before


def _uuid(text: str):
    import uuid

    return uuid.UUID(text)


def test_prisma_dry_run_prints_the_plan_and_changes_nothing(source_db, settings):
    database = source_db(*PRISMA, *PRISMA_EARLY_ACCESS)
    before = database.fingerprint()

    out = adopt(database, "--source", "comfhutt-prisma", "--dry-run")

    assert "Plan for adopting" in out
    assert "leads.0001_create_legacy_lead_tables" in out
    assert 'copy "Lead" (3 rows) into leads_lead' in out
    assert "Dry run: nothing was changed." in out
    assert database.fingerprint() == before
    assert backups(settings) == []


def test_prisma_id_that_is_not_a_uuid_is_refused_with_the_rows_and_nothing_changes(
    source_db, settings
):
    database = source_db(*PRISMA)
    database.sql(
        """UPDATE "Lead" SET "id" = 'cku9x2k3l0000abcd' WHERE "email" = 'arjun@example.com';
        UPDATE "ContactUs" SET "id" = '42' WHERE "email" = 'meera@example.com'"""
    )
    before = database.fingerprint()

    # Three rows: the two ids, and the choice response whose "leadId" followed (ON UPDATE CASCADE)
    with pytest.raises(CommandError, match="3 row\\(s\\) that cannot be converted"):
        adopt(database, "--source", "comfhutt-prisma")

    assert database.fingerprint() == before
    assert backups(settings) == []


def test_prisma_refusal_lists_the_offending_rows(source_db):
    database = source_db(*PRISMA)
    database.sql("""UPDATE "Lead" SET "id" = 'cku9x2k3l0000abcd' WHERE "name" = 'Arjun'""")

    with connection_swapped(database.config):
        from leads import adoption
        from leads.adoption import report

        inspection = adoption.inspect(source="comfhutt-prisma")

    assert inspection.refused
    # ChoiceResponse."leadId" followed the id (ON UPDATE CASCADE); both rows are named.
    assert sorted(inspection.bad_rows) == [
        "ChoiceResponse id 'c0000000-0000-4000-8000-000000000002': \"leadId\" is not a uuid",
        "Lead id 'cku9x2k3l0000abcd': \"id\" is not a uuid",
    ]
    assert "Nothing was changed." in "\n".join(report.refusal(inspection, "db"))


def test_prisma_unknown_schema_difference_is_refused_with_every_difference(source_db, settings):
    database = source_db(*PRISMA, *PRISMA_EARLY_ACCESS)
    database.sql(
        """ALTER TABLE "Lead" ADD COLUMN "phone" TEXT;
        ALTER TABLE "ContactUs" ALTER COLUMN "message" DROP NOT NULL;
        DROP INDEX "WaitlistEntry_email_key";
        ALTER TYPE "PropertyType" ADD VALUE 'LAND'"""
    )
    before = database.fingerprint()

    with connection_swapped(database.config):
        from io import StringIO

        out = StringIO()
        with pytest.raises(CommandError, match="4 schema difference"):
            call_command("adopt_database", "--source", "comfhutt-prisma", stdout=out)

    report = out.getvalue()
    assert 'table "Lead": unexpected column "phone" (text NULL)' in report
    assert 'table "ContactUs": column "message" is text NULL; expected text NOT NULL' in report
    assert 'table "WaitlistEntry": missing unique index WaitlistEntry_email_key (email)' in report
    assert 'enum type "PropertyType"' in report
    assert "Nothing was changed." in report
    assert database.fingerprint() == before
    assert backups(settings) == []


def test_adopting_twice_is_refused(source_db):
    database = source_db(*PRISMA)
    adopt(database, "--source", "comfhutt-prisma", "--skip-backup")
    before = database.fingerprint()

    with pytest.raises(CommandError, match="schema difference"):
        adopt(database, "--source", "comfhutt-prisma", "--skip-backup")

    assert database.fingerprint() == before


def test_sqlite_is_refused_with_the_reason(request):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL tests above cover adoption; this checks the SQLite refusal")
    request.getfixturevalue("db")
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("adopt_database", "--source", "comfhutt-prisma", "--skip-backup")


# --- Supabase ---------------------------------------------------------------------------


def test_supabase_database_is_adopted_merged_restamped_migrated_clean_and_restorable(
    source_db, settings
):
    # Given the Supabase-era database: Priya three times by case, DEV everywhere
    database = source_db(*SUPABASE)
    before = database.fingerprint()
    ids = {
        table: {row[0] for row in database.sql(f"SELECT id FROM {table}")}
        for table in supabase.COPIES
    }

    # When it is adopted as PROD
    out = adopt(database, "--source", "comfhutt-supabase", "--environment", "PROD")

    (backup,) = backups(settings)
    assert f"Backup before adopting: {backup}" in out
    # the report holds the dropped functions' definitions, so they can be restored
    assert "CREATE OR REPLACE FUNCTION public.upsert_lead(" in out
    assert "SECURITY DEFINER" in out and "Property: 1 rows" in out
    assert database.sql(
        "SELECT count(*) FROM pg_proc WHERE proname IN ("
        "'upsert_lead', 'create_choice_responses', 'create_contact_message', "
        "'create_early_access_request')"
    ) == [(0,)]

    with connection_swapped(database.config):
        assert only_unapplied_migrations()
        _call("migrate", "--skip-backup", "--verbosity", "0")
        assert "No schema drift" in _call("check_drift")

        from leads.models import (
            ChoicesResponse,
            ContactMessage,
            EarlyAccessRequest,
            LeadEvent,
            PageSession,
            UsersLead,
        )

        # Then the leads are merged by normalized email into the earliest one
        leads = {lead.email: lead for lead in UsersLead.objects.all()}
        assert sorted(leads) == ["arjun@example.com", "meera@example.com", "priya.nair@example.com"]
        priya = leads["priya.nair@example.com"]
        assert str(priya.id) == "10000000-0000-4000-8000-000000000001"
        assert (priya.name, priya.phone, priya.source) == (
            "Priya Nair",
            "+91 99000 12345",
            "CHOICES",
        )
        assert priya.first_seen_at == naive_utc("2026-02-01 10:00:00")
        assert priya.last_seen_at == naive_utc("2026-02-08 10:00:00")
        assert leads["arjun@example.com"].source == "OTHER"  # NULL source
        # every child row kept, by id, re-pointed at the merged lead
        models = {
            "lead_events": LeadEvent,
            "choices_responses": ChoicesResponse,
            "early_access_requests": EarlyAccessRequest,
            "contact_messages": ContactMessage,
            "page_sessions": PageSession,
        }
        for table, model in models.items():
            kept = set(model.objects.filter(id__in=ids[table]).values_list("id", flat=True))
            assert kept == ids[table], table
        assert priya.contact_messages.get().message == "Is the Baner project open?"
        assert priya.early_access_requests.count() == 2
        assert priya.page_sessions.count() == 1
        assert ChoicesResponse.objects.filter(lead__isnull=True).count() == 1
        # one event records the merge, holding the merged rows
        (merge,) = priya.events.filter(event_type="LEAD_EDITED", metadata__has_key="merged_leads")
        assert sorted(row["id"] for row in merge.metadata["merged_leads"]) == [
            "10000000-0000-4000-8000-000000000002",
            "10000000-0000-4000-8000-000000000003",
        ]
        assert merge.metadata["by"] == "adopt_database"
        # raw intent values mapped, NULL city and notes as blanks
        assert sorted(EarlyAccessRequest.objects.values_list("intent_level", flat=True)) == [
            "HIGH",
            "LOW",
            "MEDIUM",
        ]
        assert set(EarlyAccessRequest.objects.values_list("city", "notes")) == {("", "")}
        # event types mapped to the project's, the raw one kept
        early = priya.events.get(event_type="EARLY_ACCESS_REQUESTED")
        assert early.metadata["legacy_event_type"] == "EARLY_ACCESS_REQUEST"
        assert early.metadata["preferredPropertyType"] == "RESIDENTIAL"
        # every row restamped PROD, and an event on each lead records it
        for model in [UsersLead, *models.values()]:
            assert set(model.objects.values_list("environment", flat=True)) == {"PROD"}
        restamps = LeadEvent.objects.filter(metadata__changes__has_key="environment")
        assert restamps.count() == 3
        assert restamps.first().metadata["changes"]["environment"] == ["DEV", "PROD"]

        # When the adoption's backup is restored, the Supabase database is back unchanged
        _call("dbrestore", str(backup), "--noinput", "--skip-backup")
    assert database.fingerprint() == before


def test_supabase_as_dev_merges_without_restamp_events(source_db):
    database = source_db(*SUPABASE)

    out = adopt(database, "--source", "comfhutt-supabase", "--environment", "DEV", "--skip-backup")

    assert "leads restamped (LEAD_EDITED events): 0" in out
    assert database.sql("SELECT count(*), count(DISTINCT email) FROM users_leads") == [(3, 3)]
    assert database.sql("SELECT count(*) FROM lead_events WHERE metadata ? 'merged_leads'") == [
        (2,)
    ]


def test_supabase_needs_the_environment(source_db):
    database = source_db(*SUPABASE)
    before = database.fingerprint()

    with pytest.raises(CommandError, match="--environment PROD or DEV"):
        adopt(database, "--source", "comfhutt-supabase")

    assert database.fingerprint() == before


def test_supabase_rows_that_cannot_be_converted_are_refused_and_nothing_changes(
    source_db, settings
):
    database = source_db(*SUPABASE)
    database.sql(
        """UPDATE users_leads SET email = '  ' WHERE name = 'Arjun';
        UPDATE early_access_requests SET intent_level = 'MAYBE'
          WHERE id = '30000000-0000-4000-8000-000000000002';
        UPDATE lead_events SET event_type = 'PAGE_VIEW'
          WHERE id = '60000000-0000-4000-8000-000000000005'"""
    )
    before = database.fingerprint()

    with connection_swapped(database.config):
        from io import StringIO

        out = StringIO()
        with pytest.raises(CommandError, match="3 row\\(s\\) that cannot be converted"):
            call_command(
                "adopt_database",
                "--source",
                "comfhutt-supabase",
                "--environment",
                "PROD",
                stdout=out,
            )

    report = out.getvalue()
    assert "users_leads id 10000000-0000-4000-8000-000000000004: email is empty" in report
    assert "intent_level is not a known value" in report
    assert "lead_events id 60000000-0000-4000-8000-000000000005: event_type" in report
    assert database.fingerprint() == before
    assert backups(settings) == []


def test_supabase_schema_difference_is_refused(source_db):
    database = source_db(*SUPABASE)
    database.sql(
        """DROP FUNCTION upsert_lead(text, text, text, text);
        ALTER TABLE users_leads ENABLE ROW LEVEL SECURITY;
        ALTER TABLE page_sessions ADD COLUMN user_agent text"""
    )
    before = database.fingerprint()

    with pytest.raises(CommandError, match="3 schema difference"):
        adopt(database, "--source", "comfhutt-supabase", "--environment", "PROD")

    assert database.fingerprint() == before


def test_supabase_database_with_the_prisma_tables_still_there_imports_both(source_db, settings):
    # Given the Supabase era with the Prisma-era lead tables not yet dropped
    settings.APP_ENVIRONMENT = "DEV"
    database = source_db(*PRISMA, *SUPABASE)
    supabase_ids = {
        row[0]
        for row in database.sql("SELECT id FROM lead_events UNION SELECT id FROM users_leads")
    }

    out = adopt(database, "--source", "comfhutt-supabase", "--environment", "DEV")

    assert "leads.0002_create_users_leads_tables" in out
    assert '"Lead" -> leads_lead: 3' in out
    assert database.sql(
        "SELECT app, name FROM django_migrations WHERE app = 'leads' ORDER BY name"
    ) == [("leads", "0001_create_legacy_lead_tables"), ("leads", "0002_create_users_leads_tables")]
    with connection_swapped(database.config):
        _call("migrate", "--skip-backup", "--verbosity", "0")
        assert "No schema drift" in _call("check_drift")

        from leads.models import LeadEvent, UsersLead

        # Then both eras' people are one lead per email: the Supabase ones keep their ids
        emails = sorted(UsersLead.objects.values_list("email", flat=True))
        assert emails == [
            "arjun@example.com",
            "meera@example.com",
            "priya.nair@example.com",
            "ravi@example.com",
            "sam@example.com",
        ]
        priya = UsersLead.objects.get(email="priya.nair@example.com")
        assert str(priya.id) == "10000000-0000-4000-8000-000000000001"
        # the Prisma waitlist entry (2025-10-01) is earlier than anything in Supabase
        assert priya.first_seen_at == naive_utc("2025-10-01 08:00:00.250")
        assert LeadEvent.objects.filter(event_type=IMPORTED).count() == 12
        assert priya.events.filter(event_type=IMPORTED).count() == 4
        kept = set(LeadEvent.objects.values_list("id", flat=True)) | set(
            UsersLead.objects.values_list("id", flat=True)
        )
        merged_away = {
            _uuid("10000000-0000-4000-8000-000000000002"),
            _uuid("10000000-0000-4000-8000-000000000003"),
        }
        assert supabase_ids - kept == merged_away


def test_supabase_with_prisma_tables_needs_the_environment_the_backfill_stamps(source_db, settings):
    settings.APP_ENVIRONMENT = "DEV"
    database = source_db(*PRISMA, *SUPABASE)
    before = database.fingerprint()

    with pytest.raises(CommandError, match="--environment must be the same"):
        adopt(database, "--source", "comfhutt-supabase", "--environment", "PROD")

    assert database.fingerprint() == before
    assert backups(settings) == []


def test_rows_written_after_the_inspection_roll_the_whole_adoption_back(source_db):
    database = source_db(*PRISMA)
    with connection_swapped(database.config):
        from leads import adoption
        from leads.adoption.inspect import ChangedSinceInspection

        inspection = adoption.inspect(source="comfhutt-prisma")
        # The old site is still running and takes one more contact message
        database.sql(
            """INSERT INTO "ContactUs" ("id", "name", "email", "message")
            VALUES ('d0000000-0000-4000-8000-000000000009', 'Late', 'late@example.com', 'Hi')"""
        )
        before = database.fingerprint()

        with pytest.raises(ChangedSinceInspection, match='"ContactUs": 2 rows inspected, 3'):
            adoption.act(inspection, environment=None)

    assert database.fingerprint() == before


def test_adoption_goes_through_direct_url_when_database_url_is_unreachable(source_db):
    import sys

    database = source_db(*PRISMA)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_")) and key != "DIRECT_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable",
        DIRECT_URL=database.server.url(database.name),
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "adopt_database", "--source", "comfhutt-prisma", "--dry-run"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Plan for adopting postgresql {database.name}@" in result.stdout
