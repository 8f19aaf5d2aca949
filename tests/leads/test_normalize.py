"""One email, one key: the SQL normalizations agree with normalize_email on every character."""

import importlib

import pytest
from django.db import connection

from leads.adoption import supabase
from leads.normalize import WHITESPACE, normalize_email, normalize_email_sql

backfill = importlib.import_module("leads.migrations.0003_backfill_users_leads_from_legacy")


def test_whitespace_is_exactly_what_str_strip_removes():
    assert "".join(c for c in map(chr, range(0x110000)) if c.isspace()) == WHITESPACE


def test_normalize_email_trims_and_lower_cases():
    assert normalize_email("\u00a0 Asha.Verma@Example.COM\t\n") == "asha.verma@example.com"


def cased_addresses() -> list[str]:
    """An address around every character that str.lower() changes, padded with whitespace."""
    cased = [
        chr(code)
        for code in range(0x41, 0x20000)
        if not 0xD800 <= code <= 0xDFFF and chr(code).lower() != chr(code)
    ]
    return [
        f"{WHITESPACE[n % len(WHITESPACE)]} {c}x@Example.COM{WHITESPACE[-1]}"
        for n, c in enumerate(cased)
    ]


def normalized_in_postgresql(expression: str, addresses: list[str], params=None) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {expression} FROM unnest(%(addresses)s::text[]) WITH ORDINALITY "
            "AS a(email, n) ORDER BY n",
            {"addresses": addresses, **(params or {})},
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
def test_the_postgresql_normalization_gives_python_s_key_for_every_cased_character(
    postgres_only,
):
    addresses = cased_addresses()
    assert "\u0130" in "".join(addresses)  # the one PostgreSQL's lower() maps differently

    expected = [normalize_email(address) for address in addresses]

    assert normalized_in_postgresql(normalize_email_sql("email"), addresses) == expected


@pytest.mark.postgres
def test_the_legacy_backfill_and_the_adoption_use_the_same_key(postgres_only):
    addresses = cased_addresses()
    expected = [normalize_email(address) for address in addresses]
    migration_sql = backfill._SqlBackfill.norm(None, "email")

    assert (
        normalized_in_postgresql(migration_sql, addresses, {"ws": backfill.PY_WHITESPACE})
        == expected
    )
    assert (
        normalized_in_postgresql(supabase.NORMALIZED_EMAIL.replace("s.email", "email"), addresses)
        == expected
    )
