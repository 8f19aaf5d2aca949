"""Add the CRM fields to contacts: type, parent, tags and custom fields.

Every existing contact (a former learner) becomes a CLINIC, as the original app's migration
did; the default for contacts created afterwards is INDIVIDUAL. On PostgreSQL 11+ adding a
column with a constant default does not rewrite the table.
"""

import uuid

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.db import migrations, models

import crm.custom_fields


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_move_learner_content_types_and_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="contact_type",
            field=models.CharField(
                choices=[
                    ("CLINIC", "Clinic"),
                    ("PATIENT", "Patient"),
                    ("EMPLOYEE", "Employee"),
                    ("INDIVIDUAL", "Individual"),
                ],
                default="CLINIC",
                max_length=16,
                verbose_name="type",
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="contact_type",
            field=models.CharField(
                choices=[
                    ("CLINIC", "Clinic"),
                    ("PATIENT", "Patient"),
                    ("EMPLOYEE", "Employee"),
                    ("INDIVIDUAL", "Individual"),
                ],
                default="INDIVIDUAL",
                max_length=16,
                verbose_name="type",
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="custom_fields",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='A JSON object of named values, e.g. {"chairs": 4, "insurer": "Acme"}.',
                validators=[crm.custom_fields.validate_custom_fields],
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="parent_contact",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="children",
                to="crm.contact",
                verbose_name="parent",
            ),
        ),
        migrations.CreateModel(
            name="Tag",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("name", models.CharField(max_length=50)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tags",
                        to="crm.organization",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="ContactTag",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contact_tags",
                        to="crm.contact",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contact_tags",
                        to="crm.tag",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="contact",
            name="tags",
            field=models.ManyToManyField(
                blank=True, related_name="contacts", through="crm.ContactTag", to="crm.tag"
            ),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.CheckConstraint(
                condition=models.Q(("parent_contact", models.F("id")), _negated=True),
                name="crm_contact_not_own_parent",
            ),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.CheckConstraint(
                condition=models.Q(("custom_fields__json_type", "object")),
                name="crm_contact_custom_fields_is_object",
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(
                models.F("organization"),
                django.db.models.functions.text.Lower("name"),
                name="crm_tag_unique_organization_name_ci",
            ),
        ),
        migrations.AddConstraint(
            model_name="contacttag",
            constraint=models.UniqueConstraint(
                fields=("contact", "tag"), name="crm_contacttag_unique_contact_tag"
            ),
        ),
    ]
