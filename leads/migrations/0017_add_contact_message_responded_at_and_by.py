"""Contact messages remember who answered them and when (issue 18 item 3; schema only).

Two nullable columns, no rewrite of contact_messages: messages answered before stay
responded with neither set. The staff foreign key is not indexed (nothing looks messages up by
who answered them).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.db.operations import SqliteSafeAddField


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0016_index_lead_folded_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        SqliteSafeAddField(
            model_name="contactmessage",
            name="responded_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        SqliteSafeAddField(
            model_name="contactmessage",
            name="responded_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
