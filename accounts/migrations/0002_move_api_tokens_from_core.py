"""The staff API's tokens move from core to accounts (staff identity).

Nothing changes in the database but Django's record of which app holds the model: the table
keeps its name (core_apitoken), its rows, keys and constraint. The content type follows the
model (core.apitoken -> accounts.apitoken), so the permissions on tokens that groups and staff
hold, and the admin history of tokens, stay attached. core 0005 drops the model from core's
state once this has run. Reversible: the content type goes back.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, schema_editor, source: str, target: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    # A fresh database has none yet (post_migrate makes them); never make two.
    if not content_types.filter(app_label=target, model="apitoken").exists():
        content_types.filter(app_label=source, model="apitoken").update(app_label=target)


def content_type_to_accounts(apps, schema_editor):
    _move_content_type(apps, schema_editor, "core", "accounts")


def content_type_to_core(apps, schema_editor):
    _move_content_type(apps, schema_editor, "accounts", "core")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_create_staff_preferences"),
        ("contenttypes", "0002_remove_content_type_name"),
        # The table it takes over (and nothing later of core's, whose migrations reach into the
        # feature apps: the move stays independent of them).
        ("core", "0001_create_api_tokens"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "name",
                            models.CharField(
                                blank=True, help_text="What the token is for.", max_length=100
                            ),
                        ),
                        ("prefix", models.CharField(editable=False, max_length=8)),
                        ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
                        ),
                        ("expires_at", models.DateTimeField()),
                        (
                            "last_used_at",
                            models.DateTimeField(blank=True, editable=False, null=True),
                        ),
                        ("revoked_at", models.DateTimeField(blank=True, editable=False, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API token",
                        "db_table": "core_apitoken",
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("expires_at__gt", models.F("created_at"))),
                                name="core_apitoken_expires_after_created",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_accounts, content_type_to_core),
    ]
