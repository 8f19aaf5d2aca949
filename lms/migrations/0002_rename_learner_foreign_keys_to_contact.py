"""Rename the `learner` foreign keys to `contact`, with the unique constraints that use them.

Columns and constraints are renamed in place (no rows are copied, no index is rebuilt).
"""

from django.db import migrations

from crm.migration_operations import RenameFieldAndConstraints


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0001_create_legacy_lms_schema"),
    ]

    operations = [
        RenameFieldAndConstraints(
            model_name="enrollment",
            old_name="learner",
            new_name="contact",
            constraints={
                "lms_enrollment_unique_learner_course": "lms_enrollment_unique_contact_course"
            },
        ),
        RenameFieldAndConstraints(
            model_name="lessonprogress",
            old_name="learner",
            new_name="contact",
            constraints={
                "lms_lessonprogress_unique_learner_lesson": "lms_lessonprogress_unique_contact_lesson"
            },
        ),
        RenameFieldAndConstraints(
            model_name="learnerintegration",
            old_name="learner",
            new_name="contact",
        ),
    ]
