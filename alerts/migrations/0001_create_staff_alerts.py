import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    # Only the users_leads table is needed (its key is as 0002 made it). Depending on the
    # latest leads migration would pull all of leads ahead of other apps in a full migration
    # plan, which the migration tests cut short at their targets.
    dependencies = [
        ("leads", "0002_create_users_leads_tables"),
    ]

    operations = [
        migrations.CreateModel(
            name="StaffAlert",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("NEW_LEAD", "New lead"),
                            ("CONTACT_MESSAGE", "Contact message"),
                            ("EARLY_ACCESS", "Early-access request"),
                        ],
                        max_length=16,
                    ),
                ),
                ("object_id", models.UUIDField(blank=True, null=True)),
                ("new_lead", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("digest_key", models.UUIDField(blank=True, null=True)),
                ("digested_at", models.DateTimeField(blank=True, null=True)),
                (
                    "lead",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="leads.userslead",
                    ),
                ),
            ],
            options={
                "db_table": "staff_alerts",
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("digested_at__isnull", True)),
                        fields=["created_at", "id"],
                        name="staff_alerts_pending_idx",
                    ),
                    models.Index(fields=["digest_key"], name="staff_alerts_digest_key_idx"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("kind__in", ["NEW_LEAD", "CONTACT_MESSAGE", "EARLY_ACCESS"])
                        ),
                        name="staff_alerts_kind_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("digest_key__isnull", True), ("digested_at__isnull", True)),
                            models.Q(("digest_key__isnull", False), ("digested_at__isnull", False)),
                            _connector="OR",
                        ),
                        name="staff_alerts_digested_together",
                    ),
                ],
            },
        ),
    ]
