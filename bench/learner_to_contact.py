"""Time the learner-to-contact migrations on PostgreSQL at two table sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/learner_to_contact.py
    ... bench/learner_to_contact.py --sizes 10000 100000

For each size: a scratch database (dropped afterwards) is migrated to the legacy state, filled
with N learners and one enrollment each (set-based, generate_series), then

- "rename": lms 0002-0005 + crm 0002-0003 (columns, constraints, tables, keys and indexes
  renamed in place, state moved between apps, content types moved) is timed;
- "new fields": crm 0004-0005 (contact_type, parent, custom fields, tags, CRM tables) is timed
  for contrast: the foreign key, its index and the check constraints read the whole table.

Both are timed as a whole `migrate` call and, separately, as the time spent in their schema
statements (DDL). A rename only touches the catalog, so its DDL time does not grow with N: the
ratio printed for "rename" stays near 1 while the row count grows a hundredfold. Each size is
loaded once into a template database and every run works on a fresh copy; the best run counts.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LEGACY_TARGETS = [("lms", "0001_create_legacy_lms_schema"), ("crm", "0001_create_organization")]
OTHER_APPS = ["contenttypes", "auth", "admin", "sessions", "leads"]
RENAME_TARGETS = [
    ("crm", "0003_move_learner_content_types_and_permissions"),
    ("lms", "0005_rename_learner_keys_and_indexes"),
]
DEFAULT_SIZES = [10_000, 1_000_000]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES)
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best counts")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--child", choices=["prepare", "time"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.size)))
        return

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (any database; scratch ones are made).")
    results = {}
    for size in args.sizes:
        template = f"bench_learner_to_contact_{size}_legacy"
        started = time.perf_counter()
        with scratch_database(base_url, template, keep=args.keep) as template_url:
            run_child(template_url, "prepare", size)
            print(f"  n={size:>9,}  legacy data loaded in {time.perf_counter() - started:.1f}s")
            best = None
            for attempt in range(args.repeat):
                copy = f"bench_learner_to_contact_{size}_run"
                with scratch_database(base_url, copy, template=template, keep=False) as url:
                    result = run_child(url, "time", size)
                best = result if best is None else {k: min(best[k], result[k]) for k in best}
                print(
                    f"  n={size:>9,}  run {attempt + 1}: "
                    f"rename {result['rename_s'] * 1000:.0f} ms "
                    f"(DDL {result['rename_ddl_s'] * 1000:.1f} ms), "
                    f"new fields {result['new_fields_s'] * 1000:.0f} ms "
                    f"(DDL {result['new_fields_ddl_s'] * 1000:.1f} ms)",
                    flush=True,
                )
        results[size] = best

    small, large = min(results), max(results)
    print()
    print("best of", args.repeat, "runs; 'DDL' is the time spent in schema statements")
    print(
        f"{'learners':>12}  {'rename':>9}  {'rename DDL':>11}  {'new fields':>11}  {'new fields DDL':>15}"
    )
    for size in sorted(results):
        r = results[size]
        print(
            f"{size:>12,}  {r['rename_s'] * 1000:>6.0f} ms  {r['rename_ddl_s'] * 1000:>8.1f} ms"
            f"  {r['new_fields_s'] * 1000:>8.0f} ms  {r['new_fields_ddl_s'] * 1000:>12.1f} ms"
        )
    if small != large:
        r_small, r_large = results[small], results[large]
        print()
        print(
            f"rows x{large / small:g}: rename x{r_large['rename_s'] / r_small['rename_s']:.2f} "
            f"(DDL x{r_large['rename_ddl_s'] / r_small['rename_ddl_s']:.2f}), "
            f"new fields x{r_large['new_fields_s'] / r_small['new_fields_s']:.2f} "
            f"(DDL x{r_large['new_fields_ddl_s'] / r_small['new_fields_ddl_s']:.2f})"
        )


@contextmanager
def scratch_database(base_url: str, name: str, *, template: str | None = None, keep: bool):
    """Create database ``name`` (a copy of ``template`` if given); drop it afterwards."""
    import psycopg

    parts = urlsplit(base_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        if not keep:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def run_child(url: str, mode: str, size: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_POOL": "false"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--size", str(size)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"n={size} ({mode}) failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class DDLTimer:
    """Sum the time the database spends on schema changes (DDL) run inside ``with``.

    The rest of a `migrate` run (loading the graph, rendering model states, bookkeeping rows,
    content types) costs the same for any table size; the DDL is what a big table can slow.
    """

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(("ALTER", "CREATE", "DROP")):
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def child(mode: str, size: int) -> dict:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if mode == "prepare":
        for app in OTHER_APPS:
            call_command("migrate", app, verbosity=0)
        for app, migration in LEGACY_TARGETS:
            call_command("migrate", app, migration, verbosity=0)
        load(connection, size)
        return {}

    # Start from quiet disks: the copy of the template left dirty pages behind, and flushing
    # them is the setup's cost, not the migration's.
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    os.sync()

    timings = {}
    for label, targets in [("rename", RENAME_TARGETS), ("new_fields", [()])]:
        timer = DDLTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            for target in targets:
                call_command("migrate", *target, verbosity=0)
        timings[f"{label}_s"] = time.perf_counter() - started
        timings[f"{label}_ddl_s"] = timer.seconds

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT e.contact_id) FROM lms_enrollment e"
            " JOIN crm_contact c ON c.id = e.contact_id WHERE c.contact_type = 'CLINIC'"
        )
        enrollments, contacts = cursor.fetchone()
    if (enrollments, contacts) != (size, size):
        raise SystemExit(f"expected {size} enrolled contacts, found {contacts} / {enrollments}")
    return timings


def load(connection, size: int) -> None:
    """N learners in 10 organizations (every 5th without email), one enrollment each."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO crm_organization (id, name, slug, type, created_at, updated_at)
            SELECT gen_random_uuid(), 'Org ' || g, 'org-' || g, 'AGENCY', now(), now()
            FROM generate_series(1, 10) g;
            INSERT INTO lms_course (id, title, slug, description, small_description, category,
                                    level, status, price, is_free, duration, created_at, updated_at)
            VALUES (gen_random_uuid(), 'Basics', 'basics', '', '', '', 'Beginner', 'Published',
                    0, true, 60, now(), now());
            """
        )
        cursor.execute(
            """
            WITH orgs AS (SELECT id, row_number() OVER (ORDER BY slug) - 1 AS n FROM crm_organization)
            INSERT INTO lms_learner (id, organization_id, name, email, phone, address, timezone,
                                     created_at, updated_at)
            SELECT gen_random_uuid(), orgs.id, 'Learner ' || g,
                   CASE WHEN g %% 5 = 0 THEN NULL ELSE 'learner' || g || '@example.com' END,
                   '+91 98100 ' || lpad(g::text, 6, '0'), g || ' Market Street', 'Asia/Kolkata',
                   now(), now()
            FROM generate_series(1, %s) g JOIN orgs ON orgs.n = g %% 10
            """,
            [size],
        )
        cursor.execute(
            """
            INSERT INTO lms_enrollment (id, course_id, learner_id, amount, status, created_at, updated_at)
            SELECT gen_random_uuid(), (SELECT id FROM lms_course), l.id, 0, 'Active', now(), now()
            FROM lms_learner l
            """
        )
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
