"""Data: contacts' emails trimmed and lower-cased, as every writer now stores them.

Set-based, one UPDATE. A contact whose normalized email another contact of the same
organization already has (``Asha@x.com`` beside ``asha@x.com``) is left exactly as it is, so
the migration never fails on the unique rule; ``python manage.py contact_email_collisions``
lists those pairs for staff to merge (privacy: Merge contacts). Going back changes nothing: the
lower-case address reaches the same mailbox.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower, Trim


def lowercase_emails(apps, schema_editor):
    Contact = apps.get_model("crm", "Contact")
    normalized = Lower(Trim("email"))
    contacts = Contact.objects.using(schema_editor.connection.alias).annotate(norm=normalized)
    twins = contacts.filter(
        organization_id=OuterRef("organization_id"), norm=OuterRef("norm")
    ).exclude(pk=OuterRef("pk"))
    to_fix = contacts.filter(email__isnull=False).exclude(Q(email=normalized) | Exists(twins))
    Contact.objects.using(schema_editor.connection.alias).filter(pk__in=to_fix.values("pk")).update(
        email=normalized
    )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0012_index_contact_phone_digits"),
    ]

    operations = [
        migrations.RunPython(lowercase_emails, migrations.RunPython.noop, elidable=False),
    ]
