"""check_drift knows the shapes Django itself creates, so a table made by Django shows no drift.

A throwaway model (kept out of the project's app registry) with the field and constraint kinds
the project's migrations use is created by Django's schema editor, then compared.
"""

import pytest
from django.db import connection, models
from django.db.models.functions import Lower, Now
from django.test.utils import isolate_apps

from core.db.drift import compare_columns, compare_constraints


@pytest.fixture
def probe_models(migrated_db):
    with isolate_apps("core"):

        class Parent(models.Model):
            id = models.UUIDField(primary_key=True)
            slug = models.SlugField(unique=True)

            class Meta:
                app_label = "core"
                db_table = "drift_probe_parent"

            def __str__(self) -> str:
                return self.slug

        class Probe(models.Model):
            parent = models.ForeignKey(Parent, on_delete=models.CASCADE)
            loose_parent = models.ForeignKey(
                Parent, on_delete=models.CASCADE, db_constraint=False, related_name="+"
            )
            only = models.OneToOneField(Parent, on_delete=models.CASCADE, related_name="+")
            email = models.EmailField(db_index=True)
            environment = models.CharField(max_length=8, db_default="DEV")
            responded = models.BooleanField(db_default=False)
            score = models.PositiveSmallIntegerField(null=True)
            metadata = models.JSONField(default=dict)
            seen_at = models.DateTimeField(db_default=Now())
            amount = models.DecimalField(max_digits=10, decimal_places=2, db_default=0)
            tags = models.ManyToManyField(Parent, related_name="+")

            class Meta:
                app_label = "core"
                db_table = "drift_probe"
                unique_together = [("parent", "score")]
                constraints = [
                    models.UniqueConstraint(
                        Lower("email"), "environment", name="drift_probe_unique_email_env"
                    ),
                    models.UniqueConstraint(
                        fields=["parent"],
                        condition=models.Q(responded=False),
                        name="drift_probe_one_open_per_parent",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(score__lte=10), name="drift_probe_score_lte_10"
                    ),
                ]
                indexes = [
                    models.Index(fields=["-seen_at", "environment"], name="drift_probe_seen")
                ]

            def __str__(self) -> str:
                return self.email

        through = Probe._meta.get_field("tags").remote_field.through
        with connection.schema_editor() as editor:
            editor.create_model(Parent)
            editor.create_model(Probe)
        yield Parent, Probe, through


def test_a_table_django_created_shows_no_drift(probe_models):
    for model in probe_models:
        table = model._meta.db_table

        assert compare_columns(connection, table, model) == [], table
        assert compare_constraints(connection, table, model) == [], table


def test_a_changed_database_default_is_reported(probe_models):
    _parent, probe, _through = probe_models
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE drift_probe ALTER COLUMN environment SET DEFAULT 'PROD'")
        else:
            # SQLite cannot change a default in place; the probe table has no rows to keep.
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'drift_probe'")
            (create_sql,) = cursor.fetchone()
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("DROP TABLE drift_probe")
            cursor.execute(create_sql.replace("DEFAULT 'DEV'", "DEFAULT 'PROD'"))

    differences = compare_columns(connection, "drift_probe", probe)

    assert [(d.kind, d.name) for d in differences] == [("column_default", "environment")]
    assert "the models expect 'DEV'" in differences[0].message
