"""Time the legacy backfill (leads 0003) next to a hand-written INSERT ... SELECT of the same result.

Usage (a scratch PostgreSQL database: the script migrates it, empties the leads tables and refills
the legacy ones; nothing else in it is kept):

    createdb -h 127.0.0.1 -U postgres bench_i9b_backfill
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_i9b_backfill \\
        .venv/bin/python bench/leads_backfill.py --sizes 30000 300000

For each size the legacy tables are filled set-based (generate_series) with messy rows: about
2.5 legacy rows per person, the same email in other letter cases and with spaces in other
tables, blank names, ties in created_at, choice responses without a lead, meta objects with
nested values, waitlist entries linked to users. Then, on the same data, one after the other:

- **migration**: ``manage.py migrate leads 0003`` (the whole migrate call, as a deploy runs it);
- **hand-written**: the same result written by hand as INSERT ... SELECT statements in one
  transaction, sent with psycopg, no Django;
- **batched** (sizes up to ``--batched-up-to``): the old chunked importer, for reference.

Each runs in a child process that reports its wall time and its peak RSS (``ru_maxrss``; the RSS
before the work is shown too). After each run the result is checksummed (content only; the
generated uuids are replaced by what they point at) and the leads tables are emptied again. The
ratio is hand-written time / migration time: 1.0 means the migration runs as fast as the SQL a
person would write, 0.5 that it takes twice as long.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_POOL", "false")

NEW_TABLES = (
    "users_leads, lead_events, choices_responses, early_access_requests, contact_messages, "
    "page_sessions"
)
LEGACY_TABLES = (
    "leads_choiceresponse, leads_lead, leads_earlyaccessuser, leads_contactus, leads_waitlistentry"
)

# Shares of the legacy rows per table, and the fill. Person p's email is person<p>@example.com,
# spelled four ways; created_at repeats every third of the rows, so tables tie with each other.
FILL_SQL = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT '!', false, 'bench' || n, '', '', '', false, true, now()
  FROM generate_series(1, %(users)s) n;

CREATE TEMP TABLE spelled AS
SELECT n, CASE n %% 4 WHEN 0 THEN e WHEN 1 THEN upper(e) WHEN 2 THEN initcap(e)
                      ELSE '  ' || e || ' ' END AS email
  FROM (SELECT n, 'person' || n || '@example.com' AS e
          FROM generate_series(0, %(people)s - 1) n) p;

INSERT INTO leads_lead (id, name, email, source, anonymous, created_at)
SELECT gen_random_uuid(), CASE WHEN i %% 3 = 0 THEN '' ELSE 'Lead ' || i END,
       s.email, 'site', i %% 2 = 0,
       timestamptz '2025-01-01' + ((i %% (%(total)s / 3)) * interval '1 second')
  FROM generate_series(0, %(leads)s - 1) i JOIN spelled s ON s.n = i;

INSERT INTO leads_choiceresponse (id, intent, nps, meta, created_at, lead_id)
SELECT gen_random_uuid(), CASE WHEN i %% 2 = 0 THEN 'invest' ELSE 'list-property' END,
       CASE WHEN i %% 3 = 0 THEN NULL ELSE i %% 11 END,
       (ARRAY['{}', '{"city": "Pune", "budget": 50000}',
              '{"tags": ["a", "b"], "rooms": 2, "ok": true}', '"plain"',
              '{"note": null, "answers": {"q1": "yes", "q2": [1, 2]}}'])[1 + i %% 5]::jsonb,
       timestamptz '2025-01-01' + ((i %% (%(total)s / 3)) * interval '1 second'),
       CASE WHEN i %% 10 <> 0 THEN l.id END
  FROM generate_series(0, %(choices)s - 1) i
  JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM leads_lead) l
    ON l.n = (i * 7) %% %(leads)s;

INSERT INTO leads_earlyaccessuser (id, email, name, investment_intent,
                                   expected_investment_range, preferred_property_type,
                                   source, created_at)
SELECT gen_random_uuid(), s.email, CASE WHEN i %% 4 = 0 THEN '' ELSE 'Early ' || i END,
       (ARRAY['JUST_EXPLORING', 'INVEST_WITHIN_3_MONTHS', 'READY_TO_INVEST'])[1 + i %% 3],
       (ARRAY['BELOW_10K', 'TEN_TO_FIFTY_K', 'FIFTY_K_TO_TWO_L', 'ABOVE_TWO_L'])[1 + i %% 4],
       (ARRAY['', 'RESIDENTIAL', 'COMMERCIAL'])[1 + i %% 3], 'website',
       timestamptz '2025-01-01' + ((i %% (%(total)s / 3)) * interval '1 second')
  FROM generate_series(0, %(early)s - 1) i
  JOIN spelled s ON s.n = (i * 7 + 3) %% %(people)s;

INSERT INTO leads_contactus (id, name, email, phone, message, handled, source, created_at)
SELECT gen_random_uuid(), CASE WHEN i %% 5 = 0 THEN ' ' ELSE 'Contact ' || i END,
       upper(s.email), CASE WHEN i %% 2 = 0 THEN ' +91 99000 ' || i ELSE '' END,
       'Please call me back about the project.', i %% 3 = 0, '',
       timestamptz '2025-01-01' + ((i %% (%(total)s / 3)) * interval '1 second')
  FROM generate_series(0, %(contacts)s - 1) i
  JOIN spelled s ON s.n = (i * 11 + 5) %% %(people)s;

INSERT INTO leads_waitlistentry (id, email, name, status, created_at, updated_at, user_id)
SELECT gen_random_uuid(), s.email, '',
       (ARRAY['pending', 'approved', 'rejected'])[1 + i %% 3],
       timestamptz '2025-01-01' + ((i %% (%(total)s / 3)) * interval '1 second'),
       timestamptz '2025-06-01' + i * interval '1 millisecond',
       CASE WHEN i < %(users)s
            THEN (SELECT min(id) FROM auth_user WHERE username LIKE 'bench%%') + i END
  FROM generate_series(0, %(waitlist)s - 1) i
  JOIN spelled s ON s.n = (i * 13 + 7) %% %(people)s;

DROP TABLE spelled;
ANALYZE;
"""

# The backfill as a person would write it for this database: one transaction, the leads first
# (one row per normalized email), then each legacy table's submissions and events from a
# staging table that fixes the new ids.
HAND_WRITTEN_SQL = r"""
SET LOCAL timezone = 'UTC';
-- The events keep timestamps as Python's isoformat() writes them (microseconds in 6 digits).
CREATE FUNCTION pg_temp.iso(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS')
         || CASE WHEN extract(microseconds FROM t)::bigint %% 1000000 = 0 THEN ''
                 ELSE to_char(t, '.US') END || '+00:00' $$;

INSERT INTO users_leads (id, email, phone, name, source, first_seen_at, last_seen_at,
                         environment)
SELECT gen_random_uuid(), email, phone, name, source, first_seen_at, last_seen_at, %(env)s
  FROM (
    SELECT DISTINCT ON (email) email, source, created_at AS first_seen_at,
           max(created_at) OVER w AS last_seen_at,
           coalesce((array_agg(name) FILTER (WHERE name <> '') OVER w)[1], '') AS name,
           coalesce((array_agg(phone) FILTER (WHERE phone <> '') OVER w)[1], '') AS phone
      FROM (
        SELECT lower(trim(email)) email, created_at, 0 r, id::text k, 'CHOICES' source,
               trim(name) name, '' phone FROM leads_lead
        UNION ALL
        SELECT lower(trim(l.email)), c.created_at, 1, c.id::text, 'CHOICES', '', ''
          FROM leads_choiceresponse c JOIN leads_lead l ON l.id = c.lead_id
        UNION ALL
        SELECT lower(trim(email)), created_at, 2, id::text, 'EARLY_ACCESS', trim(name), ''
          FROM leads_earlyaccessuser
        UNION ALL
        SELECT lower(trim(email)), created_at, 3, id::text, 'CONTACT', trim(name), trim(phone)
          FROM leads_contactus
        UNION ALL
        SELECT lower(trim(email)), created_at, 4, id::text, 'EARLY_ACCESS', trim(name), ''
          FROM leads_waitlistentry
      ) legacy
     WHERE email <> ''
    WINDOW w AS (PARTITION BY email ORDER BY created_at, r, k COLLATE "C"
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
     ORDER BY email, created_at, r, k COLLATE "C"
  ) merged;

INSERT INTO lead_events (id, event_type, metadata, created_at, environment, lead_id)
SELECT gen_random_uuid(), 'LEGACY_RECORD_IMPORTED',
       jsonb_build_object('legacy_table', 'leads_lead', 'legacy_record',
                          to_jsonb(r) || jsonb_build_object('created_at', pg_temp.iso(r.created_at))),
       r.created_at, %(env)s, ul.id
  FROM leads_lead r
  LEFT JOIN users_leads ul ON ul.email = lower(trim(r.email)) AND ul.environment = %(env)s;

INSERT INTO lead_events (id, event_type, metadata, created_at, environment, lead_id)
SELECT gen_random_uuid(), 'LEGACY_RECORD_IMPORTED',
       jsonb_build_object('legacy_table', 'leads_waitlistentry', 'legacy_record',
                          to_jsonb(r) || jsonb_build_object('created_at', pg_temp.iso(r.created_at),
                                                            'updated_at', pg_temp.iso(r.updated_at)),
                          'status', r.status, 'user_id', r.user_id),
       r.created_at, %(env)s, ul.id
  FROM leads_waitlistentry r
  LEFT JOIN users_leads ul ON ul.email = lower(trim(r.email)) AND ul.environment = %(env)s;

CREATE TEMP TABLE staged_contacts ON COMMIT DROP AS
SELECT r, gen_random_uuid() AS new_id, ul.id AS lead_id
  FROM leads_contactus r
  LEFT JOIN users_leads ul ON ul.email = lower(trim(r.email)) AND ul.environment = %(env)s;
INSERT INTO contact_messages (id, subject, message, responded, created_at, environment, lead_id)
SELECT new_id, '', (r).message, (r).handled, (r).created_at, %(env)s, lead_id
  FROM staged_contacts;
INSERT INTO lead_events (id, event_type, metadata, created_at, environment, lead_id)
SELECT gen_random_uuid(), 'LEGACY_RECORD_IMPORTED',
       jsonb_build_object('legacy_table', 'leads_contactus', 'legacy_record',
                          to_jsonb(r) || jsonb_build_object('created_at', pg_temp.iso((r).created_at)),
                          'contact_message_id', new_id),
       (r).created_at, %(env)s, lead_id
  FROM staged_contacts;

CREATE TEMP TABLE staged_early ON COMMIT DROP AS
SELECT r, gen_random_uuid() AS new_id, ul.id AS lead_id
  FROM leads_earlyaccessuser r
  LEFT JOIN users_leads ul ON ul.email = lower(trim(r.email)) AND ul.environment = %(env)s;
INSERT INTO early_access_requests (id, investment_range, city, intent_level, notes, created_at,
                                   environment, lead_id)
SELECT new_id, (r).expected_investment_range, '',
       CASE (r).investment_intent WHEN 'JUST_EXPLORING' THEN 'LOW'
            WHEN 'INVEST_WITHIN_3_MONTHS' THEN 'MEDIUM' WHEN 'READY_TO_INVEST' THEN 'HIGH' END,
       '', (r).created_at, %(env)s, lead_id
  FROM staged_early;
INSERT INTO lead_events (id, event_type, metadata, created_at, environment, lead_id)
SELECT gen_random_uuid(), 'LEGACY_RECORD_IMPORTED',
       jsonb_build_object('legacy_table', 'leads_earlyaccessuser', 'legacy_record',
                          to_jsonb(r) || jsonb_build_object('created_at', pg_temp.iso((r).created_at)),
                          'early_access_request_id', new_id,
                          'preferred_property_type', (r).preferred_property_type),
       (r).created_at, %(env)s, lead_id
  FROM staged_early;

CREATE TEMP TABLE staged_answers ON COMMIT DROP AS
SELECT c.id AS response_id, a.n, a.key, a.value, gen_random_uuid() AS new_id, c.created_at,
       ul.id AS lead_id
  FROM leads_choiceresponse c
  LEFT JOIN leads_lead l ON l.id = c.lead_id
  LEFT JOIN users_leads ul ON ul.email = lower(trim(l.email)) AND ul.environment = %(env)s
 CROSS JOIN LATERAL (
    SELECT 0::bigint n, 'intent' key, c.intent::text value
    UNION ALL SELECT 1, 'nps', c.nps::text WHERE c.nps IS NOT NULL
    UNION ALL
    SELECT 1 + o, m.key, CASE WHEN jsonb_typeof(m.value) = 'string' THEN m.value #>> '{}'
                              ELSE m.value::text END
      FROM jsonb_each(CASE WHEN jsonb_typeof(c.meta) = 'object' THEN c.meta ELSE '{}' END)
           WITH ORDINALITY m(key, value, o)
    UNION ALL
    SELECT 2, 'meta', CASE WHEN jsonb_typeof(c.meta) = 'string' THEN c.meta #>> '{}'
                           ELSE c.meta::text END
     WHERE jsonb_typeof(c.meta) NOT IN ('object', 'null')
 ) a;
INSERT INTO choices_responses (id, choice_key, choice_value, created_at, environment, lead_id)
SELECT new_id, key, value, created_at, %(env)s, lead_id FROM staged_answers;
INSERT INTO lead_events (id, event_type, metadata, created_at, environment, lead_id)
SELECT gen_random_uuid(), 'LEGACY_RECORD_IMPORTED',
       jsonb_build_object('legacy_table', 'leads_choiceresponse', 'legacy_record',
                          to_jsonb(r) || jsonb_build_object('created_at', pg_temp.iso(r.created_at)),
                          'choices_response_ids', a.ids),
       r.created_at, %(env)s, a.lead_id
  FROM leads_choiceresponse r
  JOIN (SELECT response_id, min(lead_id::text)::uuid AS lead_id,
               jsonb_agg(new_id::text ORDER BY n) AS ids
          FROM staged_answers GROUP BY response_id) a ON a.response_id = r.id;
"""

# Content of the result, generated ids replaced by what they point at.
CHECKSUM_SQL = """
SELECT (SELECT count(*) FROM users_leads), (SELECT count(*) FROM lead_events),
       (SELECT count(*) FROM choices_responses),
       md5(concat(
  (SELECT string_agg(concat_ws('|', email, name, phone, source, first_seen_at, last_seen_at,
                               environment), E'\n' ORDER BY email) FROM users_leads),
  (SELECT string_agg(x, E'\n' ORDER BY x) FROM (
     SELECT concat_ws('|', ul.email, e.event_type, e.created_at, e.environment,
         e.metadata - 'choices_response_ids' - 'early_access_request_id' - 'contact_message_id',
         (SELECT string_agg(concat_ws('=', c.choice_key, c.choice_value, c.created_at,
                                      c.environment, cl.email), ',' ORDER BY o)
            FROM jsonb_array_elements_text(e.metadata -> 'choices_response_ids')
                 WITH ORDINALITY a(cid, o)
            JOIN choices_responses c ON c.id = a.cid::uuid
            LEFT JOIN users_leads cl ON cl.id = c.lead_id),
         (SELECT concat_ws('=', r.investment_range, r.city, r.intent_level, r.notes,
                           r.created_at, r.environment, rl.email)
            FROM early_access_requests r JOIN users_leads rl ON rl.id = r.lead_id
           WHERE r.id = (e.metadata ->> 'early_access_request_id')::uuid),
         (SELECT concat_ws('=', m.subject, m.message, m.responded, m.created_at,
                           m.environment, ml.email)
            FROM contact_messages m JOIN users_leads ml ON ml.id = m.lead_id
           WHERE m.id = (e.metadata ->> 'contact_message_id')::uuid)) AS x
       FROM lead_events e LEFT JOIN users_leads ul ON ul.id = e.lead_id) events)))
"""

COUNTS = {  # share of the legacy rows per table
    "leads": 0.2,
    "choices": 0.3,
    "early": 0.15,
    "contacts": 0.2,
    "waitlist": 0.15,
}


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str) -> None:
    """Run one backfill in this process and print its time and memory as JSON."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    before = rss_mb()
    if kind == "migration":
        started = time.perf_counter()
        call_command("migrate", "leads", "0003", verbosity=0)
        seconds = time.perf_counter() - started
    elif kind == "batched":
        import importlib

        from django.db.migrations.executor import MigrationExecutor

        module = importlib.import_module("leads.migrations.0003_backfill_users_leads_from_legacy")
        apps = (
            MigrationExecutor(connection)
            .loader.project_state(("leads", "0002_create_users_leads_tables"))
            .apps
        )
        started = time.perf_counter()
        with transaction.atomic():
            module._Importer(apps, connection, settings.APP_ENVIRONMENT).run()
        seconds = time.perf_counter() - started
    else:
        import psycopg

        params = settings.DATABASES["default"]
        with psycopg.connect(
            dbname=params["NAME"],
            user=params["USER"],
            password=params["PASSWORD"] or None,
            host=params["HOST"] or None,
            port=params["PORT"] or None,
        ) as conn:
            started = time.perf_counter()
            with conn.transaction(), psycopg.ClientCursor(conn) as cursor:
                cursor.execute(HAND_WRITTEN_SQL, {"env": settings.APP_ENVIRONMENT})
            seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rss_before": before, "peak_rss": peak_rss_mb()}))


def run_child(kind: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind],
        check=True,
        capture_output=True,
        text=True,
        timeout=3600,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30000, 300000])
    parser.add_argument("--batched-up-to", type=int, default=30000)
    parser.add_argument("--child", choices=["migration", "hand", "batched"])
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    assert connection.vendor == "postgresql", "needs DATABASE_URL=postgres://..."
    name = connection.settings_dict["NAME"]
    print(f"database {name}; PostgreSQL {connection.cursor().connection.info.server_version}")
    call_command("migrate", verbosity=0)
    call_command("migrate", "leads", "0002", verbosity=0)

    def reset() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {NEW_TABLES}")
            cursor.execute("VACUUM ANALYZE")

    def checksum() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(CHECKSUM_SQL)
            return cursor.fetchone()

    header = (
        f"{'legacy rows':>11}  {'run':<12} {'seconds':>8} {'rows/s':>8} "
        f"{'RSS before':>10} {'peak RSS':>9}  result (leads, events, answers, md5)"
    )
    lines = [header]
    print(header, flush=True)
    ratios = []
    for total in args.sizes:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {NEW_TABLES}, {LEGACY_TABLES}")
            cursor.execute("DELETE FROM auth_user WHERE username LIKE 'bench%%'")
            counts = {key: int(total * share) for key, share in COUNTS.items()}
            counts.update(total=sum(counts.values()), people=int(total * 0.4), users=200)
            cursor.execute(FILL_SQL, counts)
        rows = counts["total"]
        kinds = ["hand", "migration"] + (["batched"] if total <= args.batched_up_to else [])
        results = {}
        for kind in kinds:
            reset()
            result = run_child(kind)
            result["checksum"] = checksum()
            results[kind] = result
            if kind == "migration":
                call_command("migrate", "leads", "0002", "--fake", verbosity=0)
            line = (
                f"{rows:>11,}  {kind:<12} {result['seconds']:>8.2f} "
                f"{rows / result['seconds']:>8,.0f} {result['rss_before']:>8.0f}MB "
                f"{result['peak_rss']:>7.0f}MB  {result['checksum']}"
            )
            lines.append(line)
            print(line, flush=True)
        reset()
        same = {str(r["checksum"]) for r in results.values()}
        assert len(same) == 1, f"the runs disagree: {same}"
        ratio = results["hand"]["seconds"] / results["migration"]["seconds"]
        ratios.append((rows, ratio))
    for rows, ratio in ratios:
        print(f"{rows:>11,} legacy rows: hand-written / migration = {ratio:.2f} (target >= 0.5)")
    print("every run produced the same result (checksum above)")


if __name__ == "__main__":
    main()
