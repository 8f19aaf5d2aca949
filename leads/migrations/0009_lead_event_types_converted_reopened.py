"""Allow the LEAD_CONVERTED and CONTACT_MESSAGE_REOPENED event types.

lead_events is a live, growing table: on PostgreSQL the new check is added NOT VALID (a brief
lock, no scan) and validated in a second step that lets writes go on while it reads the table
(leads/migration_operations.py).
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
]
NEW_TYPES = [*OLD_TYPES, "LEAD_CONVERTED", "CONTACT_MESSAGE_REOPENED"]


class Migration(migrations.Migration):
    # The DROP/ADD NOT VALID commits on its own before VALIDATE scans the table.
    atomic = False

    dependencies = [
        ("leads", "0008_add_lead_staff_permissions"),
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
                ],
                max_length=32,
            ),
        ),
        ReplaceEventTypeCheck(old=OLD_TYPES, new=NEW_TYPES),
    ]
