"""Database lookups the CRM models need on both SQLite and PostgreSQL."""

from django.db import models


class JSONType(models.Transform):
    """The JSON type of a value: "object", "array", "string", ...

    PostgreSQL spells it ``jsonb_typeof``, SQLite ``json_type``; both answer with the same words
    for objects and arrays. Registered on ``JSONField`` as ``json_type``, so a key of that name
    cannot be reached with the ``__`` syntax (use ``KT()`` for it).
    """

    lookup_name = "json_type"
    output_field = models.CharField()

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, function="JSONB_TYPEOF")

    def as_sqlite(self, compiler, connection):
        return self.as_sql(compiler, connection, function="JSON_TYPE")
