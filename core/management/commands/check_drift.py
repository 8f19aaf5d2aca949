import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from config.database import database_from_url
from core.db.connections import connection_swapped, describe_connection, direct_connection
from core.db.drift import find_drift, format_report


class Command(BaseCommand):
    help = (
        "Compare a live database with the migration history and the models: unapplied or "
        "unknown migrations, missing or extra tables and columns, column types, nullability "
        "and defaults, unique, foreign-key and check constraints, and indexes. Exits 0 when "
        "the database matches, 1 on drift. Uses the direct database connection when one is "
        "configured."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias to check (default)."
        )
        parser.add_argument(
            "--url",
            help=(
                "Check the database at this postgres:// or sqlite:// URL instead, e.g. DEV and "
                "PROD in turn from one machine."
            ),
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print the differences as a JSON list.",
        )

    def handle(self, *args, database: str, as_json: bool = False, url=None, **options):
        if url:
            try:
                config = database_from_url(
                    url,
                    sqlite_path=Path(settings.BASE_DIR) / "db.sqlite3",
                    pool=False,
                    setting="--url",
                )
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from exc
            switch = connection_swapped(config, alias=database)
        else:
            switch = direct_connection(database)
        with switch:
            connection = connections[database]
            where = describe_connection(database)
            differences, compared = find_drift(connection)
        if as_json:
            self.stdout.write(
                json.dumps([difference.as_dict() for difference in differences], indent=2)
            )
        elif differences:
            self.stdout.write(f"Schema drift in {where}: {len(differences)} difference(s)")
            for line in format_report(differences):
                self.stdout.write(line)
            self.stdout.write(
                "Undo hand-made changes, capture intended ones in a migration, and apply "
                "pending migrations with `manage.py migrate` (see docs/deploying.md)."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"No schema drift: {where} matches the migration history "
                    f"({compared} tables compared)."
                )
            )
        if differences:
            raise CommandError(
                f"schema drift: {len(differences)} difference(s) in {where}", returncode=1
            )
