import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_create_staff_alerts"),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitorAutoReply",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("to", models.EmailField(max_length=254)),
                ("day", models.DateField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("CONTACT_MESSAGE", "Contact message"),
                            ("EARLY_ACCESS", "Early-access request"),
                        ],
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "visitor auto-reply",
                "verbose_name_plural": "visitor auto-replies",
                "db_table": "visitor_auto_replies",
                "ordering": ["-day", "to"],
                "indexes": [models.Index(fields=["day"], name="visitor_auto_replies_day_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("to", "day"), name="visitor_auto_replies_to_day_uniq"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["CONTACT_MESSAGE", "EARLY_ACCESS"])),
                        name="visitor_auto_replies_kind_valid",
                    ),
                ],
            },
        ),
    ]
