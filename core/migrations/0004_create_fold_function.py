"""``leadcrm_fold(text)``: a name in lower case without accents, for search that finds "José"
by "jose" and "Zoë" by "ZOE".

PostgreSQL: the ``unaccent`` extension (a trusted one: the database owner may create it) and an
IMMUTABLE SQL wrapper of it, which an index can be built on (crm 0019, leads 0016 build trigram
indexes on ``leadcrm_fold(name)``). The wrapper names the dictionary with the schema the
extension lives in (``public`` here, ``extensions`` on Supabase), so that its result does not
depend on the search path. SQLite: nothing here; each connection registers the same function in
Python (core/search.py, ``register_sqlite_functions``). The reverse drops the function and the
extension if this migration created it.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION leadcrm_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1)) $$
"""


def create_fold_function(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        cursor.execute(
            "SELECT quote_ident(n.nspname) FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
        (schema,) = cursor.fetchone()
        cursor.execute(FUNCTION.format(schema=schema))


def drop_fold_function(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP FUNCTION IF EXISTS leadcrm_fold(text)")
        cursor.execute("DROP EXTENSION IF EXISTS unaccent")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_create_row_estimates_function"),
    ]

    operations = [
        migrations.RunPython(create_fold_function, drop_fold_function, elidable=False),
    ]
