from axes.utils import reset
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Lift a sign-in lockout early: forget the failed sign-ins of a username (from every "
        "address, or from --address only), or of an address with --address alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="the username that is locked out")
        parser.add_argument("--address", help="only the failures from this client address")

    def handle(self, *args, username: str | None, address: str | None, **options):
        if not username and not address:
            raise CommandError("Give a username, an --address, or both.")
        count = reset(username=username or None, ip=address or None)
        who = " from ".join(part for part in (username, address) if part)
        self.stdout.write(
            self.style.SUCCESS(f"Unlocked {who}: {count} failed sign-in record(s) removed.")
        )
