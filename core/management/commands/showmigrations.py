"""Django's showmigrations over the direct connection, like migrate, during a deploy."""

from django.core.management.commands.showmigrations import Command as ShowMigrationsCommand
from django.db import DEFAULT_DB_ALIAS

from core.db.connections import direct_connection


class Command(ShowMigrationsCommand):
    help = (
        ShowMigrationsCommand.help
        + " Uses the direct (non-pooled) database connection when one is configured."
    )

    def execute(self, *args, **options):
        with direct_connection(options.get("database") or DEFAULT_DB_ALIAS):
            return super().execute(*args, **options)
