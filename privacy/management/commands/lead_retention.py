from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime

from privacy.retention import leads_erase_expired
from privacy.selectors import retention_plan


class Command(BaseCommand):
    help = (
        "Erase leads never converted and not seen for LEAD_RETENTION_DAYS days (what the daily "
        "job does). --dry-run prints what would go; erasing needs --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help="use this period instead of LEAD_RETENTION_DAYS (e.g. to try one before setting it)",
        )
        parser.add_argument("--dry-run", action="store_true", help="print the plan, erase nothing")
        parser.add_argument("--yes", action="store_true", help="really erase")

    def handle(self, *args, days=None, dry_run=False, yes=False, **options):
        if days is None:
            days = settings.LEAD_RETENTION_DAYS
        if days is None:
            self.stdout.write("LEAD_RETENTION_DAYS is unset: leads are kept, nothing to erase.")
            return
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        plan = retention_plan(days)
        self.stdout.write(
            f"Leads never converted and not seen for {days} days "
            f"(last seen before {localtime(plan['cutoff']):%Y-%m-%d %H:%M %Z}): {plan['leads']}"
        )
        if plan["leads"]:
            self.stdout.write(
                f"Oldest last seen: {localtime(plan['oldest_last_seen']):%Y-%m-%d %H:%M %Z}"
            )
            for label, count in plan["rows"].items():
                self.stdout.write(f"  with {label}: {count}")
        if dry_run:
            self.stdout.write("Dry run: nothing erased.")
            return
        if not yes:
            raise CommandError("Erasure cannot be undone: run again with --yes (or --dry-run).")
        result = leads_erase_expired(days=days)
        counts = ", ".join(f"{k}: {v}" for k, v in result["counts"].items() if v)
        self.stdout.write(f"Erased {result['leads']} lead(s) ({counts or 'no rows'}).")
