from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, transaction

from accounts.roles import ROLE_APPS, sync_groups


class Command(BaseCommand):
    help = (
        "Create the staff groups (Sales, Support, Instructors, Managers) and set each one's "
        "permissions to exactly those in accounts/roles.py. Safe to run again; members stay."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database: str, **options):
        with transaction.atomic(using=database):
            for app_label in ROLE_APPS:
                create_permissions(apps.get_app_config(app_label), verbosity=0, using=database)
            counts = sync_groups(apps, using=database)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} permissions")
