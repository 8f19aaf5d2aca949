"""Time the legacy backfill (leads 0003) and its peak memory on N legacy rows.

Usage (a scratch database: it is rolled back to leads 0001 and its legacy tables refilled):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/leads_bench \
        .venv/bin/python bench/leads_backfill.py 100000

Prints rows, seconds and the process's peak RSS before and after the backfill. A quarter of
the emails repeat across tables in another letter case, so the dedup is exercised.
"""

import os
import resource
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 5000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(total: int) -> None:
    apps = (
        MigrationExecutor(connection)
        .loader.project_state(("leads", "0001_create_legacy_lead_tables"))
        .apps
    )
    models = {n: apps.get_model("leads", n) for n in ("Lead", "ContactUs", "EarlyAccessUser")}
    for model in models.values():
        model.objects.all().delete()
    apps.get_model("leads", "ChoiceResponse").objects.all().delete()
    apps.get_model("leads", "WaitlistEntry").objects.all().delete()
    now = timezone.now()
    per_table = total // 3
    for start in range(0, per_table, BATCH):
        rows = range(start, min(start + BATCH, per_table))
        models["Lead"].objects.bulk_create(
            models["Lead"](email=f"person{n}@example.com", created_at=now - timedelta(minutes=n))
            for n in rows
        )
        # Every fourth contact is a lead from above in capitals; the rest are new people.
        models["ContactUs"].objects.bulk_create(
            models["ContactUs"](
                name=f"Person {n}",
                email=f"PERSON{n}@EXAMPLE.COM" if n % 4 == 0 else f"contact{n}@example.com",
                message="Please call me back about the project.",
                created_at=now - timedelta(minutes=n, seconds=30),
            )
            for n in rows
        )
        models["EarlyAccessUser"].objects.bulk_create(
            models["EarlyAccessUser"](
                email=f"early{n}@example.com",
                investment_intent="JUST_EXPLORING",
                expected_investment_range="BELOW_10K",
                created_at=now - timedelta(minutes=n, seconds=45),
            )
            for n in rows
        )


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 30000
    call_command("migrate", verbosity=0)
    call_command("migrate", "leads", "0001", verbosity=0)
    fill(total)
    print(f"legacy rows: {total // 3 * 3}, peak RSS after filling: {peak_rss_mb():.0f} MB")
    started = time.perf_counter()
    call_command("migrate", "leads", "0003", verbosity=0)
    print(f"backfill: {time.perf_counter() - started:.1f} s, peak RSS: {peak_rss_mb():.0f} MB")
    started = time.perf_counter()
    call_command("migrate", "leads", "0002", verbosity=0)
    print(f"reverse of the backfill: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
