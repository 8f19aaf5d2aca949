"""The delivery webhooks find an email by the provider's message id: a partial index (rows
sent with an id only), built CONCURRENTLY on PostgreSQL so sending goes on meanwhile."""

from django.db import migrations, models

from core.db.operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("outbox", "0004_add_outbox_email_delivery_fields"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="outboxemail",
            index=models.Index(
                condition=models.Q(("provider_message_id", ""), _negated=True),
                fields=["provider_message_id"],
                name="outbox_provider_message_idx",
            ),
        ),
    ]
