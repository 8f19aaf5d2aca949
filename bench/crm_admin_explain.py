"""EXPLAIN every query of the CRM and LMS admin pages on big PostgreSQL tables.

Usage (a scratch database of your own; it is created by migrate if missing and refilled):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_c2_admin \
        .venv/bin/python bench/crm_admin_explain.py --contacts 200000

Fills N contacts in two organizations (every tenth a clinic with the next nine as its
patients), a note, a task, an appointment and a message per contact, a tag on every second
contact, and an enrollment with lesson progress on every tenth, set-based with
``generate_series``; ANALYZEs; then opens each CRM/LMS changelist (plain, searched, filtered),
a contact page, and the same as a member of one organization, through Django's test client,
capturing the exact SQL. Each captured query is run again under ``EXPLAIN (ANALYZE)``; the
script prints the page's median time, its query count, the slowest query with the indexes it
used, and flags any sequential scan of a big table. Ratios against a small table are
bench/admin.py's job (issue 11); this script shows *why* a page is fast.
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
    sys.exit("Set DATABASE_URL=postgres://.../bench_c2_admin (a scratch database).")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

BIG_TABLES = (
    "crm_contact",
    "crm_contactnote",
    "crm_task",
    "crm_appointment",
    "crm_message",
    "crm_contacttag",
    "lms_enrollment",
    "lms_lessonprogress",
)

FILL_SQL = """
TRUNCATE crm_organization, crm_contact, crm_contactnote, crm_task, crm_appointment,
         crm_message, crm_tag, crm_contacttag, lms_course, lms_chapter, lms_lesson,
         lms_enrollment, lms_lessonprogress, crm_organizationmembership CASCADE;
INSERT INTO crm_organization (id, name, slug, type, created_at, updated_at) VALUES
    ('00000000-0000-0000-0000-00000000000a', 'Brightsmile Dental', 'bench-a', 'AGENCY', now(), now()),
    ('00000000-0000-0000-0000-00000000000b', 'Northwind Wellness', 'bench-b', 'AGENCY', now(), now());
INSERT INTO crm_contact (id, organization_id, contact_type, parent_contact_id, name, email, phone,
                         address, timezone, custom_fields, created_at, updated_at)
SELECT md5('c' || n)::uuid,
       CASE WHEN n %% 2 = 0 THEN '00000000-0000-0000-0000-00000000000a'::uuid
            ELSE '00000000-0000-0000-0000-00000000000b'::uuid END,
       CASE WHEN n %% 10 = 0 THEN 'CLINIC' ELSE 'PATIENT' END, NULL,
       (ARRAY['Asha','Ravi','Meera','Priya','Arjun'])[1 + n %% 5] || ' Person ' || n,
       'contact' || n || '@example.com', '+91 98' || lpad(n::text, 8, '0'),
       '', 'Asia/Kolkata', '{}'::jsonb, now() - make_interval(secs => n), now()
FROM generate_series(1, %(n)s) AS n;
INSERT INTO crm_contactnote (id, organization_id, contact_id, content, author_id, created_at, updated_at)
SELECT gen_random_uuid(), organization_id, id, 'Called about the invoice.', NULL, created_at, now()
FROM crm_contact;
INSERT INTO crm_task (id, organization_id, contact_id, title, description, due_date, status,
                      priority, assignee_id, completed_at, created_at, updated_at)
SELECT gen_random_uuid(), organization_id, id, 'Send the quote', '',
       now() + make_interval(secs => (random() * 30 * 86400)), 'PENDING', 'MEDIUM', NULL, NULL,
       created_at, now()
FROM crm_contact;
INSERT INTO crm_appointment (id, organization_id, contact_id, title, description, start_time,
                             end_time, timezone, status, location, calendar_provider,
                             external_event_id, reminder_sent, created_at, updated_at)
SELECT gen_random_uuid(), organization_id, id, 'Check-up', '', created_at + interval '30 days',
       created_at + interval '30 days 30 minutes', '', 'SCHEDULED', 'Chair 1', '', '', false,
       created_at, now()
FROM crm_contact;
INSERT INTO crm_message (id, organization_id, contact_id, direction, channel, content, status,
                         sent_at, delivered_at, read_at, provider, external_id, created_at, updated_at)
SELECT gen_random_uuid(), organization_id, id, 'OUTBOUND', 'EMAIL', 'Your visit is confirmed.',
       'SENT', created_at, NULL, NULL, '', '', created_at, now()
FROM crm_contact;
INSERT INTO crm_tag (id, organization_id, name, created_at)
SELECT gen_random_uuid(), o.id, t.name, now()
FROM crm_organization o, (VALUES ('vip'), ('new patient')) AS t(name);
INSERT INTO crm_contacttag (id, contact_id, tag_id, created_at)
SELECT gen_random_uuid(), c.id, t.id, now()
FROM crm_contact c JOIN crm_tag t ON t.organization_id = c.organization_id AND t.name = 'vip'
WHERE c.email LIKE '%%0@%%' OR c.email LIKE '%%2@%%' OR c.email LIKE '%%4@%%';
INSERT INTO lms_course (id, organization_id, title, slug, description, small_description,
                        category, level, status, price, is_free, duration, created_at, updated_at)
SELECT ('00000000-0000-0000-0000-0000000000c' || right(o.slug, 1))::uuid, o.id,
       'Aftercare ' || o.slug, 'aftercare-' || o.slug, '', '', '', 'Beginner', 'Published',
       0, true, 60, now(), now()
FROM crm_organization o;
INSERT INTO lms_chapter (id, course_id, slug, title, position, created_at, updated_at)
SELECT gen_random_uuid(), id, 'week-1', 'Week 1', 1, now(), now() FROM lms_course;
INSERT INTO lms_lesson (id, chapter_id, slug, title, description, position, created_at, updated_at)
SELECT gen_random_uuid(), id, 'day-1', 'Day 1', '', 1, now(), now() FROM lms_chapter;
INSERT INTO lms_enrollment (id, course_id, contact_id, amount, status, created_at, updated_at)
SELECT gen_random_uuid(), co.id, c.id, 0, 'Active', c.created_at, now()
FROM crm_contact c JOIN lms_course co ON co.organization_id = c.organization_id
WHERE c.contact_type = 'CLINIC';
INSERT INTO lms_lessonprogress (id, lesson_id, contact_id, completed, created_at, updated_at)
SELECT gen_random_uuid(), l.id, e.contact_id, true, e.created_at, e.created_at
FROM lms_enrollment e JOIN lms_chapter ch ON ch.course_id = e.course_id
JOIN lms_lesson l ON l.chapter_id = ch.id;
"""


def pages(contact_id: str) -> list[tuple[str, str]]:
    return [
        ("contacts", "/admin/crm/contact/"),
        ("contacts page 5", "/admin/crm/contact/?p=5"),
        ("contacts search name", "/admin/crm/contact/?q=person+12345"),
        ("contacts search email", "/admin/crm/contact/?q=contact12345%40"),
        ("contacts search phone", "/admin/crm/contact/?q=%2B91+9800012"),
        ("contacts of organization", "/admin/crm/contact/?organization__id__exact="
         "00000000-0000-0000-0000-00000000000a"),
        ("contacts type=clinic", "/admin/crm/contact/?contact_type__exact=CLINIC"),
        ("contact page", f"/admin/crm/contact/{contact_id}/change/"),
        ("notes", "/admin/crm/contactnote/"),
        ("tasks", "/admin/crm/task/"),
        ("tasks overdue", "/admin/crm/task/?due=overdue"),
        ("appointments", "/admin/crm/appointment/"),
        ("appointments next 7 days", "/admin/crm/appointment/?starts=next7"),
        ("messages", "/admin/crm/message/"),
        ("messages past 7 days", "/admin/crm/message/?sent=past7"),
        ("tags", "/admin/crm/tag/"),
        ("courses", "/admin/lms/course/"),
        ("enrollments", "/admin/lms/enrollment/"),
        ("lesson progress", "/admin/lms/lessonprogress/"),
    ]  # fmt: skip


def explain(sql: str) -> tuple[float, list[str], list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql)
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


def run(client: Client, who: str, contact_id: str, repeat: int) -> int:
    problems = 0
    print(f"\n[{who}] {'page':28} {'median ms':>9} {'queries':>7}  slowest query (ms), indexes")
    for name, url in pages(contact_id):
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        slowest = (0.0, [], [])
        seq_scans = []
        for query in queries.captured_queries:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            result = explain(query["sql"])
            seq_scans += result[2]
            slowest = max(slowest, result, key=lambda r: r[0])
        flag = "  SEQ SCAN: " + "; ".join(seq_scans) if seq_scans else ""
        problems += bool(seq_scans)
        print(
            f"{'':{len(who) + 3}}{name:28} {statistics.median(times):9.1f} "
            f"{len(queries.captured_queries):7d}  {slowest[0]:.1f} {','.join(slowest[1])}{flag}"
        )
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5, help="page loads timed per page")
    parser.add_argument("--no-fill", action="store_true", help="reuse the rows already there")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not args.no_fill:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(FILL_SQL % {"n": int(args.contacts)})
            cursor.execute("ANALYZE")
        print(f"filled {args.contacts:,} contacts in {time.perf_counter() - started:.1f}s")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    User = get_user_model()
    admin_user, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    member, _ = User.objects.get_or_create(
        username="bench-member", defaults={"is_staff": True, "is_superuser": False}
    )
    from django.contrib.auth.models import Permission

    from crm.models import OrganizationMembership

    member.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["crm", "lms", "leads"])
    )
    OrganizationMembership.objects.get_or_create(
        user=member, organization_id="00000000-0000-0000-0000-00000000000a"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM crm_contact WHERE contact_type = 'CLINIC' AND organization_id = "
            "'00000000-0000-0000-0000-00000000000a' ORDER BY name LIMIT 1"
        )
        contact_id = str(cursor.fetchone()[0])

    problems = 0
    for who, user in (("superuser", admin_user), ("member", member)):
        client = Client()
        client.force_login(user)
        problems += run(client, who, contact_id, args.repeat)
    print(f"\npages with a sequential scan of a big table: {problems}")


if __name__ == "__main__":
    main()
