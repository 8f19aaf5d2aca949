"""Time the staff admin at 1,000 and 200,000 rows on PostgreSQL, side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/admin.py
    ... bench/admin.py --prefix bench_d2 --repeat 7 --check
    ... bench/admin.py --rebuild            # drop and rebuild both databases

Two databases, <prefix>_small and <prefix>_large, are built once (reused while they exist;
--rebuild forces it): migrated, filled set-based with INSERT ... SELECT generate_series (no
ORM per row), ANALYZEd. Each holds N leads, each with a contact message, two events, a
choices answer, an early-access request and a page session, and N contacts in 10
organizations, each with two tags, two notes, a task, an appointment and a message. Every run
migrates them first (so new index migrations apply) and ANALYZEs again.

Then one long-lived Django process per database (DEBUG off, the psycopg pool on, like
production) answers requests from Django's test Client, signed in as a superuser and as a
staff member confined to one organization (group Managers). Each page is requested once
untimed (warm-up; its query count is recorded), then --repeat times, alternating small and
large on every request so that load on the machine hits both alike. The table shows the
medians and the ratio large/small; --check exits 1 when any ratio is above --max-ratio (1.5).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
ORGANIZATIONS = 10
MEMBER_ORGANIZATION = 0
USERS = {"superuser": "bench_admin", "member": "bench_member"}
# Contact and lead number 500 exist at both sizes and belong to the member's organization.
SAMPLE = 500


def row_uuid(kind: str, number: int) -> uuid.UUID:
    """The id the loader gives row ``number`` of ``kind`` (md5 of kind || number)."""
    return uuid.UUID(hashlib.md5(f"{kind}{number}".encode()).hexdigest())


def pages() -> list[tuple[str, str, dict]]:
    """(label, URL name, query) of every page timed; resolved in the serving process."""
    changelists = [
        ("leads", "leads_userslead"),
        ("lead events", "leads_leadevent"),
        ("contact messages", "leads_contactmessage"),
        ("choices", "leads_choicesresponse"),
        ("early-access requests", "leads_earlyaccessrequest"),
        ("page sessions", "leads_pagesession"),
        ("contacts", "crm_contact"),
        ("notes", "crm_contactnote"),
        ("tasks", "crm_task"),
        ("appointments", "crm_appointment"),
        ("messages", "crm_message"),
    ]
    result = [(label, f"admin:{name}_changelist", {}) for label, name in changelists]
    result += [
        # What staff paste: a whole email address, which matches one row at either size.
        ("contact search", "admin:crm_contact_changelist", {"q": contact_email(SAMPLE)}),
        ("lead search", "admin:leads_userslead_changelist", {"q": lead_email(SAMPLE)}),
        # The global search page (issue 19 item 2) with what staff type: part of a name, part
        # of an email, part of a phone number spaced and prefixed unlike the stored one. Each
        # matches a handful of rows at 1,000 and hundreds to thousands at 200,000.
        ("global search: name", "admin:search", {"q": "Meera Iy"}),
        ("global search: email", "admin:search", {"q": f"sharma{SAMPLE}"}),
        ("global search: phone", "admin:search", {"q": "+91 98000 005"}),
        ("admin index (dashboard)", "admin:index", {}),
        ("contact page", "admin:crm_contact_change", {"pk": str(row_uuid("contact", SAMPLE))}),
    ]
    return result


FIRST = ["Aarav", "Diya", "Kabir", "Meera", "Rohan", "Saanvi", "Ishaan", "Anaya", "Vihaan", "Tara"]
LAST = ["Sharma", "Iyer", "Patel", "Reddy", "Nair", "Gupta", "Khan", "Das", "Mehta", "Rao"]


def contact_email(number: int) -> str:
    first, last = FIRST[number % 10], LAST[(number // 10) % 10]
    return f"{first.lower()}.{last.lower()}{number}@example.com"


def lead_email(number: int) -> str:
    return f"investor{number}@example.net"


# ---------------------------------------------------------------------------------------------
# The parent: databases, the two serving processes, the table.


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--prefix", default="bench_admin", help="database names: <prefix>_small/_large"
    )
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page and size")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild both databases")
    parser.add_argument("--check", action="store_true", help="exit 1 if a ratio is too high")
    parser.add_argument("--max-ratio", type=float, default=1.5)
    parser.add_argument(
        "--only", nargs="*", help="time only pages whose label contains one of these"
    )
    parser.add_argument("--timeout", type=int, default=3600, help="stop the whole run after (s)")
    parser.add_argument("--child", choices=["prepare", "serve"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "prepare":
        print(json.dumps(prepare(args.size)))
        return
    if args.child == "serve":
        serve()
        return

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (its database is not touched).")
    signal.signal(
        signal.SIGALRM, lambda *_: sys.exit(f"bench/admin.py: over --timeout {args.timeout}s")
    )
    signal.alarm(args.timeout)

    sizes = {"small": args.small, "large": args.large}
    urls = {}
    for key, size in sizes.items():
        name = f"{args.prefix}_{key}"
        started = time.perf_counter()
        url = ensure_database(base_url, name, rebuild=args.rebuild)
        result = run_prepare(url, size)
        state = "built" if result["loaded"] else "reused"
        print(
            f"{name}: {size:,} leads / contacts {state}, migrated and analyzed "
            f"in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        urls[key] = url

    selected = [page for page in pages() if not args.only or any(o in page[0] for o in args.only)]
    servers = {key: Server(url) for key, url in urls.items()}
    try:
        figures = measure(servers, selected, args.repeat)
    finally:
        for server in servers.values():
            server.close()
    worst = report(figures, sizes, args.repeat, args.max_ratio)
    if args.check and worst > args.max_ratio:
        sys.exit(1)


def admin_url(base_url: str, name: str) -> str:
    return urlunsplit(urlsplit(base_url)._replace(path=f"/{name}"))


def ensure_database(base_url: str, name: str, *, rebuild: bool) -> str:
    """Create database ``name`` unless it exists (dropped first with ``rebuild``)."""
    import psycopg

    with psycopg.connect(admin_url(base_url, "postgres"), autocommit=True) as conn:
        if rebuild:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url(base_url, name)


def child_env(url: str, *, pool: bool) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_POOL": "true" if pool else "false",
        "DIRECT_URL": "",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "APP_ENVIRONMENT": "DEV",
        "LOG_LEVEL": "ERROR",
        # Every statement of the benchmark is bounded, so a runaway query cannot hang it.
        "PGOPTIONS": "-c statement_timeout=600s",
    }


def run_prepare(url: str, size: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "prepare", "--size", str(size)],
        cwd=ROOT,
        env=child_env(url, pool=False),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"preparing {url} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class Server:
    """A Django process on one database that answers one request per line on stdin."""

    def __init__(self, url: str):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child", "serve"],
            cwd=ROOT,
            env=child_env(url, pool=True),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.ask({"ping": True})

    def ask(self, message: dict) -> dict:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"the serving process ended (exit {self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def measure(servers: dict[str, Server], selected, repeat: int) -> dict:
    figures: dict = {}
    for label, name, query in selected:
        for user in USERS:
            for key, server in servers.items():
                answer = server.ask({"name": name, "query": query, "user": user, "count": True})
                figures[(label, user, key)] = {**answer, "times": []}
    order = list(servers)
    for attempt in range(repeat):
        # Alternate which size goes first, so neither always runs on a warmer machine.
        keys = order if attempt % 2 == 0 else order[::-1]
        for label, name, query in selected:
            for user in USERS:
                for key in keys:
                    answer = servers[key].ask({"name": name, "query": query, "user": user})
                    figures[(label, user, key)]["times"].append(answer["ms"])
        print(f"  repetition {attempt + 1}/{repeat} done", flush=True)
    return figures


def report(figures: dict, sizes: dict, repeat: int, max_ratio: float) -> float:
    print()
    print(
        f"median of {repeat} requests, ms (queries); ratio = {sizes['large']:,} rows / "
        f"{sizes['small']:,} rows; '!' above {max_ratio}"
    )
    header = f"{'page':<26} {'user':<10} {'small':>14} {'large':>14} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    labels = list(dict.fromkeys(label for label, _, _ in figures))
    for label in labels:
        for user in USERS:
            small, large = figures[(label, user, "small")], figures[(label, user, "large")]
            if small["status"] != 200 or large["status"] != 200:
                print(
                    f"{label:<26} {user:<10} {'HTTP ' + str(small['status']):>14} "
                    f"{'HTTP ' + str(large['status']):>14} {'-':>7}"
                )
                worst = max(worst, float("inf"))
                continue
            s, ll = statistics.median(small["times"]), statistics.median(large["times"])
            ratio = ll / s
            worst = max(worst, ratio)
            flag = " !" if ratio > max_ratio else ""
            print(
                f"{label:<26} {user:<10} {s:>8.1f} ({small['queries']:>3}) "
                f"{ll:>8.1f} ({large['queries']:>3}) {ratio:>6.2f}{flag}"
            )
    print()
    print(f"worst ratio: {worst:.2f}")
    return worst


# ---------------------------------------------------------------------------------------------
# The children: prepare a database, or serve requests on it.


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(size: int) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0, skip_backup=True)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_admin_meta (size integer NOT NULL)")
        cursor.execute("SELECT size FROM bench_admin_meta")
        row = cursor.fetchone()
    if row is not None and row[0] != size:
        raise SystemExit(f"database holds {row[0]:,} rows, not {size:,}: run with --rebuild")
    loaded = row is None
    if loaded:
        with transaction.atomic(), connection.cursor() as cursor:
            # The rows are consistent by construction: skip the per-row foreign-key triggers,
            # which Django's deferred constraints would otherwise run one by one at COMMIT.
            cursor.execute("SET LOCAL session_replication_role = replica")
            load(cursor, size)
            cursor.execute("INSERT INTO bench_admin_meta (size) VALUES (%s)", [size])
    ensure_users()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"loaded": loaded}


def ensure_users() -> None:
    """A superuser, and a Managers member confined to the first organization."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    from crm.models import OrganizationMembership

    User = get_user_model()
    admin, _ = User.objects.get_or_create(
        username=USERS["superuser"], defaults={"is_staff": True, "is_superuser": True}
    )
    member, _ = User.objects.get_or_create(username=USERS["member"], defaults={"is_staff": True})
    group = Group.objects.filter(name="Managers").first()
    if group is not None:
        member.groups.add(group)
    else:  # before the roles migration: the same permissions, given directly
        member.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=["leads", "crm", "lms"])
        )
    OrganizationMembership.objects.get_or_create(
        user=member, organization_id=row_uuid("org", MEMBER_ORGANIZATION)
    )


def load(cursor, n: int) -> None:
    """Fill an empty, migrated database with ``n`` leads and ``n`` contacts, set-based."""
    first = "ARRAY[" + ",".join(f"'{name}'" for name in FIRST) + "]"
    last = "ARRAY[" + ",".join(f"'{name}'" for name in LAST) + "]"
    statements = [
        # Organizations, and 20 tags in each.
        f"""
        INSERT INTO crm_organization (id, name, slug, type, created_at, updated_at)
        SELECT md5('org' || o)::uuid, 'Bench agency ' || o, 'bench-agency-' || o, 'AGENCY',
               now() - interval '400 days', now() - interval '400 days'
        FROM generate_series(0, {ORGANIZATIONS - 1}) AS o
        """,
        f"""
        INSERT INTO crm_tag (id, organization_id, name, created_at)
        SELECT md5('tag' || o || '-' || t)::uuid, md5('org' || o)::uuid, 'tag-' || t,
               now() - interval '400 days'
        FROM generate_series(0, {ORGANIZATIONS - 1}) AS o, generate_series(0, 19) AS t
        """,
        # Contacts spread over the organizations, names repeating, emails unique.
        f"""
        INSERT INTO crm_contact (id, organization_id, contact_type, parent_contact_id, name,
                                 email, phone, address, timezone, custom_fields, created_at,
                                 updated_at)
        SELECT md5('contact' || i)::uuid, md5('org' || (i % {ORGANIZATIONS}))::uuid,
               (ARRAY['CLINIC','PATIENT','EMPLOYEE','INDIVIDUAL'])[1 + i % 4], NULL,
               ({first})[1 + i % 10] || ' ' || ({last})[1 + (i / 10) % 10],
               lower(({first})[1 + i % 10]) || '.' || lower(({last})[1 + (i / 10) % 10])
                   || i || '@example.com',
               '+91 98' || lpad(i::text, 8, '0'), '', 'Asia/Kolkata', '{{}}'::jsonb,
               now() - (i % 525600) * interval '1 minute',
               now() - (i % 525600) * interval '1 minute'
        FROM generate_series(1, {n}) AS i
        """,
        f"""
        INSERT INTO crm_contacttag (id, contact_id, tag_id, created_at)
        SELECT md5('contacttag' || i || '-' || k)::uuid, md5('contact' || i)::uuid,
               md5('tag' || (i % {ORGANIZATIONS}) || '-'
                   || CASE k WHEN 0 THEN i % 20 ELSE (i % 20 + 1 + (i / 20) % 19) % 20 END)::uuid,
               now() - (i % 525600) * interval '1 minute'
        FROM generate_series(1, {n}) AS i, generate_series(0, 1) AS k
        """,
        f"""
        INSERT INTO crm_contactnote (id, organization_id, contact_id, content, author_id,
                                     created_at, updated_at)
        SELECT md5('note' || i || '-' || k)::uuid, md5('org' || (i % {ORGANIZATIONS}))::uuid,
               md5('contact' || i)::uuid, 'Called about the treatment plan, note ' || k, NULL,
               now() - (i % 525600) * interval '1 minute' + k * interval '1 hour',
               now() - (i % 525600) * interval '1 minute' + k * interval '1 hour'
        FROM generate_series(1, {n}) AS i, generate_series(0, 1) AS k
        """,
        f"""
        INSERT INTO crm_task (id, organization_id, contact_id, title, description, due_date,
                              status, priority, assignee_id, completed_at, created_at,
                              updated_at)
        SELECT md5('task' || i)::uuid, md5('org' || (i % {ORGANIZATIONS}))::uuid,
               md5('contact' || i)::uuid, 'Follow up ' || i, '',
               now() + ((i % 120) - 60) * interval '1 day',
               (ARRAY['PENDING','IN_PROGRESS','COMPLETED','CANCELLED'])[1 + i % 4],
               (ARRAY['LOW','MEDIUM','HIGH','URGENT'])[1 + i % 4], NULL,
               CASE WHEN i % 4 = 2 THEN now() - (i % 1000) * interval '1 minute' END,
               now() - (i % 525600) * interval '1 minute',
               now() - (i % 525600) * interval '1 minute'
        FROM generate_series(1, {n}) AS i
        """,
        f"""
        INSERT INTO crm_appointment (id, organization_id, contact_id, title, description,
                                     start_time, end_time, timezone, status, location,
                                     calendar_provider, external_event_id, reminder_sent,
                                     created_at, updated_at)
        SELECT md5('appointment' || i)::uuid, md5('org' || (i % {ORGANIZATIONS}))::uuid,
               md5('contact' || i)::uuid, 'Consultation', '',
               now() + ((i % 20000) - 10000) * interval '1 hour',
               now() + ((i % 20000) - 10000) * interval '1 hour' + interval '30 minutes',
               'Asia/Kolkata',
               (ARRAY['SCHEDULED','CONFIRMED','COMPLETED','CANCELLED','NO_SHOW'])[1 + i % 5],
               '', '', '', false,
               now() - (i % 525600) * interval '1 minute',
               now() - (i % 525600) * interval '1 minute'
        FROM generate_series(1, {n}) AS i
        """,
        f"""
        INSERT INTO crm_message (id, organization_id, contact_id, direction, channel, content,
                                 status, sent_at, delivered_at, read_at, provider, external_id,
                                 created_at, updated_at)
        SELECT md5('message' || i)::uuid, md5('org' || (i % {ORGANIZATIONS}))::uuid,
               md5('contact' || i)::uuid, (ARRAY['INBOUND','OUTBOUND'])[1 + i % 2],
               (ARRAY['EMAIL','SMS','CHAT','CALL','SOCIAL'])[1 + i % 5],
               'Reminder about your appointment ' || i,
               (ARRAY['SENT','DELIVERED','READ','FAILED','BOUNCED'])[1 + i % 5],
               now() - (i % 525600) * interval '1 minute', NULL, NULL, '', '',
               now() - (i % 525600) * interval '1 minute',
               now() - (i % 525600) * interval '1 minute'
        FROM generate_series(1, {n}) AS i
        """,
        # Leads, each with its submissions and two events.
        f"""
        INSERT INTO users_leads (id, email, phone, name, source, first_seen_at, last_seen_at,
                                 environment, converted_contact_id, converted_at)
        SELECT md5('lead' || i)::uuid, 'investor' || i || '@example.net',
               '+91 97' || lpad(i::text, 8, '0'),
               ({first})[1 + i % 10] || ' ' || ({last})[1 + (i / 10) % 10],
               (ARRAY['CHOICES','EARLY_ACCESS','CONTACT','OTHER'])[1 + i % 4],
               now() - (i % 525600) * interval '1 minute' - interval '1 day',
               now() - (i % 525600) * interval '1 minute', 'DEV', NULL, NULL
        FROM generate_series(1, {n}) AS i
        """,
        f"""
        INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment)
        SELECT md5('event' || i || '-' || k)::uuid, md5('lead' || i)::uuid,
               (ARRAY['LEAD_CAPTURED','CONTACT_MESSAGE_SENT'])[1 + k], '{{}}'::jsonb,
               now() - (i % 525600) * interval '1 minute' - k * interval '1 hour', 'DEV'
        FROM generate_series(1, {n}) AS i, generate_series(0, 1) AS k
        """,
        f"""
        INSERT INTO contact_messages (id, lead_id, subject, message, responded, created_at,
                                      environment)
        SELECT md5('contactmessage' || i)::uuid, md5('lead' || i)::uuid, 'Question ' || i,
               'Please call me back about the listing number ' || i, i % 3 = 0,
               now() - (i % 525600) * interval '1 minute', 'DEV'
        FROM generate_series(1, {n}) AS i
        """,
        f"""
        INSERT INTO choices_responses (id, lead_id, choice_key, choice_value, created_at,
                                       environment)
        SELECT md5('choice' || i)::uuid, md5('lead' || i)::uuid, 'intent',
               (ARRAY['invest','list-property'])[1 + i % 2],
               now() - (i % 525600) * interval '1 minute', 'DEV'
        FROM generate_series(1, {n}) AS i
        """,
        f"""
        INSERT INTO early_access_requests (id, lead_id, investment_range, city, intent_level,
                                           notes, created_at, environment)
        SELECT md5('earlyaccess' || i)::uuid, md5('lead' || i)::uuid,
               (ARRAY['BELOW_10K','TEN_TO_FIFTY_K','FIFTY_K_TO_TWO_L','ABOVE_TWO_L'])[1 + i % 4],
               (ARRAY['Mumbai','Pune','Bengaluru','Chennai'])[1 + i % 4],
               (ARRAY['LOW','MEDIUM','HIGH'])[1 + i % 3], '',
               now() - (i % 525600) * interval '1 minute', 'DEV'
        FROM generate_series(1, {n}) AS i
        """,
        f"""
        INSERT INTO page_sessions (id, lead_id, visitor_key, page, referrer, utm_source,
                                   utm_campaign, created_at, environment)
        SELECT md5('pagesession' || i)::uuid, md5('lead' || i)::uuid, md5('visitor' || i),
               '/early-access/', '', (ARRAY['google','facebook','newsletter'])[1 + i % 3],
               'spring-' || (i % 7), now() - (i % 525600) * interval '1 minute', 'DEV'
        FROM generate_series(1, {n}) AS i
        """,
    ]
    for statement in statements:
        cursor.execute(statement)


def serve() -> None:
    """Answer {"name", "query", "user"} lines with {"ms", "status", "queries"} until EOF."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    # The test Client needs the test environment (it records templates); DEBUG stays off.
    setup_test_environment(debug=False)
    User = get_user_model()
    clients = {}
    for role, username in USERS.items():
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=username))

    for line in sys.stdin:
        message = json.loads(line)
        if message.get("ping"):
            print(json.dumps({"pong": True}), flush=True)
            continue
        query = dict(message["query"])
        kwargs = {"args": [query.pop("pk")]} if "pk" in query else {}
        url = reverse(message["name"], **kwargs)
        client = clients[message["user"]]
        if message.get("count"):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, query)
            answer = {"status": response.status_code, "queries": len(captured)}
        else:
            started = time.perf_counter()
            response = client.get(url, query)
            answer = {"ms": (time.perf_counter() - started) * 1000, "status": response.status_code}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
