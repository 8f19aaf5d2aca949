"""The staff API's tokens now belong to accounts (accounts 0002 took the model and its content
type): core forgets the model. The table stays as it is, so nothing runs in the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_create_fold_function"),
        ("accounts", "0002_move_api_tokens_from_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken")],
            database_operations=[],
        ),
    ]
