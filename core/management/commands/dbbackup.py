from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from core.db.backup import BackupError, backup_database
from core.db.connections import describe_connection, direct_connection


class Command(BaseCommand):
    help = (
        "Write a restorable backup of the database: pg_dump custom format (.dump) on "
        "PostgreSQL, the online backup API (.sqlite3) on SQLite. Files go to BACKUP_DIR "
        "(default backups/) named <database>-<environment>-<UTC time>[-label]. Uses the direct "
        "database connection when one is configured. Prints the file's path."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--output-dir", help="Directory to write to instead of BACKUP_DIR.")
        parser.add_argument("--label", default="", help="Added to the file name, e.g. pre-deploy.")

    def handle(self, *args, database: str, output_dir: str | None, label: str, **options):
        with direct_connection(database):
            where = describe_connection(database)
            try:
                path = backup_database(alias=database, directory=output_dir, label=label)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 1:
            self.stderr.write(f"Backed up {where} to:")
        self.stdout.write(str(path))
