"""Take over the learner tables as `Contact` and `ContactIntegration`.

State only for the models: lms 0003 already renamed the tables to `crm_contact` and
`crm_contactintegration`. Then the two unique constraints get crm names, in place.
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from crm.migration_operations import RenameConstraint


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0001_create_organization"),
        ("lms", "0003_rename_learner_tables_to_crm"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Contact",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        ("email", models.EmailField(blank=True, max_length=254, null=True)),
                        ("phone", models.CharField(blank=True, max_length=32)),
                        ("address", models.CharField(blank=True, max_length=500)),
                        ("timezone", models.CharField(blank=True, max_length=64)),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="contacts",
                                to="crm.organization",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["name"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("organization", "email"),
                                name="lms_learner_unique_organization_email",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ContactIntegration",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("provider", models.CharField(max_length=50)),
                        ("external_id", models.CharField(max_length=255)),
                        ("external_data", models.JSONField(blank=True, default=dict)),
                        ("last_sync_at", models.DateTimeField(blank=True, null=True)),
                        ("sync_status", models.CharField(default="active", max_length=32)),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "contact",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="integrations",
                                to="crm.contact",
                            ),
                        ),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("provider", "external_id"),
                                name="lms_learnerintegration_unique_provider_external_id",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        RenameConstraint(
            model_name="contact",
            old_name="lms_learner_unique_organization_email",
            new_name="crm_contact_unique_organization_email",
        ),
        RenameConstraint(
            model_name="contactintegration",
            old_name="lms_learnerintegration_unique_provider_external_id",
            new_name="crm_contactintegration_unique_provider_external_id",
        ),
    ]
