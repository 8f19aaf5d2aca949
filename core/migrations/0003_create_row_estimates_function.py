"""A PostgreSQL function that returns the planner's row estimates of several queries at once.

``leadcrm_row_estimates(queries text[])`` plans each query (EXPLAIN, never run) and returns its
estimated rows, in order: the dashboard reads the estimates of all its figures on large tables
in one round trip instead of one EXPLAIN each (core.paginator.planner_row_estimates). EXPLAIN
is refused in stable functions such as query_to_xml, hence a volatile function of the project's
own. Nothing on SQLite, which has no planner estimates; the reverse drops it.
"""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION leadcrm_row_estimates(queries text[]) RETURNS bigint[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    query text;
    plan json;
    estimates bigint[] := '{}';
BEGIN
    FOREACH query IN ARRAY coalesce(queries, '{}') LOOP
        EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
        estimates := estimates || (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric::bigint;
    END LOOP;
    RETURN estimates;
END
$$
"""
DROP_FUNCTION = "DROP FUNCTION IF EXISTS leadcrm_row_estimates(text[])"


class RunSQLOnPostgres(migrations.RunSQL):
    """RunSQL on PostgreSQL only."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_create_staff_groups")]

    operations = [RunSQLOnPostgres(CREATE_FUNCTION, reverse_sql=DROP_FUNCTION)]
