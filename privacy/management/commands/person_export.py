import json

from django.core.management.base import BaseCommand, CommandError

from privacy.export import person_export


class Command(BaseCommand):
    help = "Write everything held about a person (by email or phone) as one JSON document."

    def add_arguments(self, parser):
        parser.add_argument("--email")
        parser.add_argument("--phone")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, email=None, phone=None, output=None, **options):
        if not email and not phone:
            raise CommandError("Give --email or --phone.")
        document = person_export(email=email, phone=phone)
        text = json.dumps(document, indent=2, ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            counts = ", ".join(f"{k}: {v}" for k, v in document["counts"].items() if v)
            self.stdout.write(f"Wrote {output} ({counts or 'nothing found'})")
        else:
            self.stdout.write(text)
