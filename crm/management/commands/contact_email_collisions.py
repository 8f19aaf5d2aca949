"""List contacts of one organization whose emails differ only in letter case (crm 0013)."""

from django.core.management.base import BaseCommand

from crm.selectors import contact_email_collisions


class Command(BaseCommand):
    help = (
        "List the contacts that crm 0013 left as they were because another contact of the same "
        "organization has the same email in another letter case. Merge each group in the admin "
        "(Contacts: select them, Merge)."
    )

    def handle(self, *args, **options):
        collisions = contact_email_collisions()
        if not collisions:
            self.stdout.write("No contacts share an email in different letter case.")
            return
        for collision in collisions:
            self.stdout.write(f"{collision['organization']}: {collision['email']}")
            for contact in collision["contacts"]:
                self.stdout.write(f"  {contact.pk}  {contact.email}  {contact.name}")
        self.stdout.write(f"{len(collisions)} group(s) to merge.")
