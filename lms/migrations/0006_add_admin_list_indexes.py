"""Indexes behind the LMS admin lists (courses by title, newest enrollments and progress first).

Built CONCURRENTLY on PostgreSQL, so this migration is not atomic; plain builds on SQLite.
"""

from django.db import migrations, models

from core.db.operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("lms", "0005_rename_learner_keys_and_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="course",
            index=models.Index(fields=["title", "-id"], name="lms_course_title_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="course",
            index=models.Index(
                fields=["organization", "title", "-id"], name="lms_course_org_title_idx"
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="enrollment",
            index=models.Index(fields=["-created_at", "-id"], name="lms_enrollment_created_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="lessonprogress",
            index=models.Index(fields=["-updated_at", "-id"], name="lms_progress_updated_idx"),
        ),
    ]
