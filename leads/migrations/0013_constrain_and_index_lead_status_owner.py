"""Checks and indexes for the lead status and owner, safe on the live users_leads table.

On PostgreSQL the checks are added NOT VALID and validated afterwards (a brief lock, then a
read that lets writes go on), and the indexes are built CONCURRENTLY; none of that runs in a
transaction, so this migration is not atomic. SQLite adds them as usual.
"""

from django.db import migrations, models

from core.db.operations import AddCheckConstraintNotValidOnPostgres, AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("leads", "0012_mark_converted_leads_status"),
    ]

    operations = [
        AddCheckConstraintNotValidOnPostgres(
            model_name="userslead",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["NEW", "CONTACTED", "QUALIFIED", "UNQUALIFIED", "CONVERTED"])
                ),
                name="users_leads_status_valid",
            ),
        ),
        AddCheckConstraintNotValidOnPostgres(
            model_name="userslead",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "CONVERTED"), _negated=True),
                    ("converted_at__isnull", False),
                    _connector="OR",
                ),
                name="users_leads_status_converted_has_time",
                violation_error_message="Only converting a lead marks it converted.",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="userslead",
            index=models.Index(
                fields=["owner", "-last_seen_at"], name="users_leads_owner_seen_idx"
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="userslead",
            index=models.Index(
                fields=["status", "-last_seen_at"], name="users_leads_status_seen_idx"
            ),
        ),
    ]
