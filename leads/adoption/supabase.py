"""The ComfHutt Supabase era (LEGACY-DATABASES.md, state 2) -> this project's lead tables.

The six hand-made tables carry the names the project uses, so they are moved aside into a
schema of their own, the project's tables are created by running ``leads`` through 0005 for
real (on a database without legacy rows the backfill has nothing to do), and the rows are
copied back with the conversions: emails normalized and leads that differ only in case or
spacing merged into the earliest, raw intent values mapped, NULL text as blanks, every row
restamped with the environment the database really is. The old tables and the four
SECURITY DEFINER functions are dropped; the functions' definitions go into the report.

Over 400 lines on purpose: one era's expected schema (plain data) and its conversion SQL.
"""

from django.conf import settings
from django.db import models

from leads.normalize import WHITESPACE_SQL, normalize_email_sql

from . import prisma
from .history import historical_apps, mark_unmanaged, migrate_to, migration_plan
from .inspect import (
    AdoptionError,
    ChangedSinceInspection,
    Inspection,
    TableShape,
    compare_table,
    foreign_keys_into,
    offending_rows,
    public_functions,
    public_tables,
    quote,
    row_counts,
    table_shape,
)

SOURCE = "comfhutt-supabase"
TARGET = ("leads", "0005_drop_legacy_lead_tables")
# With the Prisma-era lead tables still there: they become the legacy tables (leads 0001), the
# adoption stops at 0002, and migrate's backfill (0003) merges their rows into the leads.
LEGACY_TARGET = ("leads", "0001_create_legacy_lead_tables")
NEW_TABLES_TARGET = ("leads", "0002_create_users_leads_tables")
ASIDE = "leadcrm_adopt_supabase"  # the schema the old tables wait in during the transaction
FUNCTIONS = [
    "upsert_lead",
    "create_choice_responses",
    "create_contact_message",
    "create_early_access_request",
]
INTENT_LEVELS = {
    "JUST_EXPLORING": "LOW",
    "INVEST_WITHIN_3_MONTHS": "MEDIUM",
    "READY_TO_INVEST": "HIGH",
    "LOW": "LOW",
    "MEDIUM": "MEDIUM",
    "HIGH": "HIGH",
}
EVENT_TYPES = {
    "CHOICES_SUBMISSION": "CHOICES_SUBMITTED",
    "CONTACT_FORM_SUBMISSION": "CONTACT_MESSAGE_SENT",
    "EARLY_ACCESS_REQUEST": "EARLY_ACCESS_REQUESTED",
}
MERGE_NOTE = "merged leads whose emails differ only in case or spacing; normalized the email"
RESTAMP_NOTE = "the old site stamped every row DEV; restamped with the real environment"
# The keys and trimming of the running app (leads.normalize), so that a later submission of
# an adopted address finds its lead.
NORMALIZED_EMAIL = normalize_email_sql("s.email")


def _child(fk: str = "lead_id") -> tuple[str, ...]:
    return (
        f"foreign key {{t}}_lead_id_fkey ({fk}) -> users_leads(id) "
        "on delete no action on update no action",
        f"index idx_{{t}}_lead_id ({fk})",
        "primary key {t}_pkey (id)",
    )


def _shape(table: str, columns: dict[str, str], *keys: str, child: bool = True) -> TableShape:
    all_keys = [*(_child() if child else ()), *keys]
    return TableShape(columns, frozenset(key.format(t=table) for key in all_keys))


TEXT = "text NULL"
TS = "timestamp with time zone NULL"
EXPECTED = {
    "users_leads": _shape(
        "users_leads",
        {
            "id": "uuid NOT NULL default gen_random_uuid()",
            "email": TEXT,
            "phone": TEXT,
            "name": TEXT,
            "source": TEXT,
            "first_seen_at": TS,
            "last_seen_at": TS,
            "environment": TEXT,
            "created_at": "timestamp with time zone NOT NULL default now()",
        },
        "primary key users_leads_pkey (id)",
        "unique constraint users_leads_email_environment_unique (email, environment)",
        "check users_leads_source_check CHECK ((source = ANY (ARRAY['EARLY_ACCESS'::text, "
        "'CHOICES'::text, 'CONTACT'::text, 'OTHER'::text])))",
        "index idx_users_leads_email (email)",
        child=False,
    ),
    "lead_events": _shape(
        "lead_events",
        {
            "id": "uuid NOT NULL",
            "lead_id": "uuid NULL",
            "event_type": TEXT,
            "metadata": "jsonb NULL",
            "created_at": TS,
            "environment": TEXT,
        },
    ),
    "choices_responses": _shape(
        "choices_responses",
        {
            "id": "uuid NOT NULL",
            "lead_id": "uuid NULL",
            "choice_key": TEXT,
            "choice_value": TEXT,
            "created_at": TS,
            "environment": TEXT,
        },
    ),
    "early_access_requests": _shape(
        "early_access_requests",
        {
            "id": "uuid NOT NULL default gen_random_uuid()",
            "lead_id": "uuid NULL",
            "investment_range": TEXT,
            "city": TEXT,
            "intent_level": TEXT,
            "notes": TEXT,
            "created_at": TS,
            "environment": TEXT,
        },
    ),
    "contact_messages": _shape(
        "contact_messages",
        {
            "id": "uuid NOT NULL",
            "lead_id": "uuid NULL",
            "subject": TEXT,
            "message": TEXT,
            "responded": "boolean NULL default false",
            "created_at": TS,
            "environment": TEXT,
        },
    ),
    "page_sessions": _shape(
        "page_sessions",
        {
            "id": "uuid NOT NULL",
            "lead_id": "uuid NULL",
            "page": TEXT,
            "referrer": TEXT,
            "utm_source": TEXT,
            "utm_campaign": TEXT,
            "created_at": TS,
            "environment": TEXT,
        },
    ),
}


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{raw}' THEN '{value}'" for raw, value in mapping.items())
    return f"CASE {column} {whens} END"


# Child table -> (project model, {project column: SQL over the old row ``s``; the lead map is
# ``m``}). users_leads is grouped by normalized email instead (see ``act``).
COPIES = {
    "lead_events": (
        "LeadEvent",
        {
            "id": "s.id",
            "lead_id": "m.new_id",
            "event_type": f"COALESCE({_case('s.event_type', EVENT_TYPES)}, s.event_type)",
            "metadata": "CASE WHEN s.metadata IS NULL THEN '{}'::jsonb "
            "WHEN jsonb_typeof(s.metadata) = 'object' THEN s.metadata "
            "ELSE jsonb_build_object('value', s.metadata) END"
            " || CASE WHEN s.event_type IN ("
            + ", ".join(f"'{raw}'" for raw in EVENT_TYPES)
            + ") THEN jsonb_build_object('legacy_event_type', s.event_type) "
            "ELSE '{}'::jsonb END",
            "created_at": "s.created_at",
            "environment": "%(environment)s",
        },
    ),
    "choices_responses": (
        "ChoicesResponse",
        {
            "id": "s.id",
            "lead_id": "m.new_id",
            "choice_key": "s.choice_key",
            "choice_value": "COALESCE(s.choice_value, '')",
            "created_at": "s.created_at",
            "environment": "%(environment)s",
        },
    ),
    "early_access_requests": (
        "EarlyAccessRequest",
        {
            "id": "s.id",
            "lead_id": "m.new_id",
            "investment_range": "s.investment_range",
            "city": "COALESCE(s.city, '')",
            "intent_level": _case("s.intent_level", INTENT_LEVELS),
            "notes": "COALESCE(s.notes, '')",
            "created_at": "s.created_at",
            "environment": "%(environment)s",
        },
    ),
    "contact_messages": (
        "ContactMessage",
        {
            "id": "s.id",
            "lead_id": "m.new_id",
            "subject": "COALESCE(s.subject, '')",
            "message": "COALESCE(s.message, '')",
            "responded": "COALESCE(s.responded, false)",
            "created_at": "s.created_at",
            "environment": "%(environment)s",
        },
    ),
    "page_sessions": (
        "PageSession",
        {
            "id": "s.id",
            "lead_id": "m.new_id",
            "visitor_key": "''",
            "page": "COALESCE(s.page, '')",
            "referrer": "COALESCE(s.referrer, '')",
            "utm_source": "COALESCE(s.utm_source, '')",
            "utm_campaign": "COALESCE(s.utm_campaign, '')",
            "created_at": "s.created_at",
            "environment": "%(environment)s",
        },
    ),
}
LEAD_COLUMNS = {
    "email": NORMALIZED_EMAIL,
    "name": f"btrim(s.name, {WHITESPACE_SQL})",
    "phone": f"btrim(s.phone, {WHITESPACE_SQL})",
}


def _quoted_list(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def inspect(connection) -> Inspection:
    """Compare the live schema with the Supabase era's; find rows that cannot be converted."""
    inspection = Inspection(SOURCE)
    with connection.cursor() as cursor:
        tables = public_tables(cursor)
        wanted = list(EXPECTED)
        for name in sorted(tables):
            if name == "django_migrations" or name.startswith(("leads_", "auth_", "django_")):
                inspection.differences.append(
                    f'table "{name}" already exists: this database is not in the Supabase '
                    "state (already adopted, or a Django database)"
                )
        for name in wanted:
            if name not in tables:
                inspection.differences.append(f'table "{name}" is missing')
                continue
            inspection.differences += compare_table(name, EXPECTED[name], table_shape(cursor, name))
        functions = public_functions(cursor)
        for name in FUNCTIONS:
            if name not in functions:
                inspection.differences.append(f"function {name} is missing")
            elif not functions[name][1]:
                inspection.differences.append(f"function {name} is not SECURITY DEFINER")
        for constraint, source, target in foreign_keys_into(cursor, set(wanted)):
            inspection.differences.append(
                f'table "{source}" has foreign key {constraint} into "{target}", which the '
                "adoption would drop"
            )
        cursor.execute(f"SELECT 1 FROM pg_namespace WHERE nspname = '{ASIDE}'")
        if cursor.fetchone():
            inspection.differences.append(f'schema "{ASIDE}" already exists')
        prisma_rows, prisma_tables = [], {}
        if tables & set(prisma.COPIES):
            differences, prisma_rows, prisma_tables, linked = prisma.inspect_lead_tables(
                connection, cursor, tables
            )
            inspection.differences += differences
            inspection.facts["linked_waitlist_entries"] = linked
        inspection.facts["prisma_tables"] = prisma_tables
        if inspection.differences:
            return inspection
        counts = row_counts(cursor, wanted)
        inspection.tables = {table: counts[table] for table in wanted}
        inspection.left_alone = row_counts(cursor, tables - set(wanted) - set(prisma_tables))
        inspection.functions = {
            f"{name}({functions[name][0]})": functions[name][2] for name in FUNCTIONS
        }
        inspection.other_functions = sorted(
            f"{name}({args})" for name, (args, _, _) in functions.items() if name not in FUNCTIONS
        )
        inspection.bad_rows = find_bad_rows(connection, cursor) + prisma_rows
        cursor.execute(f"SELECT count(*), count(DISTINCT {NORMALIZED_EMAIL}) FROM users_leads s")
        inspection.facts["leads"], inspection.facts["people"] = cursor.fetchone()
    return inspection


def find_bad_rows(connection, cursor) -> list[str]:
    """Rows the project's tables cannot hold, listed by table and id."""
    apps = historical_apps(connection, TARGET)
    checks = [
        ("users_leads", "email is empty", f"COALESCE({NORMALIZED_EMAIL}, '') = ''"),
        ("lead_events", "event_type is NULL", "s.event_type IS NULL"),
        (
            "lead_events",
            "event_type is not one the project maps",
            f"s.event_type NOT IN ({_quoted_list([*EVENT_TYPES, *_event_types(apps)])})",
        ),
        ("choices_responses", "choice_key is NULL", "s.choice_key IS NULL"),
        ("early_access_requests", "lead_id is NULL", "s.lead_id IS NULL"),
        (
            "early_access_requests",
            "intent_level is not a known value",
            f"s.intent_level IS NULL OR s.intent_level NOT IN ({_quoted_list(INTENT_LEVELS)})",
        ),
        (
            "early_access_requests",
            "investment_range is not a known value",
            "s.investment_range IS NULL OR s.investment_range NOT IN ("
            + _quoted_list(_choices(apps, "EarlyAccessRequest", "investment_range"))
            + ")",
        ),
        ("contact_messages", "lead_id is NULL", "s.lead_id IS NULL"),
    ]
    for table in COPIES:
        checks.append((table, "created_at is NULL", "s.created_at IS NULL"))
    lengths = [("users_leads", "UsersLead", LEAD_COLUMNS)] + [
        (table, model, columns) for table, (model, columns) in COPIES.items()
    ]
    for table, model_name, columns in lengths:
        for field in apps.get_model("leads", model_name)._meta.concrete_fields:
            expression = columns.get(field.column)
            if isinstance(field, models.CharField) and expression and "s." in expression:
                checks.append(
                    (
                        table,
                        f"{field.column} is longer than the project's {field.max_length} "
                        "characters",
                        f"char_length({expression}) > {field.max_length}",
                    )
                )
    bad = []
    for table, description, condition in checks:
        bad += offending_rows(
            cursor,
            description,
            f"SELECT '{table}', 'id ' || s.id FROM public.{table} s WHERE {condition}",
        )
    return bad


def _event_types(apps) -> list[str]:
    return _choices(apps, "LeadEvent", "event_type")


def _choices(apps, model: str, field: str) -> list[str]:
    return [value for value, _ in apps.get_model("leads", model)._meta.get_field(field).choices]


def plan(connection, inspection: Inspection, environment: str | None) -> list[str]:
    facts = inspection.facts
    prisma_tables = facts["prisma_tables"]
    if prisma_tables and environment != settings.APP_ENVIRONMENT:
        raise AdoptionError(
            f"The Prisma-era lead tables are here too; migrate's backfill stamps their rows "
            f"with APP_ENVIRONMENT ({settings.APP_ENVIRONMENT}), so --environment must be the "
            f"same (got {environment}). Nothing was changed."
        )
    target = NEW_TABLES_TARGET if prisma_tables else TARGET
    lines = [
        "drop the functions " + ", ".join(inspection.functions) + " (definitions in the report)",
        f'move the six tables aside into schema "{ASIDE}"',
        "apply the lead migrations through "
        + target[1][:4]
        + " (and what they need): "
        + ", ".join(migration_plan(connection, target)),
    ]
    if prisma_tables:
        lines += prisma.lead_table_plan(prisma_tables, facts["linked_waitlist_entries"])
    lines.append(
        f"copy users_leads ({facts['leads']} rows) as {facts['people']} leads: emails trimmed "
        "and lower-cased, leads that differ only in case or spacing merged into the earliest "
        "(one LEAD_EDITED event each, holding the merged rows); NULL name/phone -> ''"
    )
    for table, (model, _) in COPIES.items():
        lines.append(
            f"copy {table} ({inspection.tables[table]} rows) into the project's {model}, "
            "re-pointed at the merged leads"
            + {
                "lead_events": "; event types mapped to the project's",
                "early_access_requests": "; raw intent values -> LOW/MEDIUM/HIGH, "
                "NULL city/notes -> ''",
            }.get(table, "")
        )
    lines.append(
        f"restamp every row environment={environment} (a LEAD_EDITED event on each lead "
        "whose stamp changes)"
    )
    lines.append(f'drop schema "{ASIDE}" with the old tables')
    if prisma_tables:
        lines.append(
            "then `migrate` backfills the Prisma-era rows (leads 0003) into these leads, "
            "merging by normalized email, and drops the legacy tables (leads 0005)"
        )
    lines.append(
        "leave alone (marked as not managed, so check_drift skips them): "
        + (", ".join(f'"{table}"' for table in sorted(inspection.left_alone)) or "nothing")
    )
    return lines


def act(connection, inspection: Inspection, environment: str | None) -> dict:
    """Convert in the caller's transaction; return what was done, in counts."""
    if environment not in ("PROD", "DEV"):
        raise ValueError("--environment must be PROD or DEV")
    params = {"environment": environment}
    done = {"rows": {}, "changes": {}}
    with connection.cursor() as cursor:
        prisma.lock(cursor, [*inspection.tables, *inspection.facts["prisma_tables"]])
        for signature in inspection.functions:
            name, args = signature.split("(", 1)
            cursor.execute(f"DROP FUNCTION public.{quote(name)}({args}")
        cursor.execute(f"CREATE SCHEMA {ASIDE}")
        for table in inspection.tables:
            cursor.execute(f"ALTER TABLE public.{table} SET SCHEMA {ASIDE}")
        restamped = 0
        for table in inspection.tables:
            cursor.execute(
                f"SELECT count(*) FROM {ASIDE}.{table} WHERE environment IS DISTINCT FROM %s",
                [environment],
            )
            restamped += cursor.fetchone()[0]
        prisma_tables = inspection.facts["prisma_tables"]
        if prisma_tables:
            done["migrations"] = migrate_to(connection, LEGACY_TARGET)
            rows, done["dropped"] = prisma.copy_lead_tables(cursor, prisma_tables)
            done["rows"].update(rows)
            done["migrations"] += migrate_to(connection, NEW_TABLES_TARGET)
        else:
            done["migrations"] = migrate_to(connection, TARGET)
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE adopt_lead_map ON COMMIT DROP AS
            SELECT s.id, {NORMALIZED_EMAIL} AS email, s.email AS raw_email,
                   btrim(s.name, {WHITESPACE_SQL}) AS name, btrim(s.phone, {WHITESPACE_SQL}) AS phone,
                   s.source, s.environment, to_jsonb(s) AS record,
                   COALESCE(s.first_seen_at, s.created_at) AS first_at,
                   GREATEST(COALESCE(s.last_seen_at, s.first_seen_at, s.created_at),
                            COALESCE(s.first_seen_at, s.created_at)) AS last_at,
                   first_value(s.id) OVER earliest AS new_id,
                   row_number() OVER earliest AS position
            FROM {ASIDE}.users_leads s
            WINDOW earliest AS (PARTITION BY {NORMALIZED_EMAIL}
                                ORDER BY COALESCE(s.first_seen_at, s.created_at), s.created_at,
                                         s.id)
            """
        )
        cursor.execute(
            """
            INSERT INTO users_leads
                (id, email, phone, name, source, first_seen_at, last_seen_at, environment)
            SELECT new_id, email,
                   COALESCE((array_agg(phone ORDER BY last_at DESC, position)
                             FILTER (WHERE phone <> ''))[1], ''),
                   COALESCE((array_agg(name ORDER BY last_at DESC, position)
                             FILTER (WHERE name <> ''))[1], ''),
                   COALESCE((array_agg(source ORDER BY position)
                             FILTER (WHERE source IS NOT NULL))[1], 'OTHER'),
                   min(first_at), max(last_at), %(environment)s
            FROM adopt_lead_map GROUP BY new_id, email
            """,
            params,
        )
        done["rows"]["users_leads -> users_leads (after merging)"] = cursor.rowcount
        if cursor.rowcount != inspection.facts["people"]:
            raise ChangedSinceInspection(
                f"users_leads: {inspection.facts['people']} people inspected, "
                f"{cursor.rowcount} leads made"
            )
        cursor.execute(
            """
            INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment)
            SELECT gen_random_uuid(), new_id, 'LEAD_EDITED',
                   jsonb_build_object(
                       'by', 'adopt_database', 'note', %(note)s,
                       'changes', CASE WHEN min(raw_email) FILTER (WHERE position = 1) <> email
                           THEN jsonb_build_object('email', jsonb_build_array(
                               min(raw_email) FILTER (WHERE position = 1), email))
                           ELSE '{}'::jsonb END,
                       'merged_leads', COALESCE(jsonb_agg(record ORDER BY position)
                                                FILTER (WHERE position > 1), '[]'::jsonb)),
                   now(), %(environment)s
            FROM adopt_lead_map GROUP BY new_id, email
            HAVING count(*) > 1 OR bool_or(position = 1 AND raw_email <> email)
            """,
            {**params, "note": MERGE_NOTE},
        )
        done["changes"]["leads merged or renormalized (LEAD_EDITED events)"] = cursor.rowcount
        done["changes"]["duplicate leads merged away"] = (
            inspection.facts["leads"] - inspection.facts["people"]
        )
        cursor.execute(
            """
            INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment)
            SELECT gen_random_uuid(), new_id, 'LEAD_EDITED',
                   jsonb_build_object('by', 'adopt_database', 'note', %(note)s,
                       'changes', jsonb_build_object('environment', jsonb_build_array(
                           min(environment) FILTER (WHERE position = 1), %(environment)s))),
                   now(), %(environment)s
            FROM adopt_lead_map GROUP BY new_id
            HAVING bool_or(environment IS DISTINCT FROM %(environment)s)
            """,
            {**params, "note": RESTAMP_NOTE},
        )
        done["changes"]["leads restamped (LEAD_EDITED events)"] = cursor.rowcount
        done["changes"][f"rows restamped {environment}"] = restamped
        for table, (_, columns) in COPIES.items():
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(columns.values())} FROM {ASIDE}.{table} s "
                "LEFT JOIN adopt_lead_map m ON m.id = s.lead_id",
                params,
            )
            done["rows"][f"{table} -> {table}"] = cursor.rowcount
            if cursor.rowcount != inspection.tables[table]:
                raise ChangedSinceInspection(
                    f"{table}: {inspection.tables[table]} rows, {cursor.rowcount} copied"
                )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP SCHEMA {ASIDE} CASCADE")
        done["dropped"] = [
            *done.get("dropped", []),
            f"schema {ASIDE} with the six old tables",
            *inspection.functions,
        ]
        for table in inspection.left_alone:
            mark_unmanaged(cursor, table, f"left alone by adopt_database --source {SOURCE}")
    return done
