"""Allow the CONTACT_MESSAGE_REPLIED event type (a reply sent from the admin, issue 18 item 3).

The check is swapped as in 0009 (leads/migration_operations.py): NOT VALID, then VALIDATE on
PostgreSQL; going back keeps reply events as LEAD_EDITED with their type in the metadata.
"""

from django.db import migrations, models

from leads.migration_operations import ReplaceEventTypeCheck

OLD_TYPES = [
    "LEAD_CAPTURED",
    "CHOICES_SUBMITTED",
    "EARLY_ACCESS_REQUESTED",
    "CONTACT_MESSAGE_SENT",
    "CONTACT_MESSAGE_RESPONDED",
    "PAGE_SESSION_RECORDED",
    "LEGACY_RECORD_IMPORTED",
    "LEAD_EDITED",
    "LEAD_CONVERTED",
    "CONTACT_MESSAGE_REOPENED",
]
NEW_TYPES = [*OLD_TYPES, "CONTACT_MESSAGE_REPLIED"]


class Migration(migrations.Migration):
    # The DROP/ADD NOT VALID commits on its own before VALIDATE scans the table.
    atomic = False

    dependencies = [
        ("leads", "0017_add_contact_message_responded_at_and_by"),
    ]

    operations = [
        migrations.AlterField(
            model_name="leadevent",
            name="event_type",
            field=models.CharField(
                choices=[
                    ("LEAD_CAPTURED", "Lead captured"),
                    ("CHOICES_SUBMITTED", "Choices submitted"),
                    ("EARLY_ACCESS_REQUESTED", "Early access requested"),
                    ("CONTACT_MESSAGE_SENT", "Contact message sent"),
                    ("CONTACT_MESSAGE_RESPONDED", "Contact message responded"),
                    ("PAGE_SESSION_RECORDED", "Page session recorded"),
                    ("LEGACY_RECORD_IMPORTED", "Legacy record imported"),
                    ("LEAD_EDITED", "Lead edited by staff"),
                    ("LEAD_CONVERTED", "Lead converted to a contact"),
                    ("CONTACT_MESSAGE_REOPENED", "Contact message marked not responded"),
                    ("CONTACT_MESSAGE_REPLIED", "Contact message replied to by email"),
                ],
                max_length=32,
            ),
        ),
        ReplaceEventTypeCheck(old=OLD_TYPES, new=NEW_TYPES),
    ]
