"""The set-based backfill (leads 0003 on PostgreSQL) gives what the batched importer gives.

A few thousand messy legacy rows (one person in several tables in other spellings, blank and
whitespace names, ties in created_at, choice responses without a lead, nested and scalar meta,
waitlist links to users) go through the old batched importer and through the migration's SQL,
and the two results are compared row by row and by checksum, with the randomly generated ids
(the leads', the submissions', the events') replaced by the content they stand for.
"""

import hashlib
import importlib
import json
import math
import random
import struct
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based backfill runs on PostgreSQL only"
)

backfill = importlib.import_module("leads.migrations.0003_backfill_users_leads_from_legacy")

CREATE = ("leads", "0002_create_users_leads_tables")
BACKFILL = ("leads", "0003_backfill_users_leads_from_legacy")
DROP = ("leads", "0005_drop_legacy_lead_tables")
LEGACY = ["Lead", "ChoiceResponse", "EarlyAccessUser", "ContactUs", "WaitlistEntry"]
NEW = ["UsersLead", "LeadEvent", "ChoicesResponse", "EarlyAccessRequest", "ContactMessage"]
USER_LINK_TABLE = backfill.USER_LINK_TABLE

ODD_FLOATS = [1.5, 100.0, -0.0, 0.1 + 0.2, 1e-7, 1e-4, 1e-5, 1e15, 1e16, 1.5e300, -2.5e-300]
ODD_STRINGS = ['say "hi"', "back\\slash", "line\nbreak\ttab", "café", "😀 emoji", "\x01\x7f", ""]


def odd_value(rng: random.Random, depth: int = 0):
    """A JSON value of any type, nested up to three levels, with keys of uneven length."""
    kind = rng.choice(["int", "float", "str", "bool", "null", "list", "dict"][: 7 - depth])
    if kind == "int":
        return rng.choice([0, -3, 50000, 2**63 + 11])
    if kind == "float":
        return rng.choice(ODD_FLOATS)
    if kind == "str":
        return rng.choice(ODD_STRINGS)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [odd_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["b", "aa", "a", "Zed", "é", "key with space", "z"]
    return {k: odd_value(rng, depth + 1) for k in rng.sample(keys, rng.randint(0, 3))}


def odd_meta(rng: random.Random):
    shape = rng.random()
    if shape < 0.15:
        return {}
    if shape < 0.25:  # not an object: kept whole as one "meta" answer
        return rng.choice(["just text", 7, 2.5, [1, "two"], True, False, []])
    return {
        key: odd_value(rng)
        for key in rng.sample(["city", "budget", "tags", "x", "answers", "é"], rng.randint(1, 4))
    }


def spelling(rng: random.Random, email: str) -> str:
    """The same email as a careless form would have stored it."""
    return rng.choice(
        [
            email,
            email.upper(),
            email.title(),
            f"  {email} ",
            f"\t{email.upper()}\n",
            f"\xa0{email}",
        ]
    )


def messy_legacy_dataset(apps, *, rows: int = 3000, seed: int = 9) -> None:
    """Write about ``rows`` legacy rows through the historical models."""
    rng = random.Random(seed)
    models = {name: apps.get_model("leads", name) for name in LEGACY}
    User = apps.get_model("auth", "User")
    users = User.objects.bulk_create(User(username=f"user{n}") for n in range(20))
    people = [f"person{n}@example.com" for n in range(rows // 10)]
    start = datetime(2025, 1, 1, tzinfo=UTC)

    def when() -> datetime:
        # Four rows in ten fall on one of six whole minutes: ties across and within tables.
        if rng.random() < 0.4:
            return start + timedelta(minutes=rng.randint(0, 5))
        return start + timedelta(minutes=rng.randint(6, 200), microseconds=rng.randint(0, 10**6))

    def name() -> str:
        return rng.choice(["", "   ", "\t", "Priya", " Arjun ", "Meera N.", "Sam\xa0"])

    def unique_spellings(count: int) -> list[str]:
        seen, out = set(), []
        while len(out) < count:
            raw = spelling(rng, rng.choice(people))
            if raw not in seen:
                seen.add(raw)
                out.append(raw)
        return out

    per_table = rows // 5
    leads = models["Lead"].objects.bulk_create(
        models["Lead"](email=email, name=name(), anonymous=rng.random() < 0.5, created_at=when())
        for email in unique_spellings(per_table // 2)
    )
    intents = list(backfill.INTENT_LEVELS)
    models["ChoiceResponse"].objects.bulk_create(
        models["ChoiceResponse"](
            lead=rng.choice(leads) if rng.random() < 0.7 else None,
            intent=rng.choice(["invest", "list-property"]),
            nps=rng.choice([None, 0, 4, 9, 10]),
            meta=odd_meta(rng),
            created_at=when(),
        )
        for _ in range(per_table + per_table // 2)
    )
    models["EarlyAccessUser"].objects.bulk_create(
        models["EarlyAccessUser"](
            email=email,
            name=name(),
            investment_intent=rng.choice(intents),
            expected_investment_range=rng.choice(sorted(backfill.INVESTMENT_RANGES)),
            preferred_property_type=rng.choice(["", "RESIDENTIAL", "COMMERCIAL", "MIXED_USE"]),
            source=rng.choice(["website", "ads"]),
            created_at=when(),
        )
        for email in unique_spellings(per_table)
    )
    models["ContactUs"].objects.bulk_create(
        models["ContactUs"](
            name=name(),
            email=spelling(rng, rng.choice(people)),
            phone=rng.choice(["", "  ", "+91 99000 12345", " 020 555 0101 "]),
            message=rng.choice(["Call me", "Is the Baner project open?", "ok"]),
            handled=rng.random() < 0.3,
            source=rng.choice(["", "footer"]),
            created_at=when(),
        )
        for _ in range(per_table)
    )
    free_users = list(users)
    models["WaitlistEntry"].objects.bulk_create(
        models["WaitlistEntry"](
            email=email,
            name=name(),
            status=rng.choice(["pending", "approved", "rejected"]),
            user=free_users.pop() if free_users and rng.random() < 0.1 else None,
            created_at=when(),
        )
        for email in unique_spellings(per_table)
    )
    # bulk_create stamped auto_now's updated_at; give them distinct, microsecond values.
    Waitlist = models["WaitlistEntry"]
    entries = list(Waitlist.objects.all())
    for entry in entries:
        entry.updated_at = when()
    Waitlist.objects.bulk_update(entries, ["updated_at"])
    # The Prisma adoption's side table: a third of the waitlist linked to a Prisma "User".
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {USER_LINK_TABLE} (waitlist_entry_id uuid PRIMARY KEY, "
            "user_id text NOT NULL, user_email text NULL)"
        )
        cursor.execute(
            f"INSERT INTO {USER_LINK_TABLE} SELECT id, 'clx' || md5(id::text), "
            "CASE WHEN random() < 0.5 THEN upper(email) END "
            f"FROM {Waitlist._meta.db_table} WHERE random() < 0.33"
        )


def content(apps) -> list[str]:
    """Everything the backfill wrote, with each generated id replaced by what it stands for."""
    get = lambda name: apps.get_model("leads", name).objects  # noqa: E731
    lead_email = dict(get("UsersLead").values_list("id", "email"))
    children = {}
    for name, fields in [
        ("ChoicesResponse", ["choice_key", "choice_value"]),
        ("EarlyAccessRequest", ["investment_range", "city", "intent_level", "notes"]),
        ("ContactMessage", ["subject", "message", "responded"]),
    ]:
        for row in get(name).values("id", "lead_id", "created_at", "environment", *fields):
            row["lead"] = lead_email.get(row.pop("lead_id"))
            child_id = str(row.pop("id"))
            children[child_id] = {"table": name, **row}
    referenced = []

    def child(child_id: str) -> dict:
        referenced.append(child_id)
        return children[child_id]

    lines = [
        json.dumps({"lead": row}, sort_keys=True, default=str)
        for row in get("UsersLead").values(
            "email", "name", "phone", "source", "first_seen_at", "last_seen_at", "environment"
        )
    ]
    for row in get("LeadEvent").values(
        "event_type", "metadata", "created_at", "environment", "lead_id"
    ):
        row["lead"] = lead_email.get(row.pop("lead_id"))
        metadata = row["metadata"]
        if "choices_response_ids" in metadata:
            metadata["choices_response_ids"] = [child(i) for i in metadata["choices_response_ids"]]
        for key in ("early_access_request_id", "contact_message_id"):
            if key in metadata:
                metadata[key] = child(metadata[key])
        lines.append(json.dumps({"event": row}, sort_keys=True, default=str))
    # Every submission is named by exactly one event.
    assert sorted(referenced) == sorted(children)
    return sorted(lines)


def checksum(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def snapshot(apps) -> dict[str, list[dict]]:
    return {
        name: list(apps.get_model("leads", name).objects.order_by("pk").values()) for name in LEGACY
    }


def empty_new_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE users_leads, lead_events, choices_responses, early_access_requests, "
            "contact_messages, page_sessions"
        )


@pytest.fixture
def messy_state(migrator):
    state = migrator.apply_initial_migration(CREATE)
    messy_legacy_dataset(state.apps)
    yield migrator, state
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {USER_LINK_TABLE}")


def test_sql_backfill_matches_the_batched_importer_on_messy_data(messy_state):
    migrator, state = messy_state
    legacy_rows = sum(len(rows) for rows in snapshot(state.apps).values())
    assert legacy_rows >= 3000
    with transaction.atomic():
        backfill._Importer(state.apps, connection, settings.APP_ENVIRONMENT).run()
    batched = content(state.apps)
    empty_new_tables()

    migrated = migrator.apply_tested_migration(BACKFILL)

    assert connection.vendor == "postgresql"  # so the migration took the SQL path
    set_based = content(migrated.apps)
    assert len(set_based) > legacy_rows  # one event per legacy row, plus the leads
    assert set_based == batched
    assert checksum(set_based) == checksum(batched)
    # The dataset really is messy: merged people, orphan responses, linked waitlist rows.
    events = [json.loads(line)["event"] for line in set_based if line.startswith('{"event"')]
    assert sum(1 for e in events if e["lead"] is None) > 50
    assert sum(1 for e in events if "linked_user" in e["metadata"]) > 50
    leads = [json.loads(line)["lead"] for line in set_based if line.startswith('{"lead"')]
    assert len(leads) < len(events) / 2
    assert {lead["source"] for lead in leads} == {"CHOICES", "EARLY_ACCESS", "CONTACT"}


def test_sql_backfill_and_the_set_based_reverses_give_back_every_legacy_row(messy_state):
    migrator, state = messy_state
    before = snapshot(state.apps)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {USER_LINK_TABLE} ORDER BY 1")
        links = cursor.fetchall()

    dropped = migrator.apply_tested_migration(DROP)
    # A user deleted since the backfill cannot be linked again; the entry comes back unlinked.
    linked = next(row for row in before["WaitlistEntry"] if row["user_id"] is not None)
    dropped.apps.get_model("auth", "User").objects.filter(pk=linked["user_id"]).delete()
    linked["user_id"] = None
    restored = migrator.apply_tested_migration(CREATE)

    assert snapshot(restored.apps) == before
    for name in NEW:
        assert not restored.apps.get_model("leads", name).objects.exists(), name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {USER_LINK_TABLE} ORDER BY 1")
        assert cursor.fetchall() == links


def python_json_cases() -> list:
    rng = random.Random(3)
    floats = [*ODD_FLOATS, 5e-324, 1.7976931348623157e308, 123456789.125, 1e22, 0.001]
    while len(floats) < 3000:
        value = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(value):
            floats.append(value)
    floats += [rng.uniform(-1000, 1000) for _ in range(1000)]
    code_points = [
        n for n in (rng.randint(1, 0x2FFFF) for _ in range(400)) if n < 0xD800 or n > 0xDFFF
    ]
    strings = [*ODD_STRINGS, "".join(map(chr, code_points))]
    nested = [odd_value(random.Random(n)) for n in range(300)]
    return [*floats, *strings, *nested, {"b": 1, "aa": 2, "a": [1.0, {"é": None}]}]


def test_sql_json_text_is_what_python_json_dumps_writes(postgres_only):
    """The answer text of a non-string meta value: json.dumps(value, sort_keys=True)."""
    cases = [json.dumps(value) for value in python_json_cases()]
    with connection.cursor() as cursor:
        for statement in backfill.SQL_FUNCTIONS:
            cursor.execute(statement)
        cursor.execute(
            "SELECT j::text, pg_temp.leads_0003_py_json(j) "
            "FROM unnest(%s::jsonb[]) WITH ORDINALITY AS t(j, n) ORDER BY n",
            [cases],
        )
        rows = cursor.fetchall()
        cursor.execute(backfill.DROP_SQL_FUNCTIONS)

    assert len(rows) == len(cases)
    # Django reads jsonb as its text and json.loads it; the importer then json.dumps the value.
    wrong = [
        (text, sql) for text, sql in rows if sql != json.dumps(json.loads(text), sort_keys=True)
    ]
    assert wrong == []
