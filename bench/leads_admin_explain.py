"""EXPLAIN every query of the leads admin pages on a big PostgreSQL table.

Usage (a scratch database of your own; it is created if missing and refilled):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_c1_admin \
        .venv/bin/python bench/leads_admin_explain.py --leads 200000

Fills N leads (one contact message and two events each, a questionnaire for every second lead,
an early-access request for every fourth, a page visit for every second) set-based with
``generate_series``, ANALYZEs, then opens each leads changelist (plain, searched, filtered,
drilled by date) and a lead page through Django's test client, capturing the exact SQL. Each
captured query is run again under ``EXPLAIN (ANALYZE, BUFFERS)``; the script prints its time,
the indexes it used, and flags any sequential scan of a big table. Timing ratios against a
small table are bench/admin.py's job (issue 11); this script shows *why* a page is fast.
"""

import argparse
import os
import re
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL=postgres://.../bench_c1_admin (a scratch database).")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

BIG_TABLES = (
    "users_leads",
    "lead_events",
    "contact_messages",
    "choices_responses",
    "early_access_requests",
    "page_sessions",
)

FILL_SQL = """
TRUNCATE users_leads, lead_events, contact_messages, choices_responses,
         early_access_requests, page_sessions CASCADE;
INSERT INTO users_leads (id, email, phone, name, source, first_seen_at, last_seen_at, environment)
SELECT gen_random_uuid(), 'lead' || n || '@example.com', '+91 9' || lpad(n::text, 9, '0'),
       (ARRAY['Priya','Asha','Ravi','Meera','Arjun'])[1 + n % 5] || ' Person' || n,
       (ARRAY['CHOICES','EARLY_ACCESS','CONTACT','OTHER'])[1 + n % 4],
       now() - make_interval(secs => n::float8 * 86400 * 60 / %(n)s),
       now() - make_interval(secs => n::float8 * 86400 * 30 / %(n)s),
       'DEV'
FROM generate_series(1, %(n)s) AS n;
INSERT INTO contact_messages (id, lead_id, subject, message, responded, created_at, environment)
SELECT gen_random_uuid(), id, 'Question', 'Please call me back about the project.',
       random() < 0.8, last_seen_at, 'DEV'
FROM users_leads;
INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment)
SELECT gen_random_uuid(), id, t.event_type, '{}'::jsonb, first_seen_at, 'DEV'
FROM users_leads, (VALUES ('LEAD_CAPTURED'), ('CONTACT_MESSAGE_SENT')) AS t(event_type);
INSERT INTO choices_responses (id, lead_id, choice_key, choice_value, created_at, environment)
SELECT gen_random_uuid(), id, 'nps', '8', first_seen_at, 'DEV'
FROM users_leads WHERE email LIKE '%0@%' OR email LIKE '%2@%' OR email LIKE '%4@%'
   OR email LIKE '%6@%' OR email LIKE '%8@%';
INSERT INTO early_access_requests
    (id, lead_id, investment_range, city, intent_level, notes, created_at, environment)
SELECT gen_random_uuid(), id, 'ABOVE_TWO_L', 'Pune', 'HIGH', '', first_seen_at, 'DEV'
FROM users_leads WHERE email LIKE '%0@%' OR email LIKE '%4@%' OR email LIKE '%8@%';
INSERT INTO page_sessions
    (id, lead_id, visitor_key, page, referrer, utm_source, utm_campaign, created_at, environment)
SELECT gen_random_uuid(), id, md5(id::text), '/choices/', '', 'newsletter', 'spring',
       first_seen_at, 'DEV'
FROM users_leads WHERE email LIKE '%1@%' OR email LIKE '%3@%' OR email LIKE '%5@%'
   OR email LIKE '%7@%' OR email LIKE '%9@%';
"""


def pages(lead_id: str, leads: int) -> list[tuple[str, str]]:
    month = time.localtime()
    deep = max(1, min(50, leads // 100 - 1))
    return [
        ("leads", "/admin/leads/userslead/"),
        (f"leads page {deep}", f"/admin/leads/userslead/?p={deep}"),
        ("leads search email", "/admin/leads/userslead/?q=lead12345"),
        ("leads search name", "/admin/leads/userslead/?q=person12345"),
        ("leads search phone", "/admin/leads/userslead/?q=%2B91+90001"),
        ("leads first seen 7d", "/admin/leads/userslead/?first_seen=7d"),
        ("leads converted=no", "/admin/leads/userslead/?converted=no"),
        (
            "leads date drill (month)",
            f"/admin/leads/userslead/?first_seen_at__year={month.tm_year}"
            f"&first_seen_at__month={month.tm_mon}",
        ),
        ("lead page", f"/admin/leads/userslead/{lead_id}/change/"),
        ("lead events", "/admin/leads/leadevent/"),
        ("contact messages", "/admin/leads/contactmessage/"),
        ("messages awaiting reply", "/admin/leads/contactmessage/?responded__exact=0"),
        ("choices responses", "/admin/leads/choicesresponse/"),
        ("early-access requests", "/admin/leads/earlyaccessrequest/"),
        ("page sessions", "/admin/leads/pagesession/"),
    ]


def explain(sql: str) -> tuple[float, list[str], list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + sql)
        plan = [row[0] for row in cursor.fetchall()]
    total = float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))
    indexes = sorted(
        {m for line in plan for m in re.findall(r"(?:using|Bitmap Index Scan on) (\w+)", line)}
    )
    seq = [
        line.strip()
        for line in plan
        if "Seq Scan on" in line and any(f" {t} " in line + " " for t in BIG_TABLES)
    ]
    return total, indexes, seq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5, help="page loads timed per page")
    parser.add_argument("--no-fill", action="store_true", help="reuse the rows already there")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not args.no_fill:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(FILL_SQL.replace("%(n)s", str(int(args.leads))))
            cursor.execute("ANALYZE")
        print(f"filled {args.leads:,} leads in {time.perf_counter() - started:.1f}s")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM users_leads ORDER BY last_seen_at DESC LIMIT 1")
        lead_id = str(cursor.fetchone()[0])

    print(f"{'page':28} {'median ms':>9} {'queries':>7}  slowest query (ms) and its indexes")
    problems = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM users_leads")
        leads = cursor.fetchone()[0]
    # On a small table a sequential scan is the planner's right choice: flag only big ones.
    flag_seq_scans = leads >= 50_000
    for name, url in pages(lead_id, leads):
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        explained = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql:
                continue
            explained.append((*explain(sql), sql))
        slowest = max(explained, key=lambda item: item[0])
        flagged = [seq for _, _, seqs, _ in explained for seq in seqs] if flag_seq_scans else []
        problems += bool(flagged)
        print(
            f"{name:28} {statistics.median(times):9.1f} {len(captured.captured_queries):7}  "
            f"{slowest[0]:.2f} ms via {', '.join(slowest[1]) or 'no index'}"
        )
        for seq in flagged:
            print(f"{'':48}SEQ SCAN: {seq}")
    print("sequential scans of a big table:", problems)


if __name__ == "__main__":
    main()
