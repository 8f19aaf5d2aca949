"""Custom permissions for staff: convert and export leads, mark contact messages responded."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0007_index_lead_converted_contact"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="contactmessage",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("mark_responded_contactmessage", "Can mark contact messages responded")
                ],
            },
        ),
        migrations.AlterModelOptions(
            name="userslead",
            options={
                "ordering": ["-last_seen_at"],
                "permissions": [
                    ("convert_userslead", "Can convert a lead into a contact"),
                    ("export_userslead", "Can export leads"),
                ],
                "verbose_name": "lead",
            },
        ),
    ]
