"""An optional HTML alternative beside each email's plain text (empty for every existing row)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0002_change_origin_id_to_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="html_body",
            field=models.TextField(blank=True, db_default="", default=""),
        ),
    ]
