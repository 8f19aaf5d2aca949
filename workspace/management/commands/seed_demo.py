from django.core.management.base import BaseCommand
from django.db import transaction

from crm.demo import seed_crm, seed_organizations
from crm.models import Organization
from leads.demo import seed_leads
from lms.demo import seed_lms


class Command(BaseCommand):
    help = (
        "Fill the database with believable demo data; running it again updates, never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds organizations (used by `make run`).",
        )

    def handle(self, *args, if_empty: bool = False, **options):
        if if_empty and Organization.objects.exists():
            self.stdout.write("The database already has data; demo data not loaded.")
            return
        with transaction.atomic():
            organizations = {org.slug: org for org in seed_organizations()}
            seed_crm(organizations)
            seed_lms(organizations)
            seed_leads()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
