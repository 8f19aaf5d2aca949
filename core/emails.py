"""One rule for email addresses everywhere: trimmed (Python's whitespace) and lower-cased.

Leads deduplicate on it (``users_leads``) and contacts are unique per organization on it; the
services, the admin, the API and the imports all call ``normalize_email``.
"""


def normalize_email(email: str) -> str:
    """Return ``email`` trimmed and lower-cased: the key that identifies a person."""
    return email.strip().lower()
