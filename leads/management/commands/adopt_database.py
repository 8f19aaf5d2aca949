from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError

from core.db.backup import BackupError
from core.db.connections import describe_connection, direct_connection
from leads import adoption
from leads.adoption import report
from leads.adoption.inspect import ChangedSinceInspection


class Command(BaseCommand):
    help = (
        "Bring a live ComfHutt database (Prisma era or Supabase era) under this project's "
        "migrations, so that `migrate` goes on from there. Inspects the schema first and "
        "refuses, changing nothing, when it is not the one expected or a row cannot be "
        "converted; prints the plan (--dry-run stops there); backs up (dbbackup) unless "
        "--skip-backup; converts in one transaction; prints what it did and a report. "
        "PostgreSQL only; uses the direct database connection when one is configured."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, choices=sorted(adoption.SOURCES))
        parser.add_argument(
            "--environment",
            choices=adoption.ENVIRONMENTS,
            help="Which environment the database really is (required for comfhutt-supabase: "
            "the old code stamped DEV everywhere).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the plan and stop.")
        parser.add_argument(
            "--skip-backup", action="store_true", help="Do not back up first (you have one)."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, source, environment, dry_run, skip_backup, database, **options):
        if source == "comfhutt-supabase" and not environment:
            raise CommandError("--source comfhutt-supabase needs --environment PROD or DEV.")
        if source == "comfhutt-prisma" and environment:
            raise CommandError(
                "--environment is for comfhutt-supabase; for comfhutt-prisma, migrate's "
                "backfill stamps the rows with APP_ENVIRONMENT."
            )
        with direct_connection(database):
            where = describe_connection(database)
            try:
                inspection = adoption.inspect(source=source, alias=database)
            except adoption.AdoptionError as exc:
                raise CommandError(str(exc)) from exc
            if inspection.refused:
                for line in report.refusal(inspection, where):
                    self.stdout.write(line)
                raise CommandError(
                    f"{where} was not adopted: {len(inspection.differences)} schema "
                    f"difference(s), {len(inspection.bad_rows)} row(s) that cannot be converted"
                )
            try:
                steps = adoption.plan(inspection, environment=environment, alias=database)
            except adoption.AdoptionError as exc:
                raise CommandError(str(exc)) from exc
            for line in report.plan(steps, where, source, backup=not skip_backup):
                self.stdout.write(line)
            if environment and environment != settings.APP_ENVIRONMENT:
                self.stdout.write(
                    self.style.WARNING(
                        f"Note: APP_ENVIRONMENT is {settings.APP_ENVIRONMENT}; rows are "
                        f"stamped {environment}. Run the site there with APP_ENVIRONMENT="
                        f"{environment}."
                    )
                )
            if dry_run:
                self.stdout.write("Dry run: nothing was changed.")
                return
            if skip_backup:
                self.stdout.write(self.style.WARNING("No backup before adopting (--skip-backup)."))
            else:
                try:
                    path = adoption.backup(alias=database)
                except BackupError as exc:
                    raise CommandError(f"Backup failed, nothing was changed: {exc}") from exc
                self.stdout.write(self.style.SUCCESS(f"Backup before adopting: {path}"))
                self.stdout.write(f"  Restore it with: python manage.py dbrestore {path}")
            try:
                result = adoption.act(inspection, environment=environment, alias=database)
            except (ChangedSinceInspection, DatabaseError) as exc:
                raise CommandError(
                    f"The adoption failed and was rolled back; nothing was changed: {exc}\n"
                    "If rows changed since the inspection, stop the old site and run it again."
                ) from exc
        for line in report.done(result, inspection):
            self.stdout.write(line)
