"""Data: leads converted before statuses existed become CONVERTED; every other lead stays NEW.

One set-based UPDATE each way. Going back, CONVERTED leads return to NEW (the column itself is
dropped by reversing the previous migration; converted_at still says they were converted).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0011_add_lead_status_and_owner"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE users_leads SET status = 'CONVERTED' "
            "WHERE converted_at IS NOT NULL AND status <> 'CONVERTED'",
            reverse_sql="UPDATE users_leads SET status = 'NEW' WHERE status = 'CONVERTED'",
            elidable=False,
        ),
    ]
