"""Drop the five legacy lead tables, and with them WaitlistEntry's link to the auth user.

Their rows live on in users_leads and its tables (0003), each as an import event holding the
whole row; reversing this recreates the empty tables and 0004's reverse refills them.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0004_restore_legacy_rows_on_reverse"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="choiceresponse",
            name="lead",
        ),
        migrations.DeleteModel(
            name="ContactUs",
        ),
        migrations.DeleteModel(
            name="EarlyAccessUser",
        ),
        migrations.RemoveField(
            model_name="waitlistentry",
            name="user",
        ),
        migrations.DeleteModel(
            name="ChoiceResponse",
        ),
        migrations.DeleteModel(
            name="Lead",
        ),
        migrations.DeleteModel(
            name="WaitlistEntry",
        ),
    ]
