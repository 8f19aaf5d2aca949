"""Django's migrate, run over the direct connection and, in PROD, after a backup."""

import logging

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DEFAULT_DB_ALIAS

from core.db.backup import BackupError, backup_database
from core.db.connections import describe_connection, direct_connection

logger = logging.getLogger("core.migrate")


class Command(MigrateCommand):
    help = (
        MigrateCommand.help + " Connects through the direct (non-pooled) database connection "
        "when one is configured. When APP_ENVIRONMENT is PROD it backs the database up first, "
        "just before the first migration runs (--skip-backup opts out)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--skip-backup",
            action="store_true",
            help="In PROD, migrate without taking the backup first (say why in the deploy log).",
        )

    def execute(self, *args, **options):
        # Wrap execute(), not handle(): the system checks that run first query the database.
        database = options.get("database") or DEFAULT_DB_ALIAS
        with direct_connection(database) as direct:
            if direct and options.get("verbosity", 1) >= 1:
                self.stdout.write(f"Using the direct connection: {describe_connection(database)}")
            return super().execute(*args, **options)

    def handle(self, *args, **options):
        self._backup_database = options["database"]
        self._backup_pending = settings.APP_ENVIRONMENT == "PROD" and not options["skip_backup"]
        self.backup_path = None
        if settings.APP_ENVIRONMENT == "PROD" and options["skip_backup"]:
            self.stdout.write(
                self.style.WARNING("PROD: no backup before migrating (--skip-backup).")
            )
            logger.warning("migrate in PROD without a backup (--skip-backup)")
        super().handle(*args, **options)

    def migration_progress_callback(self, action, migration=None, fake=False):
        # Called before the first migration is applied or unapplied, and only when there is
        # one: --plan, --check and an up-to-date database take no backup.
        if self._backup_pending and action in ("apply_start", "unapply_start"):
            self._backup_pending = False
            self._take_backup()
        super().migration_progress_callback(action, migration, fake)

    def _take_backup(self) -> None:
        try:
            self.backup_path = backup_database(alias=self._backup_database, label="pre-migrate")
        except BackupError as exc:
            raise CommandError(
                f"Backup before migrating failed, nothing was migrated: {exc}\n"
                "Fix the backup, or rerun with --skip-backup if you have another backup."
            ) from exc
        logger.info("backup before migrate written to %s", self.backup_path)
        self.stdout.write(self.style.SUCCESS(f"Backup before migrating: {self.backup_path}"))
        self.stdout.write(f"  Restore it with: python manage.py dbrestore {self.backup_path}")
