from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from core.db.backup import BackupError, backup_database, restore_database
from core.db.connections import describe_connection, direct_connection


class Command(BaseCommand):
    help = (
        "Replace the database's contents with a backup written by dbbackup (or by migrate in "
        "PROD). Tables the backup does not have are dropped, so schema and migration history "
        "match the backup again. Takes a safety backup of the current state first "
        "(--skip-backup opts out). Stop the application first. Uses the direct database "
        "connection when one is configured."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("backup", help="Path of the .dump (PostgreSQL) or .sqlite3 file.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument(
            "--skip-backup",
            action="store_true",
            help="Do not back up the current state before restoring.",
        )

    def handle(self, *args, backup: str, database: str, interactive: bool, **options):
        path = Path(backup)
        if not path.is_file():
            raise CommandError(f"No backup file at {path}.")
        with direct_connection(database):
            where = describe_connection(database)
            if interactive:
                answer = input(
                    f"This replaces everything in {where} with {path}.\n"
                    "Type 'yes' to continue, anything else to stop: "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("Restore cancelled; nothing was changed.")
            try:
                if not options["skip_backup"]:
                    safety = backup_database(alias=database, label="pre-restore")
                    self.stdout.write(f"Current state backed up first to: {safety}")
                result = restore_database(path=path, alias=database)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        if result.dropped_tables:
            self.stdout.write(
                "Dropped tables that the backup does not have: " + ", ".join(result.dropped_tables)
            )
        self.stdout.write(self.style.SUCCESS(f"Restored {where} from {path}."))
