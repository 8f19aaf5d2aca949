"""Custom permissions for importing and exporting contacts (granted to Managers)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0006_create_organization_membership"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="contact",
            options={
                "ordering": ["name"],
                "permissions": [
                    ("import_contact", "Can import contacts"),
                    ("export_contact", "Can export contacts"),
                ],
            },
        ),
    ]
