"""Normalization of visitor input that identifies a lead."""

from core.emails import normalize_email  # the rule, shared with contacts

__all__ = ["WHITESPACE", "WHITESPACE_SQL", "normalize_email", "normalize_email_sql"]

# What str.strip() removes (every character whose isspace() is true), in code-point order.
WHITESPACE = "".join(
    map(chr, [*range(0x09, 0x0E), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B)])
) + "".join(map(chr, [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))
# The same set as a PostgreSQL literal (Unicode escapes: the SQL text stays ASCII).
WHITESPACE_SQL = "U&'" + "".join(f"\\{ord(character):04X}" for character in WHITESPACE) + "'"


def normalize_email_sql(column: str) -> str:
    """Return PostgreSQL that computes ``normalize_email`` of ``column``, for set-based work.

    ``btrim`` is given Python's whitespace. ``lower()`` agrees with ``str.lower()`` on every
    character but one: U+0130 (capital I with dot above), which Python lower-cases by Unicode's
    full mapping to "i" + U+0307 and PostgreSQL's libc ``lower()`` to a plain "i". It is
    spelled out first, so that a lead adopted or backfilled in SQL has the key a later
    submission of the same address computes (tests/leads/test_normalize.py checks all of them).
    """
    return f"lower(replace(btrim({column}, {WHITESPACE_SQL}), chr(304), 'i' || chr(775)))"
