"""What the provider's delivery webhooks report about a sent email (issue 18 item 2; schema).

Four columns with constant database defaults (or nullable): adding them rewrites nothing, and
code still running during the deploy keeps inserting rows. The lookup index comes next,
built concurrently.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0003_add_outbox_email_html_body"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="provider_message_id",
            field=models.CharField(blank=True, db_default="", default="", max_length=255),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="delivery_status",
            field=models.CharField(
                blank=True,
                choices=[("DELIVERED", "Delivered"), ("BOUNCED", "Bounced")],
                db_default="",
                default="",
                max_length=9,
            ),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="delivery_detail",
            field=models.TextField(blank=True, db_default="", default=""),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="delivery_event_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
