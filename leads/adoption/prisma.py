"""The ComfHutt Prisma era (LEGACY-DATABASES.md, state 1) -> this project's legacy lead tables.

The project's tables are created by running ``leads`` 0001 (and what it depends on) for real;
the rows are then copied over with the conversions, and the Prisma tables and enum types
dropped. ``migrate`` does the rest (the backfill of 0003 onwards).
"""

from django.db import models

from .history import historical_apps, mark_unmanaged, migrate_to, migration_plan
from .inspect import (
    UUID_PATTERN,
    ChangedSinceInspection,
    Inspection,
    TableShape,
    compare_table,
    enum_types,
    foreign_keys_into,
    offending_rows,
    public_tables,
    quote,
    row_counts,
    table_shape,
)

SOURCE = "comfhutt-prisma"
TARGET = ("leads", "0001_create_legacy_lead_tables")
LINK_TABLE = "legacy_waitlist_user_link"
OPTIONAL = "EarlyAccessUser"
ENUMS = {
    "InvestmentIntent": ["JUST_EXPLORING", "INVEST_WITHIN_3_MONTHS", "READY_TO_INVEST"],
    "InvestmentRange": ["BELOW_10K", "TEN_TO_FIFTY_K", "FIFTY_K_TO_TWO_L", "ABOVE_TWO_L"],
    "PropertyType": ["RESIDENTIAL", "COMMERCIAL", "MIXED_USE"],
}
# What this project does not model; left as they are (anything else unknown is left too).
KNOWN_OTHERS = [
    "User",
    "Account",
    "Session",
    "VerificationToken",
    "Owner",
    "Property",
    "PropertyDocument",
    "_prisma_migrations",
]

TS = "timestamp(3) without time zone NOT NULL default CURRENT_TIMESTAMP"
EXPECTED = {
    "WaitlistEntry": TableShape(
        {
            "id": "text NOT NULL",
            "email": "text NOT NULL",
            "name": "text NULL",
            "status": "text NOT NULL default 'pending'::text",
            "createdAt": TS,
            "updatedAt": "timestamp(3) without time zone NOT NULL",
            "userId": "text NULL",
        },
        frozenset(
            {
                "primary key WaitlistEntry_pkey (id)",
                "unique index WaitlistEntry_email_key (email)",
                "unique index WaitlistEntry_userId_key (userId)",
                "foreign key WaitlistEntry_userId_fkey (userId) -> User(id) "
                "on delete set null on update cascade",
            }
        ),
    ),
    "Lead": TableShape(
        {
            "id": "text NOT NULL",
            "name": "text NULL",
            "email": "text NOT NULL",
            "createdAt": TS,
            "source": "text NULL",
            "anonymous": "boolean NOT NULL default true",
        },
        frozenset({"primary key Lead_pkey (id)", "unique index Lead_email_key (email)"}),
    ),
    "ChoiceResponse": TableShape(
        {
            "id": "text NOT NULL",
            "leadId": "text NULL",
            "intent": "text NOT NULL",
            "nps": "integer NULL",
            "meta": "jsonb NULL default '{}'::jsonb",
            "createdAt": TS,
        },
        frozenset(
            {
                "primary key ChoiceResponse_pkey (id)",
                "foreign key ChoiceResponse_leadId_fkey (leadId) -> Lead(id) "
                "on delete set null on update cascade",
            }
        ),
    ),
    "ContactUs": TableShape(
        {
            "id": "text NOT NULL",
            "name": "text NOT NULL",
            "email": "text NOT NULL",
            "phone": "text NULL",
            "message": "text NOT NULL",
            "createdAt": TS,
            "handled": "boolean NOT NULL default false",
            "source": "text NULL",
        },
        frozenset(
            {
                "primary key ContactUs_pkey (id)",
                "index ContactUs_email_idx (email)",
                "index ContactUs_createdAt_idx (createdAt)",
            }
        ),
    ),
    "EarlyAccessUser": TableShape(
        {
            "id": "text NOT NULL",
            "email": "text NOT NULL",
            "name": "text NULL",
            "investmentIntent": '"InvestmentIntent" NOT NULL',
            "expectedInvestmentRange": '"InvestmentRange" NOT NULL',
            "preferredPropertyType": '"PropertyType" NULL',
            "source": "text NOT NULL default 'website'::text",
            "createdAt": TS,
        },
        frozenset(
            {
                "primary key EarlyAccessUser_pkey (id)",
                "unique index EarlyAccessUser_email_key (email)",
            }
        ),
    ),
}


def utc(column: str) -> str:
    return f"({quote(column)} AT TIME ZONE 'UTC')"


def blank(column: str) -> str:
    return f"COALESCE({quote(column)}, '')"


# Prisma table -> (project model, {project column: SQL over the Prisma row}), parents first.
COPIES = {
    "Lead": (
        "Lead",
        {
            "id": '"id"::uuid',
            "name": blank("name"),
            "email": '"email"',
            "source": blank("source"),
            "anonymous": '"anonymous"',
            "created_at": utc("createdAt"),
        },
    ),
    "ChoiceResponse": (
        "ChoiceResponse",
        {
            "id": '"id"::uuid',
            "lead_id": '"leadId"::uuid',
            "intent": '"intent"',
            "nps": '"nps"',
            "meta": "COALESCE(\"meta\", '{}'::jsonb)",
            "created_at": utc("createdAt"),
        },
    ),
    "ContactUs": (
        "ContactUs",
        {
            "id": '"id"::uuid',
            "name": '"name"',
            "email": '"email"',
            "phone": blank("phone"),
            "message": '"message"',
            "handled": '"handled"',
            "source": blank("source"),
            "created_at": utc("createdAt"),
        },
    ),
    "WaitlistEntry": (
        "WaitlistEntry",
        {
            "id": '"id"::uuid',
            "email": '"email"',
            "name": blank("name"),
            "status": '"status"',
            "created_at": utc("createdAt"),
            "updated_at": utc("updatedAt"),
            # The link to the Prisma "User" moves to LINK_TABLE; auth_user is another table.
            "user_id": "NULL",
        },
    ),
    "EarlyAccessUser": (
        "EarlyAccessUser",
        {
            "id": '"id"::uuid',
            "email": '"email"',
            "name": blank("name"),
            "investment_intent": '"investmentIntent"::text',
            "expected_investment_range": '"expectedInvestmentRange"::text',
            "preferred_property_type": "COALESCE(\"preferredPropertyType\"::text, '')",
            "source": '"source"',
            "created_at": utc("createdAt"),
        },
    ),
}
UUID_COLUMNS = {"ChoiceResponse": ["leadId"]}


def inspect(connection) -> Inspection:
    """Compare the live schema with the Prisma era's; find rows that cannot be converted."""
    inspection = Inspection(SOURCE)
    with connection.cursor() as cursor:
        tables = public_tables(cursor)
        for name in sorted(tables):
            if name == "django_migrations" or name.startswith(("leads_", "auth_", "django_")):
                inspection.differences.append(
                    f'table "{name}" already exists: this database is not in the Prisma state '
                    "(already adopted, or a Django database)"
                )
        differences, bad_rows, counts, linked = inspect_lead_tables(connection, cursor, tables)
        inspection.differences += differences
        if inspection.differences:
            return inspection
        inspection.tables = counts
        inspection.left_alone = row_counts(cursor, tables - set(counts))
        inspection.bad_rows = bad_rows
        inspection.facts["linked_waitlist_entries"] = linked
    return inspection


def inspect_lead_tables(connection, cursor, tables: set[str]):
    """Check the Prisma lead tables among ``tables``.

    Return (schema differences, unconvertible rows, row counts parents first, linked waitlist
    entries); the last three are empty when there are differences.
    """
    differences = []
    wanted = [name for name in COPIES if name != OPTIONAL or OPTIONAL in tables]
    for name in wanted:
        if name not in tables:
            differences.append(f'table "{name}" is missing')
            continue
        differences += compare_table(name, EXPECTED[name], table_shape(cursor, name))
    present = [name for name in wanted if name in tables]
    if OPTIONAL in present:
        live_enums = enum_types(cursor)
        for enum, labels in ENUMS.items():
            if live_enums.get(enum) != labels:
                differences.append(
                    f'enum type "{enum}" is {live_enums.get(enum) or "missing"}; expected {labels}'
                )
    for constraint, source, target in foreign_keys_into(cursor, set(present)):
        differences.append(
            f'table "{source}" has foreign key {constraint} into "{target}", which the '
            "adoption would drop"
        )
    if differences:
        return differences, [], {}, 0
    counts = row_counts(cursor, present)
    bad_rows = find_bad_rows(connection, cursor, present)
    cursor.execute('SELECT count(*) FROM "WaitlistEntry" WHERE "userId" IS NOT NULL')
    return differences, bad_rows, {table: counts[table] for table in present}, cursor.fetchone()[0]


def find_bad_rows(connection, cursor, tables: list[str]) -> list[str]:
    """Rows the project's tables cannot hold: ids that are not uuids, values too long."""
    apps = historical_apps(connection, TARGET)
    bad = []
    for table in tables:
        name = quote(table)
        for column in ["id", *UUID_COLUMNS.get(table, [])]:
            bad += offending_rows(
                cursor,
                f'"{column}" is not a uuid',
                f"SELECT '{table}', 'id ' || quote_literal(\"id\") FROM {name} "
                f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} !~ '{UUID_PATTERN}'",
            )
        model_name, columns = COPIES[table]
        model = apps.get_model("leads", model_name)
        for field in model._meta.concrete_fields:
            length = field.max_length if isinstance(field, models.CharField) else None
            expression = columns.get(field.column)
            if length and expression and expression != "NULL":
                bad += offending_rows(
                    cursor,
                    f"{field.column} is longer than the project's {length} characters",
                    f"SELECT '{table}', 'id ' || quote_literal(\"id\") FROM {name} "
                    f"WHERE char_length({expression}) > {length}",
                )
        if table == "ChoiceResponse":
            bad += offending_rows(
                cursor,
                "nps is outside 0-10",
                "SELECT 'ChoiceResponse', 'id ' || quote_literal(\"id\") "
                'FROM "ChoiceResponse" WHERE "nps" < 0 OR "nps" > 10',
            )
    return bad


def plan(connection, inspection: Inspection, environment: str | None) -> list[str]:
    lines = [
        "apply the migrations the legacy tables start from: "
        + ", ".join(migration_plan(connection, TARGET)),
    ]
    lines += lead_table_plan(inspection.tables, inspection.facts["linked_waitlist_entries"])
    lines.append(
        "leave alone (marked as not managed, so check_drift skips them): "
        + ", ".join(f'"{table}"' for table in sorted(inspection.left_alone))
    )
    return lines


def lead_table_plan(tables: dict[str, int], linked: int) -> list[str]:
    lines = []
    for table, rows in tables.items():
        model_name, _ = COPIES[table]
        lines.append(
            f'copy "{table}" ({rows} rows) into leads_{model_name.lower()}: ids TEXT -> uuid, '
            "camelCase -> snake_case, TIMESTAMP(3) read as UTC -> timestamptz, NULL -> ''"
            + (", enums -> text choices" if table == OPTIONAL else "")
        )
    if OPTIONAL not in tables:
        lines.append('"EarlyAccessUser" is absent: leads_earlyaccessuser is created empty')
    lines.append(
        f'keep the waitlist\'s link to "User" ({linked} entries) in {LINK_TABLE} (user id '
        "and email); leads_waitlistentry.user_id stays NULL"
    )
    dropped = ", ".join(f'"{table}"' for table in tables)
    enums = f" and the enum types {', '.join(ENUMS)}" if OPTIONAL in tables else ""
    lines.append(f"drop {dropped}{enums}")
    return lines


def act(connection, inspection: Inspection, environment: str | None) -> dict:
    """Convert in the caller's transaction; return what was done, in counts."""
    with connection.cursor() as cursor:
        lock(cursor, inspection.tables)
        done = {"migrations": migrate_to(connection, TARGET)}
        done["rows"], done["dropped"] = copy_lead_tables(cursor, inspection.tables)
        for table in inspection.left_alone:
            mark_unmanaged(cursor, table, f"left alone by adopt_database --source {SOURCE}")
    return done


def lock(cursor, tables) -> None:
    """Keep the old site's writes out until the transaction ends (reads still work)."""
    cursor.execute(
        "LOCK TABLE " + ", ".join(f"public.{quote(t)}" for t in tables) + " IN EXCLUSIVE MODE"
    )


def copy_lead_tables(cursor, tables: dict[str, int]) -> tuple[dict, list]:
    """Copy the Prisma lead tables into the legacy ones (leads 0001 applied), then drop them.

    Return the rows copied per table and what was dropped.
    """
    rows = {}
    for table, expected in tables.items():
        model_name, columns = COPIES[table]
        target = f"leads_{model_name.lower()}"
        cursor.execute(
            f"INSERT INTO {target} ({', '.join(columns)}) "
            f"SELECT {', '.join(columns.values())} FROM {quote(table)}"
        )
        rows[f'"{table}" -> {target}'] = cursor.rowcount
        if cursor.rowcount != expected:
            raise ChangedSinceInspection(
                f'"{table}": {expected} rows inspected, {cursor.rowcount} copied'
            )
    cursor.execute(
        f"CREATE TABLE {LINK_TABLE} (waitlist_entry_id uuid PRIMARY KEY, "
        "user_id text NOT NULL, user_email text NULL)"
    )
    cursor.execute(
        f"INSERT INTO {LINK_TABLE} (waitlist_entry_id, user_id, user_email) "
        'SELECT w."id"::uuid, w."userId", u."email" FROM "WaitlistEntry" w '
        'LEFT JOIN "User" u ON u."id" = w."userId" WHERE w."userId" IS NOT NULL'
    )
    rows[f"waitlist links -> {LINK_TABLE}"] = cursor.rowcount
    mark_unmanaged(cursor, LINK_TABLE, "read by leads 0003, dropped by leads 0005")
    # Check the new foreign keys now, and leave no pending trigger events behind.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("DROP TABLE " + ", ".join(quote(table) for table in tables))
    dropped = list(tables)
    if OPTIONAL in tables:
        cursor.execute("DROP TYPE " + ", ".join(quote(enum) for enum in ENUMS))
        dropped += [f"enum {enum}" for enum in ENUMS]
    return rows, dropped
