"""Point enrollments and lesson progress at `crm.Contact` and let go of the learner models.

State only: the tables already carry the new names (lms 0003) and the foreign-key constraints
already point at them, so the database has nothing to do.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0003_rename_learner_tables_to_crm"),
        ("crm", "0002_move_learner_models_to_crm_contact"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="enrollment",
                    name="contact",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="enrollments",
                        to="crm.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="lessonprogress",
                    name="contact",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lesson_progress",
                        to="crm.contact",
                    ),
                ),
                migrations.DeleteModel(name="LearnerIntegration"),
                migrations.DeleteModel(name="Learner"),
            ],
            database_operations=[],
        ),
    ]
