from django.core.management.base import BaseCommand, CommandError

from privacy.erase import person_erase
from privacy.tasks import person_erase_task


class Command(BaseCommand):
    help = "Erase everything held about a person (by email or phone). Needs --yes."

    def add_arguments(self, parser):
        parser.add_argument("--email")
        parser.add_argument("--phone")
        parser.add_argument("--yes", action="store_true", help="really erase")
        parser.add_argument(
            "--in-worker",
            action="store_true",
            help="queue the erasure for the worker (CELERY_BROKER_URL) instead of running it here",
        )

    def handle(self, *args, email=None, phone=None, yes=False, in_worker=False, **options):
        if not email and not phone:
            raise CommandError("Give --email or --phone.")
        if not yes:
            raise CommandError("Erasure cannot be undone: run again with --yes.")
        if in_worker:
            result = person_erase_task.delay(email=email, phone=phone)
            self.stdout.write(f"Erasure queued for the worker (task {result.id}).")
            return
        request = person_erase(email=email, phone=phone)
        counts = ", ".join(f"{k}: {v}" for k, v in request.counts.items() if v)
        self.stdout.write(f"Erased ({counts or 'nothing found'}); request {request.pk}")
