"""Backfill users_leads and its tables from the five legacy lead tables (SPEC section 2).

On PostgreSQL the work is a fixed handful of INSERT ... SELECT statements (``_SqlBackfill``):
one over the union of the five tables, DISTINCT ON the normalized email, makes the leads; one
per legacy table joins its rows back to their lead and writes the submissions and the import
events. No legacy row passes through Python, so the migrating process's memory does not grow
with the rows. Elsewhere (SQLite) the rows are streamed and handled in chunks (``_Importer``).
Both give the same result, which tests/leads/test_backfill_sql.py checks on a messy dataset.

Rows are taken in (created_at, legacy table, id) order: the first record of an email creates its
lead (source and first_seen_at), the last one sets last_seen_at, and name/phone are the first
non-blank ones. Every legacy row leaves one LEGACY_RECORD_IMPORTED event holding the whole row
(JSON types as Django's values() gives them: uuids as text, timestamps in ISO 8601), which is how
the reverse of 0005 rebuilds the legacy tables and how the reverse here finds what to delete.

When the ComfHutt Prisma adoption (``adopt_database``) left ``legacy_waitlist_user_link`` (the
waitlist's link to the Prisma "User"), a waitlist row's event also carries
``"linked_user": {"id": ..., "email": ...}``; 0005 drops that table and its reverse rebuilds it.
"""

import heapq
import json
import uuid
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import migrations, reset_queries

CHUNK_SIZE = 2000
IMPORT_EVENT = "LEGACY_RECORD_IMPORTED"
INTENT_LEVELS = {
    "JUST_EXPLORING": "LOW",
    "INVEST_WITHIN_3_MONTHS": "MEDIUM",
    "READY_TO_INVEST": "HIGH",
}
INVESTMENT_RANGES = {"BELOW_10K", "TEN_TO_FIFTY_K", "FIFTY_K_TO_TWO_L", "ABOVE_TWO_L"}
# Legacy model -> lead source it stands for; the order breaks created_at ties.
LEGACY_MODELS = {
    "Lead": "CHOICES",
    "ChoiceResponse": "CHOICES",
    "EarlyAccessUser": "EARLY_ACCESS",
    "ContactUs": "CONTACT",
    "WaitlistEntry": "EARLY_ACCESS",
}
# Left by adopt_database --source comfhutt-prisma: waitlist entry id -> Prisma "User" id, email.
USER_LINK_TABLE = "legacy_waitlist_user_link"


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    return value


def _answer(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _legacy_stream(model, rank: int):
    """Yield (created_at, rank, id, model name, row, raw email) in created_at order."""
    columns = [field.attname for field in model._meta.concrete_fields]
    via_lead = model.__name__ == "ChoiceResponse"
    rows = model.objects.order_by("created_at", "pk").values(
        *columns, *(["lead__email"] if via_lead else [])
    )
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        email = row.pop("lead__email") if via_lead else row["email"]
        yield row["created_at"], rank, str(row["id"]), model.__name__, row, email or ""


class _Importer:
    def __init__(self, apps, connection, environment: str):
        self.connection = connection
        self.environment = environment
        self.legacy = {name: apps.get_model("leads", name) for name in LEGACY_MODELS}
        self.UsersLead = apps.get_model("leads", "UsersLead")
        self.LeadEvent = apps.get_model("leads", "LeadEvent")
        self.ChoicesResponse = apps.get_model("leads", "ChoicesResponse")
        self.EarlyAccessRequest = apps.get_model("leads", "EarlyAccessRequest")
        self.ContactMessage = apps.get_model("leads", "ContactMessage")
        self.has_user_links = USER_LINK_TABLE in connection.introspection.table_names()

    def run(self) -> None:
        streams = [_legacy_stream(model, rank) for rank, model in enumerate(self.legacy.values())]
        chunk = []
        for item in heapq.merge(*streams):
            chunk.append(item)
            if len(chunk) >= CHUNK_SIZE:
                self.import_chunk(chunk)
                chunk = []
                self.forget_queries()
        if chunk:
            self.import_chunk(chunk)

    def forget_queries(self) -> None:
        # Under DEBUG Django keeps the SQL of every query, megabytes per bulk insert; drop it
        # each chunk so memory stays flat, unless a test is counting the queries.
        if settings.DEBUG and not self.connection.force_debug_cursor:
            reset_queries()

    def import_chunk(self, chunk: list) -> None:
        leads = self.upsert_leads(chunk)
        links = self.user_links(chunk)
        stamp = {"environment": self.environment}
        responses, requests, messages, events = [], [], [], []
        for created_at, _, _, name, row, raw_email in chunk:
            lead = leads.get(raw_email.strip().lower())
            record = {key: _jsonable(value) for key, value in row.items()}
            table = self.legacy[name]._meta.db_table
            metadata = {"legacy_table": table, "legacy_record": record}
            common = {"lead": lead, "created_at": created_at, **stamp}
            if name == "ChoiceResponse":
                answers = [("intent", row["intent"])]
                if row["nps"] is not None:
                    answers.append(("nps", str(row["nps"])))
                meta = row["meta"]
                if isinstance(meta, dict):
                    answers += [(key, _answer(value)) for key, value in meta.items()]
                elif meta not in (None, {}):
                    answers.append(("meta", _answer(meta)))
                created = [
                    self.ChoicesResponse(
                        id=uuid.uuid4(), choice_key=key, choice_value=value, **common
                    )
                    for key, value in answers
                ]
                responses += created
                metadata["choices_response_ids"] = [str(response.id) for response in created]
            elif name == "EarlyAccessUser":
                intent_level = INTENT_LEVELS.get(row["investment_intent"])
                if (
                    intent_level is None
                    or row["expected_investment_range"] not in INVESTMENT_RANGES
                ):
                    # The old forms only wrote these values; stop with a pointer, not a guess.
                    raise ValueError(
                        f"leads_earlyaccessuser {row['id']}: unknown investment_intent "
                        f"{row['investment_intent']!r} or expected_investment_range "
                        f"{row['expected_investment_range']!r}; correct the row and migrate again"
                    )
                request = self.EarlyAccessRequest(
                    id=uuid.uuid4(),
                    investment_range=row["expected_investment_range"],
                    intent_level=intent_level,
                    city="",
                    notes="",
                    **common,
                )
                requests.append(request)
                metadata["early_access_request_id"] = str(request.id)
                metadata["preferred_property_type"] = row["preferred_property_type"]
            elif name == "ContactUs":
                message = self.ContactMessage(
                    id=uuid.uuid4(),
                    subject="",
                    message=row["message"],
                    responded=row["handled"],
                    **common,
                )
                messages.append(message)
                metadata["contact_message_id"] = str(message.id)
            elif name == "WaitlistEntry":
                metadata["status"] = row["status"]
                metadata["user_id"] = record["user_id"]
                if record["id"] in links:
                    metadata["linked_user"] = links[record["id"]]
            events.append(
                self.LeadEvent(
                    id=uuid.uuid4(), event_type=IMPORT_EVENT, metadata=metadata, **common
                )
            )
        self.ChoicesResponse.objects.bulk_create(responses, batch_size=CHUNK_SIZE)
        self.EarlyAccessRequest.objects.bulk_create(requests, batch_size=CHUNK_SIZE)
        self.ContactMessage.objects.bulk_create(messages, batch_size=CHUNK_SIZE)
        self.LeadEvent.objects.bulk_create(events, batch_size=CHUNK_SIZE)

    def user_links(self, chunk: list) -> dict:
        """Return the chunk's waitlist links to the Prisma "User", by waitlist entry id."""
        ids = [row["id"] for _, _, _, name, row, _ in chunk if name == "WaitlistEntry"]
        if not (self.has_user_links and ids):
            return {}
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT waitlist_entry_id, user_id, user_email FROM {USER_LINK_TABLE} "
                "WHERE waitlist_entry_id = ANY(%s)",
                [ids],
            )
            return {
                str(entry_id): {"id": user_id, "email": email}
                for entry_id, user_id, email in cursor.fetchall()
            }

    def upsert_leads(self, chunk: list) -> dict:
        """Create the chunk's new leads, merge its rows into them; return them by email."""
        candidates = {}
        for created_at, _, _, name, row, raw_email in chunk:
            email = raw_email.strip().lower()
            if email and email not in candidates:
                candidates[email] = self.UsersLead(
                    id=uuid.uuid4(),
                    email=email,
                    name=(row.get("name") or "").strip(),
                    phone=(row.get("phone") or "").strip(),
                    source=LEGACY_MODELS[name],
                    first_seen_at=created_at,
                    last_seen_at=created_at,
                    environment=self.environment,
                )
        if not candidates:
            return {}
        self.UsersLead.objects.bulk_create(
            candidates.values(), ignore_conflicts=True, batch_size=CHUNK_SIZE
        )
        leads = {
            lead.email: lead
            for lead in self.UsersLead.objects.filter(
                environment=self.environment, email__in=list(candidates)
            )
        }
        changed = {}
        for created_at, _, _, name, row, raw_email in chunk:
            lead = leads.get(raw_email.strip().lower())
            if lead is None:
                continue
            before = (lead.name, lead.phone, lead.source, lead.first_seen_at, lead.last_seen_at)
            if created_at < lead.first_seen_at:
                lead.first_seen_at, lead.source = created_at, LEGACY_MODELS[name]
            lead.last_seen_at = max(lead.last_seen_at, created_at)
            lead.name = lead.name or (row.get("name") or "").strip()
            lead.phone = lead.phone or (row.get("phone") or "").strip()
            if before != (
                lead.name,
                lead.phone,
                lead.source,
                lead.first_seen_at,
                lead.last_seen_at,
            ):
                changed[lead.pk] = lead
        if changed:
            self.UsersLead.objects.bulk_update(
                changed.values(),
                ["name", "phone", "source", "first_seen_at", "last_seen_at"],
                batch_size=500,
            )
        return leads


# Python's str.strip() removes these; PostgreSQL's btrim() is told the same set.
PY_WHITESPACE = "".join(
    map(chr, [*range(0x09, 0x0E), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B)])
) + "".join(map(chr, [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))

# json.dumps(value, sort_keys=True) (the answer text of a non-string meta value) in SQL, as
# functions of this session only (pg_temp), dropped again at the end of the backfill.
SQL_FUNCTIONS = [
    r"""
    CREATE FUNCTION pg_temp.leads_0003_py_str(s text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT AS $$
    DECLARE
        c text;
        n integer;
        out text := '';
    BEGIN
        IF s ~ '^[ -~]*$' THEN
            RETURN '"' || replace(replace(s, '\', '\\'), '"', '\"') || '"';
        END IF;
        FOREACH c IN ARRAY regexp_split_to_array(s, '') LOOP
            n := ascii(c);
            IF c = '\' THEN out := out || '\\';
            ELSIF c = '"' THEN out := out || '\"';
            ELSIF n BETWEEN 32 AND 126 THEN out := out || c;
            ELSIF n = 8 THEN out := out || '\b';
            ELSIF n = 9 THEN out := out || '\t';
            ELSIF n = 10 THEN out := out || '\n';
            ELSIF n = 12 THEN out := out || '\f';
            ELSIF n = 13 THEN out := out || '\r';
            ELSIF n > 65535 THEN
                n := n - 65536;
                out := out || '\u' || lpad(to_hex(55296 + (n >> 10)), 4, '0')
                    || '\u' || lpad(to_hex(56320 + (n & 1023)), 4, '0');
            ELSE out := out || '\u' || lpad(to_hex(n), 4, '0');
            END IF;
        END LOOP;
        RETURN '"' || out || '"';
    END $$
    """,
    # repr(float(t)): PostgreSQL's float8 output gives the same shortest digits, laid out
    # here the way Python does (exponent below 1e-4 and from 1e16, otherwise a ".0" at least).
    r"""
    CREATE FUNCTION pg_temp.leads_0003_py_float(t text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT SET extra_float_digits = 1 AS $$
    DECLARE
        s text := t::float8::text;
        negative boolean := left(s, 1) = '-';
        mantissa text;
        exponent integer := 0;
        digits text;
        point integer;
    BEGIN
        IF negative THEN s := substr(s, 2); END IF;
        mantissa := split_part(s, 'e', 1);
        IF position('e' IN s) > 0 THEN exponent := split_part(s, 'e', 2)::integer; END IF;
        digits := split_part(mantissa, '.', 1) || split_part(mantissa, '.', 2);
        point := length(split_part(mantissa, '.', 1)) + exponent
            - (length(digits) - length(ltrim(digits, '0')));
        digits := rtrim(ltrim(digits, '0'), '0');
        IF digits = '' THEN
            s := '0.0';
        ELSIF point > 16 OR point <= -4 THEN
            s := left(digits, 1)
                || CASE WHEN length(digits) > 1 THEN '.' || substr(digits, 2) ELSE '' END
                || 'e' || CASE WHEN point - 1 < 0 THEN '-' ELSE '+' END
                || CASE WHEN abs(point - 1) < 10 THEN '0' ELSE '' END || abs(point - 1);
        ELSIF point <= 0 THEN
            s := '0.' || repeat('0', -point) || digits;
        ELSIF point >= length(digits) THEN
            s := digits || repeat('0', point - length(digits)) || '.0';
        ELSE
            s := left(digits, point) || '.' || substr(digits, point + 1);
        END IF;
        RETURN CASE WHEN negative THEN '-' || s ELSE s END;
    END $$
    """,
    r"""
    CREATE FUNCTION pg_temp.leads_0003_py_json(j jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT AS $$
    BEGIN
        CASE jsonb_typeof(j)
        WHEN 'object' THEN
            RETURN '{' || coalesce((
                SELECT string_agg(
                    pg_temp.leads_0003_py_str(key) || ': ' || pg_temp.leads_0003_py_json(value),
                    ', ' ORDER BY key COLLATE "C")
                FROM jsonb_each(j)), '') || '}';
        WHEN 'array' THEN
            RETURN '[' || coalesce((
                SELECT string_agg(pg_temp.leads_0003_py_json(value), ', ' ORDER BY n)
                FROM jsonb_array_elements(j) WITH ORDINALITY AS e(value, n)), '') || ']';
        WHEN 'string' THEN
            RETURN pg_temp.leads_0003_py_str(j #>> '{}');
        WHEN 'number' THEN
            IF j::text ~ '[.eE]' THEN RETURN pg_temp.leads_0003_py_float(j::text); END IF;
            RETURN j::text;
        ELSE
            RETURN j::text;
        END CASE;
    END $$
    """,
]
DROP_SQL_FUNCTIONS = (
    "DROP FUNCTION pg_temp.leads_0003_py_json(jsonb), pg_temp.leads_0003_py_float(text), "
    "pg_temp.leads_0003_py_str(text)"
)


def _answer_sql(value: str) -> str:
    """SQL for _answer() of a jsonb value: a string as it is, anything else as JSON text."""
    return (
        f"CASE jsonb_typeof({value}) WHEN 'string' THEN {value} #>> '{{}}' "
        f"WHEN 'boolean' THEN {value}::text WHEN 'null' THEN 'null' "
        f"WHEN 'number' THEN CASE WHEN {value}::text ~ '[.eE]' "
        f"THEN pg_temp.leads_0003_py_float({value}::text) ELSE {value}::text END "
        f"ELSE pg_temp.leads_0003_py_json({value}) END"
    )


def _iso_sql(column: str) -> str:
    """SQL for datetime.isoformat() of an aware UTC datetime, as Django reads timestamptz."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE "
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN date_part('microseconds', {utc})::bigint %% 1000000 = 0 THEN '' "
        f"ELSE '.' || to_char({utc}, 'US') END || '+00:00' END"
    )


class _SqlBackfill:
    """The backfill as INSERT ... SELECT statements (PostgreSQL); same result as _Importer."""

    def __init__(self, apps, connection, environment: str):
        self.connection = connection
        self.legacy = {name: apps.get_model("leads", name) for name in LEGACY_MODELS}
        self.params = {"env": environment, "ws": PY_WHITESPACE, "event": IMPORT_EVENT}

    def table(self, name: str) -> str:
        return self.legacy[name]._meta.db_table

    def norm(self, column: str) -> str:
        """SQL for raw_email.strip().lower().

        PostgreSQL's lower() turns U+0130 (capital I with dot above) into a plain "i" where
        Python's gives "i" + U+0307; it is spelled out first, as leads.normalize does.
        """
        return f"lower(replace(btrim({column}, %(ws)s), chr(304), 'i' || chr(775)))"

    def strip(self, column: str) -> str:
        return f"coalesce(btrim({column}, %(ws)s), '')"

    def record(self, name: str, alias: str) -> str:
        """SQL for the whole legacy row as the JSON that _Importer writes (_jsonable)."""
        pairs = []
        for field in self.legacy[name]._meta.concrete_fields:
            kind = (field.target_field if field.is_relation else field).get_internal_type()
            column = f"{alias}.{self.connection.ops.quote_name(field.column)}"
            if kind == "UUIDField":
                column = f"{column}::text"
            elif kind == "DateTimeField":
                column = _iso_sql(column)
            pairs.append(f"'{field.attname}', {column}")
        return f"jsonb_build_object({', '.join(pairs)})"

    def event(self, name: str, alias: str, *extra: str) -> str:
        """SQL for the import event's metadata of one legacy row."""
        fields = [
            f"'legacy_table', '{self.table(name)}'",
            f"'legacy_record', {self.record(name, alias)}",
            *extra,
        ]
        return f"jsonb_build_object({', '.join(fields)})"

    def join_lead(self, email: str) -> str:
        return (
            f"LEFT JOIN users_leads ul ON ul.email = {self.norm(email)} "
            "AND ul.environment = %(env)s"
        )

    def run(self) -> None:
        with self.connection.cursor() as cursor:
            self.refuse_unknown_values(cursor)
            for statement in SQL_FUNCTIONS:
                cursor.execute(statement)
            cursor.execute(self.leads_sql(), self.params)
            for statement in self.import_sql(cursor):
                cursor.execute(statement, self.params)
            cursor.execute(DROP_SQL_FUNCTIONS)

    def refuse_unknown_values(self, cursor) -> None:
        """Stop where _Importer stops: the first early-access row with a value it cannot map."""
        cursor.execute(
            f"SELECT id, investment_intent, expected_investment_range FROM "
            f"{self.table('EarlyAccessUser')} WHERE investment_intent IS NULL "
            "OR expected_investment_range IS NULL "
            "OR investment_intent NOT IN (SELECT unnest(%s::text[])) "
            "OR expected_investment_range NOT IN (SELECT unnest(%s::text[])) "
            "ORDER BY created_at, id LIMIT 1",
            [sorted(INTENT_LEVELS), sorted(INVESTMENT_RANGES)],
        )
        bad = cursor.fetchone()
        if bad:
            raise ValueError(
                f"leads_earlyaccessuser {bad[0]}: unknown investment_intent "
                f"{bad[1]!r} or expected_investment_range "
                f"{bad[2]!r}; correct the row and migrate again"
            )

    def leads_sql(self) -> str:
        """One lead per normalized email, merged as _Importer merges (and into an existing one)."""
        lead, choice = self.table("Lead"), self.table("ChoiceResponse")
        early, contact = self.table("EarlyAccessUser"), self.table("ContactUs")
        waitlist = self.table("WaitlistEntry")
        strip, norm = self.strip, self.norm
        return f"""
        WITH legacy (email, created_at, rank, legacy_id, source, name, phone) AS (
            SELECT {norm("email")}, created_at, 0, id::text, 'CHOICES', {strip("name")}, ''
              FROM {lead}
            UNION ALL
            SELECT {norm("l.email")}, c.created_at, 1, c.id::text, 'CHOICES', '', ''
              FROM {choice} c JOIN {lead} l ON l.id = c.lead_id
            UNION ALL
            SELECT {norm("email")}, created_at, 2, id::text, 'EARLY_ACCESS', {strip("name")}, ''
              FROM {early}
            UNION ALL
            SELECT {norm("email")}, created_at, 3, id::text, 'CONTACT', {strip("name")},
                   {strip("phone")}
              FROM {contact}
            UNION ALL
            SELECT {norm("email")}, created_at, 4, id::text, 'EARLY_ACCESS', {strip("name")}, ''
              FROM {waitlist}
        ), merged AS (
            SELECT DISTINCT ON (email)
                   email, source, created_at AS first_seen_at,
                   max(created_at) OVER person AS last_seen_at,
                   coalesce((array_agg(name) FILTER (WHERE name <> '') OVER person)[1], '')
                       AS name,
                   coalesce((array_agg(phone) FILTER (WHERE phone <> '') OVER person)[1], '')
                       AS phone
              FROM legacy
             WHERE email <> ''
            WINDOW person AS (
                PARTITION BY email ORDER BY created_at, rank, legacy_id COLLATE "C"
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            )
             ORDER BY email, created_at, rank, legacy_id COLLATE "C"
        )
        INSERT INTO users_leads
               (id, email, phone, name, source, first_seen_at, last_seen_at, environment)
        SELECT gen_random_uuid(), email, phone, name, source, first_seen_at, last_seen_at,
               %(env)s
          FROM merged
        ON CONFLICT (email, environment) DO UPDATE SET
            source = CASE WHEN EXCLUDED.first_seen_at < users_leads.first_seen_at
                          THEN EXCLUDED.source ELSE users_leads.source END,
            first_seen_at = LEAST(users_leads.first_seen_at, EXCLUDED.first_seen_at),
            last_seen_at = GREATEST(users_leads.last_seen_at, EXCLUDED.last_seen_at),
            name = CASE WHEN users_leads.name = '' THEN EXCLUDED.name
                        ELSE users_leads.name END,
            phone = CASE WHEN users_leads.phone = '' THEN EXCLUDED.phone
                         ELSE users_leads.phone END
        """

    def import_sql(self, cursor) -> list[str]:
        """One statement per legacy table: its submissions and its import events."""
        lead, choice = self.table("Lead"), self.table("ChoiceResponse")
        early, contact = self.table("EarlyAccessUser"), self.table("ContactUs")
        waitlist = self.table("WaitlistEntry")
        insert_events = (
            "INSERT INTO lead_events (id, event_type, metadata, created_at, environment, lead_id)"
        )
        intent_level = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in INTENT_LEVELS.items())
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [USER_LINK_TABLE])
        if cursor.fetchone()[0]:
            link_join = f"LEFT JOIN {USER_LINK_TABLE} link ON link.waitlist_entry_id = w.id"
            linked_user = (
                "CASE WHEN link.waitlist_entry_id IS NULL THEN '{}'::jsonb ELSE "
                "jsonb_build_object('linked_user', jsonb_build_object("
                "'id', link.user_id, 'email', link.user_email)) END"
            )
        else:
            link_join, linked_user = "", "'{}'::jsonb"
        answers = _answer_sql("m.value")
        return [
            f"""
            {insert_events}
            SELECT gen_random_uuid(), %(event)s, {self.event("Lead", "r")},
                   r.created_at, %(env)s, ul.id
              FROM {lead} r {self.join_lead("r.email")}
            """,
            f"""
            {insert_events}
            SELECT gen_random_uuid(), %(event)s,
                   {self.event("WaitlistEntry", "w", "'status', w.status", "'user_id', w.user_id")}
                       || {linked_user},
                   w.created_at, %(env)s, ul.id
              FROM {waitlist} w {self.join_lead("w.email")} {link_join}
            """,
            f"""
            WITH src AS MATERIALIZED (
                SELECT r.*, gen_random_uuid() AS child_id, ul.id AS users_lead_id
                  FROM {contact} r {self.join_lead("r.email")}
            ), children AS (
                INSERT INTO contact_messages
                       (id, subject, message, responded, created_at, environment, lead_id)
                SELECT child_id, '', message, handled, created_at, %(env)s, users_lead_id
                  FROM src
            )
            {insert_events}
            SELECT gen_random_uuid(), %(event)s,
                   {self.event("ContactUs", "src", "'contact_message_id', src.child_id::text")},
                   src.created_at, %(env)s, src.users_lead_id
              FROM src
            """,
            f"""
            WITH src AS MATERIALIZED (
                SELECT r.*, gen_random_uuid() AS child_id, ul.id AS users_lead_id
                  FROM {early} r {self.join_lead("r.email")}
            ), children AS (
                INSERT INTO early_access_requests
                       (id, investment_range, city, intent_level, notes, created_at,
                        environment, lead_id)
                SELECT child_id, expected_investment_range, '',
                       CASE investment_intent {intent_level} END, '', created_at, %(env)s,
                       users_lead_id
                  FROM src
            )
            {insert_events}
            SELECT gen_random_uuid(), %(event)s,
                   {
                self.event(
                    "EarlyAccessUser",
                    "src",
                    "'early_access_request_id', src.child_id::text",
                    "'preferred_property_type', src.preferred_property_type",
                )
            },
                   src.created_at, %(env)s, src.users_lead_id
              FROM src
            """,
            # A response's answers: intent, nps when given, then each key of meta (in the
            # order Python reads them), or meta itself when it is neither an object nor empty.
            f"""
            WITH answers AS MATERIALIZED (
                SELECT r.*, ul.id AS users_lead_id, a.keys, a.texts,
                       ARRAY(SELECT gen_random_uuid()
                               FROM generate_series(1, cardinality(a.keys))) AS child_ids
                  FROM {choice} r
                  LEFT JOIN {lead} l ON l.id = r.lead_id
                  {self.join_lead("l.email")}
                 CROSS JOIN LATERAL (
                      SELECT array_agg(key ORDER BY n) AS keys,
                             array_agg(answer ORDER BY n) AS texts
                        FROM (
                            SELECT 0::bigint AS n, 'intent' AS key, r.intent::text AS answer
                            UNION ALL
                            SELECT 1, 'nps', r.nps::text WHERE r.nps IS NOT NULL
                            UNION ALL
                            SELECT 1 + m.n, m.key, {answers}
                              FROM jsonb_each(
                                       CASE WHEN jsonb_typeof(r.meta) = 'object' THEN r.meta
                                            ELSE '{{}}'::jsonb END
                                   ) WITH ORDINALITY AS m(key, value, n)
                            UNION ALL
                            SELECT 2, 'meta', {_answer_sql("r.meta")}
                             WHERE jsonb_typeof(r.meta) NOT IN ('object', 'null')
                        ) answer
                 ) a
            ), children AS (
                INSERT INTO choices_responses
                       (id, choice_key, choice_value, created_at, environment, lead_id)
                SELECT c.id, c.key, c.answer, answers.created_at, %(env)s, answers.users_lead_id
                  FROM answers,
                       unnest(answers.child_ids, answers.keys, answers.texts) AS c(id, key, answer)
            )
            {insert_events}
            SELECT gen_random_uuid(), %(event)s,
                   {
                self.event(
                    "ChoiceResponse",
                    "answers",
                    "'choices_response_ids', to_jsonb(answers.child_ids::text[])",
                )
            },
                   answers.created_at, %(env)s, answers.users_lead_id
              FROM answers
            """,
        ]


def backfill(apps, schema_editor):
    connection = schema_editor.connection
    importer = _SqlBackfill if connection.vendor == "postgresql" else _Importer
    importer(apps, connection, settings.APP_ENVIRONMENT).run()


def _remove_children_batched(imported, children: dict) -> None:
    pending = {key: [] for key in children}

    def flush():
        for key, ids in pending.items():
            if ids:
                children[key].objects.filter(id__in=ids).delete()
                ids.clear()

    for metadata in imported.values_list("metadata", flat=True).iterator(chunk_size=CHUNK_SIZE):
        for key in children:
            value = metadata.get(key)
            if value:
                pending[key] += value if isinstance(value, list) else [value]
        if sum(len(ids) for ids in pending.values()) >= CHUNK_SIZE:
            flush()
    flush()


def remove_backfill(apps, schema_editor):
    """Delete what ``backfill`` created; the legacy tables were never touched."""
    LeadEvent = apps.get_model("leads", "LeadEvent")
    children = {
        "choices_response_ids": apps.get_model("leads", "ChoicesResponse"),
        "early_access_request_id": apps.get_model("leads", "EarlyAccessRequest"),
        "contact_message_id": apps.get_model("leads", "ContactMessage"),
    }
    imported = LeadEvent.objects.filter(event_type=IMPORT_EVENT)
    if schema_editor.connection.vendor == "postgresql":
        # The children named by the events' metadata, one DELETE per table.
        for key, model in children.items():
            schema_editor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE id IN ("
                f"SELECT value::uuid FROM {LeadEvent._meta.db_table} e CROSS JOIN LATERAL "
                "jsonb_array_elements_text(CASE jsonb_typeof(e.metadata -> %s) "
                "WHEN 'array' THEN e.metadata -> %s "
                "WHEN 'string' THEN jsonb_build_array(e.metadata -> %s) ELSE '[]'::jsonb END) "
                "WHERE e.event_type = %s AND value <> '')",
                [key, key, key, IMPORT_EVENT],
            )
    else:
        _remove_children_batched(imported, children)
    imported.delete()
    # Leads left with nothing pointing at them were created by the backfill alone.
    schema_editor.execute(
        "DELETE FROM users_leads WHERE "
        + " AND ".join(
            f"NOT EXISTS (SELECT 1 FROM {table} t WHERE t.lead_id = users_leads.id)"
            for table in (
                "lead_events",
                "choices_responses",
                "early_access_requests",
                "contact_messages",
                "page_sessions",
            )
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0002_create_users_leads_tables"),
    ]

    operations = [
        migrations.RunPython(backfill, remove_backfill, elidable=False),
    ]
